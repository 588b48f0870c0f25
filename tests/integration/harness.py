"""Shared helpers for the integration tests: start the real gamepicker binary on a
free loopback port, talk HTTP to it, and run a webhook receiver.

Run with Debian's /usr/bin/python3 (python3-websockets, python3-psycopg2). Environment:
GAMEPICKER_BIN (path to the binary), GAMEPICKER_CATALOGUE (the CSV to seed), and
GAMEPICKER_PG_STATE: the state folder of a running pg_cluster.py cluster. With it, every
Server stores in PostgreSQL (a database of its own, named after its folder) instead of SQLite,
so the same tests run against both stores."""
import base64
import hashlib
import http.client
import http.server
import json
import math
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ADMIN_KEY = "test-admin-key"
JWT_SECRET = "test-jwt-secret-0123456789abcdef"
PG_STATE = os.environ.get("GAMEPICKER_PG_STATE")
BIN = os.environ.get("GAMEPICKER_BIN", os.path.join(os.path.dirname(__file__), "../../build/gamepicker"))
CATALOGUE = os.environ.get("GAMEPICKER_CATALOGUE", os.path.join(os.path.dirname(__file__), "../../data/catalogue.csv"))


class Server:
    """One gamepicker process. The database lives in a temp dir that survives
    restart()/kill() so tests can check durability."""

    def __init__(self, args=None, env=None, db_dir=None, preexec_fn=None, catalogue=CATALOGUE, cwd=None,
                 db_flag=True, host="127.0.0.1"):
        """catalogue=None: no --catalogue (the bundled one); cwd: the working directory;
        db_flag=False: no --db (the default, ./data/gamepicker.db in cwd)."""
        self.args = list(args or [])
        self.preexec_fn = preexec_fn  # runs in the child before exec (e.g. to set rlimits)
        self.host = host  # listen address; the helpers below always connect over loopback
        self.env = dict(env or {})
        self.own_dir = db_dir is None
        self.dir = db_dir or tempfile.mkdtemp(prefix="gamepicker-test-")
        self.catalogue = catalogue
        self.cwd = cwd
        self.db_flag = db_flag
        if not db_flag:
            self.db = os.path.join(cwd or ".", "data", "gamepicker.db")
        elif PG_STATE:
            # Servers given the same db_dir share one database, as they share a SQLite file.
            self.db = pg_database_url("gp_" + hashlib.sha1(os.path.realpath(self.dir).encode()).hexdigest()[:16])
        else:
            self.db = os.path.join(self.dir, "test.db")
        self.proc = None
        self.port = None
        self.log_lines = []

    def start(self, timeout=15):
        if PG_STATE and self.db_flag:
            pg_create_database(self.db)
        env = dict(os.environ)
        # ECAST_URL: no test reaches Jackbox (port 9 refuses); test_rooms.py runs a fake.
        env.update({"ADMIN_KEY": ADMIN_KEY, "JWT_SECRET": JWT_SECRET, "ALLOW_PRIVATE_WEBHOOKS": "1",
                    "LOG_LEVEL": "info", "ECAST_URL": "http://127.0.0.1:9"})
        env.update(self.env)
        cmd = [os.path.abspath(BIN), "--port", "0", "--host", self.host]
        cmd += ["--db", self.db] if self.db_flag else []
        cmd += ["--catalogue", self.catalogue] if self.catalogue else []
        self.proc = subprocess.Popen(cmd + self.args, env=env, cwd=self.cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, preexec_fn=self.preexec_fn)
        self.log_lines = []
        found = threading.Event()

        def pump():
            for line in self.proc.stderr:
                self.log_lines.append(line.rstrip("\n"))
                m = re.search(r"msg=listening .*port=(\d+)", line)
                if m and not found.is_set():
                    self.port = int(m.group(1))
                    found.set()
            found.set()

        self.pump = threading.Thread(target=pump, daemon=True)
        self.pump.start()
        if not found.wait(timeout) or self.port is None:
            self.stop()
            raise RuntimeError("server did not start:\n" + "\n".join(self.log_lines))
        return self

    def stop(self):
        if not self.proc:
            return
        exited_by_itself = self.proc.poll() is not None
        if not exited_by_itself:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.pump.join(5)
        self.proc.stderr.close()
        self.report_log(self.proc.returncode if exited_by_itself else None)
        self.proc = None

    def report_log(self, exit_code):
        """Writes to stderr what a failed test needs to see of this server: its whole log if it
        exited by itself (a crash shows how it ended), else its errors. CTest shows a test's
        output only when it fails."""
        if exit_code is not None:
            lines = self.log_lines
            head = "server on port %s exited by itself with %s; its log:" % (self.port, exit_code)
        else:
            lines = [line for line in self.log_lines if "level=error" in line or "level=critical" in line]
            head = "server on port %s logged errors:" % self.port
        if lines:
            sys.stderr.write("\n".join([head] + lines[-300:]) + "\n")

    def wait_for_log(self, predicate, timeout=10):
        """The log lines for which predicate(line) holds, once there is one: the server writes a
        line before its answer, but the pump thread may read it a little later."""
        return wait_until(lambda: [line for line in self.log_lines if predicate(line)], timeout=timeout)

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            if PG_STATE and self.db_flag:
                pg_drop_database(self.db)

    # --- HTTP ---------------------------------------------------------------
    def request(self, method, path, body=None, token=None, raw=None, headers=None, timeout=10):
        """Returns (status, headers dict (lower-case names), parsed JSON or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(headers or {})
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        rh = {k.lower(): v for k, v in resp.getheaders()}
        ctype = rh.get("content-type", "")
        if ctype.startswith("application/json"):
            return resp.status, rh, json.loads(payload.decode())
        return resp.status, rh, payload.decode("utf-8", errors="replace")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def login(self):
        status, _, body = self.post("/api/auth/login", {"key": ADMIN_KEY})
        assert status == 200, body
        return body["token"]

    def ws_url(self):
        return "ws://127.0.0.1:%d/api/sessions/live" % self.port


# --- the database under a test server ---------------------------------------
# Tests read or seed the store's tables directly (the outbox, a long session) with
# db_query/db_execute_many, which speak SQLite or PostgreSQL as the Server does.
# The two stores have the same tables and columns; SQL uses `?` placeholders.

def sqlite_only(reason):
    """For a test of something only SQLite has (its files, its WAL, its metrics)."""
    return unittest.skipIf(PG_STATE, "SQLite only: " + reason)


def pg_database_url(name):
    import pg_cluster
    return "%s/%s" % (pg_cluster.load(PG_STATE)["url"], name)


def _pg_admin():
    import psycopg2
    conn = psycopg2.connect(pg_database_url("postgres"))
    conn.autocommit = True
    return conn


_pg_create_lock = threading.Lock()  # servers of one database may start together


def pg_create_database(url):
    name = url.rsplit("/", 1)[1]
    with _pg_create_lock:
        conn = _pg_admin()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute('CREATE DATABASE "%s"' % name)
        finally:
            conn.close()


def pg_drop_database(url):
    conn = _pg_admin()
    try:
        with conn.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % url.rsplit("/", 1)[1])
    finally:
        conn.close()


def _connect(db):
    if db.startswith(("postgres://", "postgresql://")):
        import psycopg2
        return psycopg2.connect(db), "%s"
    import sqlite3
    return sqlite3.connect(db, timeout=10), "?"


def db_query(db, sql, args=()):
    """All rows of one query against the server's database (a SQLite path or a PostgreSQL URL)."""
    conn, placeholder = _connect(db)
    try:
        cur = conn.cursor()
        cur.execute(sql.replace("?", placeholder), tuple(args))
        return [tuple(row) for row in cur.fetchall()]
    finally:
        conn.close()


def db_execute_many(db, statements):
    """Runs [(sql, [args, ...]), ...] in one transaction."""
    conn, placeholder = _connect(db)
    try:
        cur = conn.cursor()
        for sql, rows in statements:
            cur.executemany(sql.replace("?", placeholder), [tuple(r) for r in rows])
        conn.commit()
    finally:
        conn.close()


class ServerTestCase(unittest.TestCase):
    """Starts one server per test class; self.server and self.token are ready."""
    server_args = []
    server_env = {}
    server_host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.server_args, cls.server_env, host=cls.server_host).start()
        cls.token = cls.server.login()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def assertError(self, response, status, message=None):
        """response = (status, headers, body); checks the JSON error body."""
        got_status, headers, body = response
        self.assertEqual(got_status, status, body)
        self.assertTrue(headers.get("content-type", "").startswith("application/json"), headers)
        self.assertIsInstance(body, dict)
        self.assertIn("error", body)
        if message is not None:
            self.assertEqual(body["error"], message)


# --- /metrics --------------------------------------------------------------------
# The Prometheus text exposition, read with the format's rules checked.

METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
METRIC_LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
METRIC_VALUE = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]Inf|NaN"
METRIC_SAMPLE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)\})? (%s)$" % (METRIC_NAME, METRIC_LABEL, METRIC_LABEL, METRIC_VALUE))
METRIC_HELP = re.compile(r"^# HELP (%s) (.*)$" % METRIC_NAME)
METRIC_TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram)$" % METRIC_NAME)


def unescape_label(value):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def parse_metrics(text):
    """Parses an exposition and checks the format's rules; returns
    {family: {"type", "help", "samples": {(sample name, frozenset of labels): float}}}."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    families, current = {}, None
    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d: %r" % (number, line)
        m = METRIC_HELP.match(line)
        if m:
            assert m.group(1) not in families, "family described twice, " + where
            current = m.group(1)
            families[current] = {"type": None, "help": m.group(2), "samples": {}}
            continue
        m = METRIC_TYPE.match(line)
        if m:
            assert m.group(1) == current and families[current]["type"] is None, "TYPE out of place, " + where
            families[current]["type"] = m.group(2)
            continue
        m = METRIC_SAMPLE.match(line)
        assert m, "not a valid sample line, " + where
        assert current and families[current]["type"], "sample before its family's TYPE, " + where
        name, kind = m.group(1), families[current]["type"]
        allowed = [current + s for s in ("_bucket", "_sum", "_count")] if kind == "histogram" else [current]
        assert name in allowed, "sample %s outside its family %s, %s" % (name, current, where)
        labels = re.findall(METRIC_LABEL, m.group(2) or "")
        names = [k for k, _ in labels]
        assert len(names) == len(set(names)), "label repeated, " + where
        key = (name, frozenset((k, unescape_label(v)) for k, v in labels))
        assert key not in families[current]["samples"], "series repeated, " + where
        families[current]["samples"][key] = float(m.group(m.lastindex))
    for family, f in families.items():
        assert f["type"], family + " has no TYPE"
        if f["type"] == "counter":
            assert family.endswith("_total"), family
            assert all(v >= 0 for v in f["samples"].values()), family
        if f["type"] == "histogram":
            check_metric_histogram(family, f["samples"])
    return families


def check_metric_histogram(family, samples):
    series = {}
    for (name, labels), value in samples.items():
        rest = frozenset(kv for kv in labels if kv[0] != "le")
        entry = series.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if name.endswith("_bucket"):
            le = dict(labels)["le"]
            entry["buckets"].append((math.inf if le == "+Inf" else float(le), value))
        else:
            assert "le" not in dict(labels), name
            entry[name.rsplit("_", 1)[1]] = value
    for labels, entry in series.items():
        buckets = sorted(entry["buckets"])
        what = "%s%s" % (family, dict(labels))
        assert buckets and buckets[-1][0] == math.inf, "no +Inf bucket: " + what
        counts = [c for _, c in buckets]
        assert counts == sorted(counts), "buckets not cumulative: " + what
        assert entry["count"] == counts[-1], "_count differs from the +Inf bucket: " + what
        assert entry["sum"] is not None and entry["sum"] >= 0, "no _sum: " + what


def metric_value(families, family, sample=None, **labels):
    """A sample's value (0 when the series does not exist yet)."""
    key = (sample or family, frozenset(labels.items()))
    return families[family]["samples"].get(key, 0.0)


class Receiver:
    """A webhook receiver on a free loopback port. Records every request
    (path, headers with lower-case names, raw body bytes, arrival time). `responses`
    is a list of status codes, or (status, {header: value}[, body bytes]) tuples, to answer in turn
    (the last one repeats). `port` 0
    picks a free one; pass a former receiver's port to come back on it."""

    def __init__(self, responses=(200,), delay=0.0, port=0):
        self.requests = []
        self.responses = list(responses)
        self.delay = delay
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.cond:
                    index = len(receiver.requests)
                    status = receiver.responses[min(index, len(receiver.responses) - 1)]
                    status, extra_headers, reply = (status + (b"ok",))[:3] if isinstance(status, tuple) \
                        else (status, {}, b"ok")
                    receiver.requests.append({"path": self.path,
                                              "headers": {k.lower(): v for k, v in self.headers.items()},
                                              "body": body, "time": time.monotonic()})
                    receiver.cond.notify_all()
                self.send_response(status)
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count, timeout=10):
        """Waits until at least `count` requests arrived; returns them."""
        deadline = time.time() + timeout
        with self.cond:
            while len(self.requests) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("receiver got %d requests, wanted %d" % (len(self.requests), count))
                self.cond.wait(left)
            return list(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for_lock_waiter(db, query_start, timeout=20):
    """Waits until one statement starting with `query_start` waits for a lock (PostgreSQL):
    a request the test holds up in the database with a lock of its own."""
    wait_until(lambda: pg_lock_waiters(db, query_start) == 1, timeout=timeout)


def pg_lock_waiters(db, query_start):
    return db_query(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?",
                    (query_start + "%",))[0][0]


class FeedClientMixin:
    """For async tests with self.server and self.token: live-feed clients on the raw protocol."""
    feed_timeout = 20

    async def feed(self, session_id=None, since=None):
        """An authenticated feed connection, subscribed to session_id (from `since`) if given."""
        import asyncio
        import websockets
        ws = await websockets.connect(self.server.ws_url(), ping_interval=None)
        await ws.send(json.dumps({"type": "auth", "token": self.token}))
        self.assertEqual(json.loads(await asyncio.wait_for(ws.recv(), self.feed_timeout))["type"], "auth_success")
        if session_id is not None:
            message = {"type": "subscribe", "sessionId": session_id}
            if since is not None:
                message["since"] = since
            await ws.send(json.dumps(message))
            self.assertEqual(json.loads(await asyncio.wait_for(ws.recv(), self.feed_timeout))["type"], "subscribed")
        return ws

    async def events(self, ws, count, timeout=None):
        """The next `count` events on ws as (id, type), other messages skipped."""
        import asyncio
        got = []
        while len(got) < count:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout or self.feed_timeout))
            if "id" in message:
                got.append((message["id"], message["type"]))
        return got


def wait_until(predicate, timeout=10, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %ss" % timeout)


def read_until_closed(sock):
    """Everything the server sends on `sock` until it closes the connection."""
    reply = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        reply += chunk
    return reply


class RawWebSocket:
    """A WebSocket client by hand on a blocking socket, for clients that must not
    read or must not answer pings (websockets always does both)."""

    def __init__(self, port, rcvbuf=None, timeout=10):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # A small window and small segments keep the kernel buffers on both
            # sides small, so a client that stops reading backs up quickly.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /api/sessions/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           % key).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed during the handshake"
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def send_text(self, text):
        self.send_frame(0x1, text.encode() if isinstance(text, str) else text)

    def send_frame(self, opcode, payload, fin=True, masked=True):
        """One frame as a client sends it (masked), or as it must not (masked=False)."""
        first = (0x80 if fin else 0) | opcode
        mask_bit = 0x80 if masked else 0
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", first, mask_bit | n)
        elif n < 65536:
            header = struct.pack("!BBH", first, mask_bit | 126, n)
        else:
            header = struct.pack("!BBQ", first, mask_bit | 127, n)
        if not masked:
            self.sock.sendall(header + payload)
            return
        mask = os.urandom(4)
        key = (mask * (n // 4 + 1))[:n]
        data = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        self.sock.sendall(header + mask + data)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_frame(self):
        """(opcode, payload); EOFError when the server closed the TCP connection."""
        b0, b1 = self._read(2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        return b0 & 0x0F, self._read(length)

    def close(self):
        self.sock.close()
