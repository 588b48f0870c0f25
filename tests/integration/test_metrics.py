"""GET /metrics: the Prometheus text exposition format checked line by line against
the format's rules, counters that move with real requests, WebSocket gauges, events,
webhook outcomes and queue, and who may scrape (loopback, the admin token,
--metrics-public)."""
import asyncio
import http.client
import socket
import time
import unittest

import websockets

import harness
from harness import Receiver, ServerTestCase, metric_value, parse_metrics, wait_until
from session_helpers import SessionMixin

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
        return parse_metrics(text), text

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
            return metric_value(after, family, sample, **labels) - metric_value(before, family, sample, **labels)

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
            self.assertGreaterEqual(metric_value(after, "gamepicker_events_published_total", type=event_type)
                                    - metric_value(before, "gamepicker_events_published_total", type=event_type), 1)

    def test_websocket_gauges_follow_connections_and_subscriptions(self):
        session = self.fresh_session()

        def gauges():
            families, _ = self.scrape()
            return (metric_value(families, "gamepicker_websocket_connections"),
                    metric_value(families, "gamepicker_websocket_subscriptions"))

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
            self.assertGreaterEqual(metric_value(families, "gamepicker_webhook_queue_depth"), 1)
            time.sleep(0.3)
            families, _ = self.scrape()
            self.assertGreaterEqual(metric_value(families, "gamepicker_webhook_oldest_pending_age_seconds"), 0.3)

            def outcome(families, name):
                return metric_value(families, "gamepicker_webhook_attempts_total", outcome=name) - \
                    metric_value(before, "gamepicker_webhook_attempts_total", outcome=name)

            def settled():
                families, _ = self.scrape()
                return metric_value(families, "gamepicker_webhook_queue_depth") == 0 and families
            families = wait_until(settled)
            # One schedule entry: the failing receiver's delivery is tried twice, then given up.
            self.assertEqual(outcome(families, "delivered"), 1)
            self.assertEqual(outcome(families, "retrying"), 1)
            self.assertEqual(outcome(families, "failed"), 1)
            self.assertEqual(metric_value(families, "gamepicker_webhook_oldest_pending_age_seconds"), 0)
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
        parse_metrics(text)

    def test_other_addresses_need_the_admin_token(self):
        status, ctype, body = get_from(self.address, self.server.port, "/metrics")
        self.assertEqual((status, ctype, body), (401, "application/json", '{"error":"Access token required"}'))
        status, _, body = get_from(self.address, self.server.port, "/metrics", token="forged")
        self.assertEqual((status, body), (403, '{"error":"Invalid or expired token"}'))
        status, ctype, text = get_from(self.address, self.server.port, "/metrics", token=self.token)
        self.assertEqual((status, ctype), (200, CONTENT_TYPE))
        parse_metrics(text)


class MetricsPublicTest(ServerTestCase):
    server_host = "0.0.0.0"
    server_args = ["--metrics-public"]

    def test_any_address_scrapes_without_a_token(self):
        address = external_address()
        if not address:
            self.skipTest("this machine has no address other than loopback")
        status, ctype, text = get_from(address, self.server.port, "/metrics")
        self.assertEqual((status, ctype), (200, CONTENT_TYPE))
        parse_metrics(text)


if __name__ == "__main__":
    unittest.main()
