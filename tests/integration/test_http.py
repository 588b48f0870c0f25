import socket
import time
import unittest

from harness import ServerTestCase, read_until_closed


class HttpTest(ServerTestCase):
    """Transport-level behaviour: routing errors, limits, timeouts, malformed requests."""
    server_args = ["--read-timeout", "1"]

    def test_unknown_route_and_method(self):
        self.assertError(self.server.get("/api/nope"), 404)
        status, headers, body = self.server.request("DELETE", "/api/auth/login")
        self.assertEqual(status, 405, body)
        self.assertIn("POST", headers.get("allow", ""))

    def test_oversized_body(self):
        big = '{"key":"' + "x" * (1024 * 1024 + 10) + '"}'
        self.assertError(self.server.request("POST", "/api/auth/login", raw=big), 413)

    def test_feed_path_without_upgrade_is_426(self):
        status, headers, body = self.server.get("/api/sessions/live")
        self.assertEqual(status, 426, body)
        self.assertEqual(headers.get("upgrade"), "websocket")
        self.assertIn("error", body)

    def test_malformed_json_says_what_is_wrong(self):
        status, _, body = self.server.request("POST", "/api/sessions", raw='{"notes": ', token=self.token)
        self.assertEqual(status, 400)
        self.assertTrue(body["error"].startswith("Invalid JSON body"), body)
        self.assertError(self.server.request("POST", "/api/sessions", raw="[1,2]", token=self.token), 400,
                         "Request body must be a JSON object")

    def test_keep_alive_serves_several_requests(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)
        for _ in range(3):
            conn.request("GET", "/health")
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            response.read()
        conn.close()

    def test_slow_client_is_timed_out(self):
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        started = time.time()
        self.assertEqual(sock.recv(1024), b"")  # closed by the server
        self.assertLess(time.time() - started, 3.5)
        sock.close()

    def test_garbage_request_gets_a_json_400(self):
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = read_until_closed(sock)
        sock.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 400"), reply)
        self.assertIn(b'"error"', reply)


if __name__ == "__main__":
    unittest.main()
