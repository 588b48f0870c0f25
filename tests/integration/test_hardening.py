"""Hostile clients over raw sockets (issue 8, F1-F5, the WebSocket key, graceful
shutdown): the server answers with the documented error, bounds its memory and CPU,
and keeps answering /health after each of them."""
import json
import os
import re
import resource
import signal
import socket
import struct
import subprocess
import time
import unittest

import harness
from harness import RawWebSocket, ServerTestCase, Server, read_until_closed, wait_until


def raw_exchange(port, data, timeout=10):
    """Sends `data` and reads until the server closes the connection; returns the bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused early; its answer may still be readable
        return read_until_closed(s)
    finally:
        s.close()


def statuses(reply):
    """Status codes of every HTTP response in `reply`, in order."""
    return [int(line.split()[1]) for line in reply.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def json_body(reply):
    return json.loads(reply.split(b"\r\n\r\n", 1)[1].decode())


class HttpFramingTest(ServerTestCase):
    def assertHealthy(self):
        status, _, body = self.server.get("/health")
        self.assertEqual(status, 200, body)

    def test_f1_oversized_trailer_field_is_refused_and_the_server_lives(self):
        reply = raw_exchange(self.server.port, b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"0\r\nX: " + b"a" * 65600 + b"\r\n\r\n")
        self.assertEqual(statuses(reply), [413], reply[:300])
        self.assertIn("error", json_body(reply))
        self.assertHealthy()
        self.assertFalse(any("startup failed" in line for line in self.server.log_lines))

    def test_f1_many_trailer_fields_are_bounded_too(self):
        trailers = b"".join(b"X-%d: %s\r\n" % (i, b"b" * 1000) for i in range(200))
        reply = raw_exchange(self.server.port, b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"0\r\n" + trailers + b"\r\n")
        self.assertEqual(statuses(reply), [413], reply[:300])
        self.assertHealthy()

    def test_small_trailers_and_extensions_still_work(self):
        reply = raw_exchange(self.server.port,
                             b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                             b"9;name=value\r\n{\"key\":\"x\r\n2\r\n\"}\r\n0\r\nX-Checksum: 1\r\n\r\n")
        self.assertEqual(statuses(reply), [401], reply[:300])

    def test_f2_huge_chunk_extension_is_refused_without_buffering_it(self):
        rss_before = self.server.rss_kib()
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        s.sendall(b"POST /api/pick HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n2;")
        sent = 0
        try:
            while sent < 64 * 1024 * 1024:  # stops early when the server closes on us
                s.sendall(b"e" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = read_until_closed(s)
        s.close()
        self.assertEqual(statuses(reply), [413], reply[:300])
        self.assertLess(self.server.rss_kib() - rss_before, 20 * 1024, "RSS grew by more than 20 MiB")
        self.assertHealthy()

    def test_f2_many_small_extensions_count_against_a_limit(self):
        chunks = b"".join(b"1;" + b"x" * 100 + b"\r\na\r\n" for _ in range(100))  # 10 KB of extensions
        reply = raw_exchange(self.server.port, b"POST /api/pick HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                             b"Content-Type: application/json\r\n\r\n" + chunks + b"0\r\n\r\n")
        self.assertEqual(statuses(reply), [413], reply[:300])
        self.assertHealthy()

    def test_f5_transfer_coding_other_than_final_chunked_is_refused(self):
        smuggled = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        reply = raw_exchange(self.server.port, b"POST /api/pick HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
                             + smuggled)
        self.assertEqual(statuses(reply), [400], reply)  # one answer: the smuggled request never ran
        self.assertIn("chunked", json_body(reply)["error"])

    def test_f5_chunked_not_last_is_refused(self):
        reply = raw_exchange(self.server.port, b"POST /api/pick HTTP/1.1\r\nHost: x\r\n"
                             b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n")
        self.assertEqual(statuses(reply), [400], reply)

    def test_f5_unsupported_coding_before_chunked_is_501(self):
        reply = raw_exchange(self.server.port, b"POST /api/pick HTTP/1.1\r\nHost: x\r\n"
                             b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
        self.assertEqual(statuses(reply), [501], reply)

    def test_f5_content_length_with_transfer_encoding_is_refused(self):
        for headers in (b"Transfer-Encoding: gzip\r\nContent-Length: 2\r\n",
                        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"):
            reply = raw_exchange(self.server.port, b"POST /api/pick HTTP/1.1\r\nHost: x\r\n" + headers +
                                 b"\r\n0\r\n\r\n")
            self.assertEqual(statuses(reply), [400], (headers, reply))

    def test_f5_differing_content_lengths_are_refused(self):
        reply = raw_exchange(self.server.port, b"POST /api/pick HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                             b"Content-Length: 3\r\n\r\n{}x")
        self.assertEqual(statuses(reply), [400], reply)

    def test_websocket_key_must_be_16_bytes_of_base64(self):
        for key in (b"short", b"AAAAAAAAAAAAAAAAAAAAAAAA", b"AAAAAAAAAAAAAAAAAAAAAB==", b"!AAAAAAAAAAAAAAAAAAAAA=="):
            reply = raw_exchange(self.server.port, b"GET /api/sessions/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key +
                                 b"\r\n\r\n", timeout=5)
            self.assertEqual(statuses(reply), [400], (key, reply))
        ws = RawWebSocket(self.server.port)  # a valid key still upgrades
        ws.close()


class WebSocketMemoryTest(ServerTestCase):
    server_args = ["--ws-send-queue", "100000", "--ws-send-queue-bytes", "8192"]

    def test_f3_unknown_type_is_echoed_only_as_a_short_prefix(self):
        ws = RawWebSocket(self.server.port)
        ws.send_text(json.dumps({"type": "é" * 30000}, ensure_ascii=False))
        opcode, payload = ws.read_frame()
        reply = json.loads(payload.decode())  # valid UTF-8: the prefix is cut between characters
        self.assertEqual(reply["type"], "error")
        self.assertTrue(reply["message"].startswith("Unknown message type: é"), reply)
        self.assertLess(len(payload), 200)
        ws.close()

    def test_f3_non_reading_clients_cannot_pin_memory(self):
        rss_before = self.server.rss_kib()
        frame = json.dumps({"type": "x" * 60000})
        # 8 x 400 frames of 60 KB: had each reply echoed the whole frame, as before the
        # fix, 190 MB would queue. A busy machine may take a while to read it all.
        clients = [RawWebSocket(self.server.port, rcvbuf=4096, timeout=20) for _ in range(8)]
        for ws in clients:
            for _ in range(400):
                try:
                    ws.send_text(frame)
                except (BrokenPipeError, ConnectionResetError):
                    break  # closed as too slow: that is fine too
                except TimeoutError:
                    # Seen once in CI with other tests running (a send held for 60 s; its cause is
                    # not known): a client whose frames are not taken pins nothing either. What this
                    # test is about is checked below: the server answers, and its memory.
                    break
        status, _, _ = self.server.get("/health")
        self.assertEqual(status, 200)
        grown = self.server.rss_kib() - rss_before
        self.assertLess(grown, 64 * 1024, "RSS grew by %d KiB" % grown)
        for ws in clients:
            ws.close()

    def test_f3_send_queue_is_bounded_in_bytes(self):
        ws = RawWebSocket(self.server.port, rcvbuf=4096)
        unknown = json.dumps({"type": "x" * 64})  # each answered by a ~100-byte error
        try:
            for _ in range(20000):  # ~2 MB of replies: past the kernel's (small) socket buffers and the 8 KiB queue
                ws.send_text(unknown)
        except (BrokenPipeError, ConnectionResetError):
            pass
        closing = wait_until(lambda: [line for line in self.server.log_lines if "send queue full" in line])
        queued_bytes = int(re.search(r"queued_bytes=(\d+)", closing[0]).group(1))
        self.assertLessEqual(queued_bytes, 8192)
        # The close frame follows what the kernel buffers hold. A client this slow may
        # instead see a reset: the server drops the socket 5 s after the close frame,
        # and unread pings in its receive buffer turn that close into a reset.
        close_code = None
        try:
            while True:
                opcode, payload = ws.read_frame()
                if opcode == 8:
                    close_code = struct.unpack("!H", payload[:2])[0]
                    break
        except (EOFError, ConnectionResetError, socket.timeout):
            pass
        ws.close()
        self.assertIn(close_code, (1008, None))


def limit_descriptors(n):
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return apply


class DescriptorLimitTest(unittest.TestCase):
    def test_f4_out_of_descriptors_the_listener_backs_off(self):
        server = Server(["--webhook-concurrency", "1", "--ws-max-connections", "50"],
                        preexec_fn=limit_descriptors(400)).start()
        held = []
        try:
            keeper = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            for _ in range(500):  # more than the server can hold
                try:
                    held.append(socket.create_connection(("127.0.0.1", server.port), timeout=1))
                except OSError:
                    break
            wait_until(lambda: any("accept failed" in line for line in server.log_lines), timeout=10)
            cpu_before = server.cpu_seconds()
            lines_before = len(server.log_lines)
            time.sleep(3)
            cpu = server.cpu_seconds() - cpu_before
            logged = sum("accept failed" in line for line in server.log_lines[lines_before:])
            self.assertLess(cpu, 0.5, "server used %.2f s of CPU in 3 s while out of descriptors" % cpu)
            self.assertLessEqual(logged, 5)
            # A connection opened before keeps being served.
            keeper.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertIn(b"200 OK", keeper.recv(4096))
            keeper.close()
            for s in held:
                s.close()
            held = []
            wait_until(lambda: server.get("/health")[0] == 200, timeout=10)
        finally:
            for s in held:
                s.close()
            server.cleanup()

    def test_f4_ws_max_connections_must_fit_the_descriptor_limit(self):
        server = Server()
        env = dict(os.environ, ADMIN_KEY="k", JWT_SECRET="s")
        result = subprocess.run([harness.BIN, "--port", "0", "--db", server.db, "--ws-max-connections", "100000"],
                                env=env, capture_output=True, text=True, timeout=20,
                                preexec_fn=limit_descriptors(1000))
        server.cleanup()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("does not fit under the open-file limit", result.stderr)

    def test_f4_default_ws_max_connections_is_lowered_to_fit(self):
        server = Server([], preexec_fn=limit_descriptors(1000)).start()
        try:
            self.assertTrue(any("max_websockets=616" in line for line in server.log_lines), server.log_lines)
        finally:
            server.cleanup()


class GracefulShutdownTest(unittest.TestCase):
    def test_sigterm_finishes_requests_closes_websockets_and_checkpoints(self):
        server = Server().start()
        token = server.login()
        try:
            ws = RawWebSocket(server.port)
            ws.send_text(json.dumps({"type": "auth", "token": token}))
            self.assertEqual(json.loads(ws.read_frame()[1])["type"], "auth_success")
            idle = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            busy = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            body = json.dumps({"notes": "started before SIGTERM"}).encode()
            busy.sendall(b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Authorization: Bearer " + token.encode() +
                         b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:5])
            time.sleep(0.2)
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            # New connections are refused, the idle keep-alive one is closed ...
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", server.port), timeout=2)
            self.assertEqual(idle.recv(100), b"")
            # ... the WebSocket gets 1001 ...
            opcode, payload = ws.read_frame()
            self.assertEqual((opcode, struct.unpack("!H", payload[:2])[0]), (8, 1001))
            ws.close()
            # ... and the request in progress is answered, then its connection closed.
            busy.sendall(body[5:])
            reply = read_until_closed(busy)
            self.assertEqual(statuses(reply), [201], reply)
            self.assertIn(b"Connection: close", reply)
            self.assertEqual(server.proc.wait(10), 0)
            self.assertTrue(any("msg=stopped" in line for line in server.log_lines))
            if not harness.PG_STATE:
                wal = server.db + "-wal"
                self.assertTrue(not os.path.exists(wal) or os.path.getsize(wal) == 0, "WAL left behind")
            # The session created during shutdown is there after a restart.
            server.start()
            status, _, sessions = server.get("/api/sessions")
            self.assertEqual(status, 200)
            self.assertIn("started before SIGTERM", [s.get("notes") for s in sessions])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
