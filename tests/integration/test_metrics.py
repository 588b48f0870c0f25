"""GET /metrics: the Prometheus text exposition format checked line by line against
the format's rules, counters that move with real requests, WebSocket gauges, events,
webhook outcomes and queue, and who may scrape (loopback, the admin token,
--metrics-public)."""
import asyncio
import http.client
import math
import re
import socket
import time
import unittest

import websockets

import harness
from harness import Receiver, ServerTestCase, wait_until
from session_helpers import SessionMixin

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
VALUE = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]Inf|NaN"
SAMPLE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)\})? (%s)$" % (NAME, LABEL, LABEL, VALUE))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram)$" % NAME)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

FAMILIES = {
    "gamepicker_http_requests_total": "counter",
    "gamepicker_http_request_duration_seconds": "histogram",
    "gamepicker_websocket_connections": "gauge",
    "gamepicker_websocket_subscriptions": "gauge",
    "gamepicker_events_published_total": "counter",
    "gamepicker_webhook_attempts_total": "counter",
    "gamepicker_webhook_queue_depth": "gauge",
    "gamepicker_webhook_oldest_pending_age_seconds": "gauge",
}
if not harness.PG_STATE:
    FAMILIES["gamepicker_sqlite_busy_waits_total"] = "counter"


def unescape(value):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def parse(text):
    """Parses an exposition and checks the format's rules; returns
    {family: {"type", "help", "samples": {(sample name, frozenset of labels): float}}}."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    families, current = {}, None
    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d: %r" % (number, line)
        m = HELP.match(line)
        if m:
            assert m.group(1) not in families, "family described twice, " + where
            current = m.group(1)
            families[current] = {"type": None, "help": m.group(2), "samples": {}}
            continue
        m = TYPE.match(line)
        if m:
            assert m.group(1) == current and families[current]["type"] is None, "TYPE out of place, " + where
            families[current]["type"] = m.group(2)
            continue
        m = SAMPLE.match(line)
        assert m, "not a valid sample line, " + where
        assert current and families[current]["type"], "sample before its family's TYPE, " + where
        name, kind = m.group(1), families[current]["type"]
        allowed = [current + s for s in ("_bucket", "_sum", "_count")] if kind == "histogram" else [current]
        assert name in allowed, "sample %s outside its family %s, %s" % (name, current, where)
        labels = re.findall(LABEL, m.group(2) or "")
        names = [k for k, _ in labels]
        assert len(names) == len(set(names)), "label repeated, " + where
        key = (name, frozenset((k, unescape(v)) for k, v in labels))
        assert key not in families[current]["samples"], "series repeated, " + where
        families[current]["samples"][key] = float(m.group(m.lastindex))
    for family, f in families.items():
        assert f["type"], family + " has no TYPE"
        if f["type"] == "counter":
            assert family.endswith("_total"), family
            assert all(v >= 0 for v in f["samples"].values()), family
        if f["type"] == "histogram":
            check_histogram(family, f["samples"])
    return families


def check_histogram(family, samples):
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


def value(families, family, sample=None, **labels):
    """A sample's value (0 when the series does not exist yet)."""
    key = (sample or family, frozenset(labels.items()))
    return families[family]["samples"].get(key, 0.0)


def external_address():
    """An address of this machine that is not loopback, or None."""
    for probe in ("192.0.2.1", "10.255.255.255", "8.8.8.8"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect((probe, 9))  # UDP: nothing is sent, the kernel only picks a route
            address = s.getsockname()[0]
        except OSError:
            continue
        finally:
            s.close()
        if not address.startswith("127."):
            return address
    return None


def get_from(address, port, path, token=None):
    conn = http.client.HTTPConnection(address, port, timeout=10)
    conn.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, resp.getheader("Content-Type"), body


class MetricsTest(SessionMixin, ServerTestCase):
    server_args = ["--webhook-retry-schedule", "200ms"]

    def scrape(self):
        status, headers, text = self.server.get("/metrics")
        self.assertEqual(status, 200, text)
        self.assertEqual(headers["content-type"], CONTENT_TYPE)
        return parse(text), text

    def test_every_family_is_there_with_its_type(self):
        self.server.get("/api/games")
        families, _ = self.scrape()
        for name, kind in FAMILIES.items():
            self.assertIn(name, families)
            self.assertEqual(families[name]["type"], kind, name)
            self.assertTrue(families[name]["help"], name)

    def test_requests_are_counted_and_timed_by_route_pattern(self):
        before, _ = self.scrape()
        game_id = self.game_ids()[0]
        for _ in range(2):
            self.assertEqual(self.server.get("/api/games/%d" % game_id)[0], 200)
        self.assertEqual(self.server.get("/api/games/999999999")[0], 404)
        self.assertEqual(self.server.get("/api/no/such/path/4711")[0], 404)
        self.assertEqual(self.server.request("TEAPOT", "/api/games")[0], 405)
        after, text = self.scrape()

        def delta(family, sample=None, **labels):
            return value(after, family, sample, **labels) - value(before, family, sample, **labels)

        route = "/api/games/{id}"
        self.assertEqual(delta("gamepicker_http_requests_total", method="GET", route=route, status="200"), 2)
        self.assertEqual(delta("gamepicker_http_requests_total", method="GET", route=route, status="404"), 1)
        self.assertEqual(delta("gamepicker_http_requests_total", method="GET", route="unmatched", status="404"), 1)
        self.assertEqual(delta("gamepicker_http_requests_total", method="other", route="/api/games", status="405"), 1)
        self.assertEqual(delta("gamepicker_http_request_duration_seconds", "gamepicker_http_request_duration_seconds_count",
                               method="GET", route=route), 3)
        self.assertGreater(delta("gamepicker_http_request_duration_seconds", "gamepicker_http_request_duration_seconds_sum",
                                 method="GET", route=route), 0)
        # The raw paths never become labels.
        self.assertNotIn("/api/games/%d\"" % game_id, text)
        self.assertNotIn("4711", text)
        self.assertNotIn("TEAPOT", text)

    def test_events_published_by_type(self):
        before, _ = self.scrape()
        session = self.fresh_session()
        self.add_game(session["id"], self.game_ids()[0])
        after, _ = self.scrape()
        for event_type in ("session.started", "game.added"):
            self.assertGreaterEqual(value(after, "gamepicker_events_published_total", type=event_type)
                                    - value(before, "gamepicker_events_published_total", type=event_type), 1)

    def test_websocket_gauges_follow_connections_and_subscriptions(self):
        session = self.fresh_session()

        def gauges():
            families, _ = self.scrape()
            return (value(families, "gamepicker_websocket_connections"),
                    value(families, "gamepicker_websocket_subscriptions"))

        async def run():
            ws = await websockets.connect(self.server.ws_url(), ping_interval=None)
            await ws.send('{"type":"auth","token":"%s"}' % self.token)
            await ws.recv()
            await ws.send('{"type":"subscribe","sessionId":%d}' % session["id"])
            await ws.recv()
            self.assertEqual(gauges(), (1, 1))
            await ws.send('{"type":"unsubscribe","sessionId":%d}' % session["id"])
            await ws.recv()
            self.assertEqual(gauges(), (1, 0))
            await ws.send('{"type":"subscribe","sessionId":%d}' % session["id"])
            await ws.recv()
            await ws.close()

        asyncio.run(run())
        wait_until(lambda: gauges() == (0, 0))

    def test_webhook_outcomes_and_queue(self):
        slow_ok, failing = Receiver(responses=(200,), delay=1.0), Receiver(responses=(500,))
        hooks = []
        try:
            for receiver in (slow_ok, failing):
                status, _, hook = self.server.post("/api/webhooks", {"name": "m", "url": receiver.url, "secret": "s",
                                                                     "events": ["game.added"]}, token=self.token)
                self.assertEqual(status, 201, hook)
                hooks.append(hook["id"])
            before, _ = self.scrape()
            self.add_game(self.fresh_session()["id"], self.game_ids()[0])
            # The slow receiver's delivery stays pending for a second.
            families, _ = self.scrape()
            self.assertGreaterEqual(value(families, "gamepicker_webhook_queue_depth"), 1)
            time.sleep(0.3)
            families, _ = self.scrape()
            self.assertGreaterEqual(value(families, "gamepicker_webhook_oldest_pending_age_seconds"), 0.3)

            def outcome(families, name):
                return value(families, "gamepicker_webhook_attempts_total", outcome=name) - \
                    value(before, "gamepicker_webhook_attempts_total", outcome=name)

            def settled():
                families, _ = self.scrape()
                return value(families, "gamepicker_webhook_queue_depth") == 0 and families
            families = wait_until(settled)
            # One schedule entry: the failing receiver's delivery is tried twice, then given up.
            self.assertEqual(outcome(families, "delivered"), 1)
            self.assertEqual(outcome(families, "retrying"), 1)
            self.assertEqual(outcome(families, "failed"), 1)
            self.assertEqual(value(families, "gamepicker_webhook_oldest_pending_age_seconds"), 0)
        finally:
            for hook_id in hooks:
                self.server.request("DELETE", "/api/webhooks/%d" % hook_id, token=self.token)
            slow_ok.close()
            failing.close()

    @harness.sqlite_only("SQLite's busy waits")
    def test_sqlite_busy_waits_per_connection(self):
        families, _ = self.scrape()
        for connection in ("event_loop", "background"):
            self.assertIn(("gamepicker_sqlite_busy_waits_total", frozenset({("connection", connection)})),
                          families["gamepicker_sqlite_busy_waits_total"]["samples"])


class MetricsAccessTest(ServerTestCase):
    """Listening on every address: loopback scrapes freely, anyone else needs the admin token."""
    server_host = "0.0.0.0"

    def setUp(self):
        self.address = external_address()
        if not self.address:
            self.skipTest("this machine has no address other than loopback")

    def test_loopback_needs_no_token(self):
        status, _, text = self.server.get("/metrics")
        self.assertEqual(status, 200)
        parse(text)

    def test_other_addresses_need_the_admin_token(self):
        status, ctype, body = get_from(self.address, self.server.port, "/metrics")
        self.assertEqual((status, ctype, body), (401, "application/json", '{"error":"Access token required"}'))
        status, _, body = get_from(self.address, self.server.port, "/metrics", token="forged")
        self.assertEqual((status, body), (403, '{"error":"Invalid or expired token"}'))
        status, ctype, text = get_from(self.address, self.server.port, "/metrics", token=self.token)
        self.assertEqual((status, ctype), (200, CONTENT_TYPE))
        parse(text)


class MetricsPublicTest(ServerTestCase):
    server_host = "0.0.0.0"
    server_args = ["--metrics-public"]

    def test_any_address_scrapes_without_a_token(self):
        address = external_address()
        if not address:
            self.skipTest("this machine has no address other than loopback")
        status, ctype, text = get_from(address, self.server.port, "/metrics")
        self.assertEqual((status, ctype), (200, CONTENT_TYPE))
        parse(text)


if __name__ == "__main__":
    unittest.main()
