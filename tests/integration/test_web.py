"""The embedded web app (GET / and every non-/api path) and the live-feed-only
token (POST /api/auth/feed-token). Real binary, real sockets."""
import asyncio
import gzip
import http.client
import json
import re
import time

import websockets

from harness import ServerTestCase


class WebAppTest(ServerTestCase):
    def fetch(self, path, headers=None):
        """(status, headers with lower-case names, raw body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body

    def test_index_and_client_side_routes_serve_the_app(self):
        for path in ["/", "/picker", "/sessions/12", "/games?sort=title", "/no/such/page"]:
            status, headers, body = self.fetch(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
            self.assertEqual(headers["cache-control"], "no-cache")
            self.assertIn(b'<div id="root">', body)
            self.assertEqual(headers["x-content-type-options"], "nosniff")
            self.assertEqual(headers["referrer-policy"], "no-referrer")
            csp = headers["content-security-policy"]
            self.assertIn("script-src 'self'", csp)
            self.assertNotIn("unsafe-inline", csp)
        _, _, index = self.fetch("/")
        _, _, overlay = self.fetch("/overlay?session=3&token=x")
        self.assertIn(b"overlay", overlay)
        self.assertNotEqual(index, overlay)

    def test_hashed_assets_are_immutable_typed_and_precompressed(self):
        _, _, index = self.fetch("/")
        scripts = re.findall(rb'src="(/assets/[^"]+\.js)"', index)
        styles = re.findall(rb'href="(/assets/[^"]+\.css)"', index)
        self.assertEqual(len(scripts), 1, index)
        self.assertEqual(len(styles), 1, index)
        for path, ctype in [(scripts[0], "text/javascript"), (styles[0], "text/css")]:
            status, headers, plain = self.fetch(path.decode())
            self.assertEqual(status, 200)
            self.assertTrue(headers["content-type"].startswith(ctype), headers)
            self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable")
            self.assertNotIn("content-encoding", headers)
            status, headers, packed = self.fetch(path.decode(), {"Accept-Encoding": "br, gzip, deflate"})
            self.assertEqual(headers["content-encoding"], "gzip")
            self.assertEqual(headers["vary"], "Accept-Encoding")
            self.assertLess(len(packed), len(plain))
            self.assertEqual(gzip.decompress(packed), plain)
            status, headers, body = self.fetch(path.decode(), {"Accept-Encoding": "gzip;q=0"})
            self.assertNotIn("content-encoding", headers)
            # Revalidation with the ETag answers 304 without a body.
            status, _, body = self.fetch(path.decode(), {"If-None-Match": headers["etag"]})
            self.assertEqual(status, 304)
            self.assertEqual(body, b"")

    def test_api_paths_keep_their_json_errors(self):
        self.assertError(self.server.get("/api/nope"), 404, "Not found: GET /api/nope")
        self.assertError(self.server.get("/api"), 404)
        self.assertError(self.server.post("/picker", {}), 404, "Not found: POST /picker")
        self.assertError(self.server.get("/assets/app-STALE.js"), 404)
        self.assertError(self.server.request("DELETE", "/api/games"), 405)
        status, _, body = self.server.get("/health")
        self.assertEqual((status, body["status"]), (200, "ok"))


class FeedTokenTest(ServerTestCase):
    def feed_token(self, body=None):
        status, _, reply = self.server.post("/api/auth/feed-token", body, token=self.token)
        self.assertEqual(status, 200, reply)
        return reply

    def test_needs_an_admin_token(self):
        self.assertError(self.server.post("/api/auth/feed-token"), 401, "Access token required")
        feed = self.feed_token()["token"]
        self.assertError(self.server.post("/api/auth/feed-token", token=feed), 403)

    def test_expiry_defaults_to_30_days_and_follows_ttl_seconds(self):
        for body, ttl in [(None, 30 * 24 * 3600), ({}, 30 * 24 * 3600), ({"ttl_seconds": 600}, 600)]:
            reply = self.feed_token(body)
            self.assertRegex(reply["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
            expires = time.mktime(time.strptime(reply["expires_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
            self.assertAlmostEqual(expires, time.time() + ttl, delta=5)
        for bad in [{"ttl_seconds": 0}, {"ttl_seconds": -5}, {"ttl_seconds": "60"}, {"ttl_seconds": 1.5},
                    {"ttl_seconds": 10 ** 12}]:
            self.assertError(self.server.post("/api/auth/feed-token", bad, token=self.token), 400)

    def test_every_write_refuses_it(self):
        feed = self.feed_token()["token"]
        writes = [("POST", "/api/sessions", {}), ("POST", "/api/sessions/1/close", {}),
                  ("POST", "/api/games", {"title": "x"}), ("PATCH", "/api/games/1/toggle", None),
                  ("POST", "/api/votes/live", {"username": "a", "vote": "up", "timestamp": "2026-01-01T00:00:00Z"}),
                  ("POST", "/api/webhooks", {}), ("GET", "/api/webhooks", None),
                  ("GET", "/api/games/export/csv", None), ("POST", "/api/auth/verify", None)]
        for method, path, body in writes:
            self.assertError(self.server.request(method, path, body=body, token=feed), 403,
                             "This token only opens the live feed")
        status, _, active = self.server.get("/api/sessions/active")
        self.assertEqual((status, active["session"]), (200, None))  # nothing was written

    def test_the_live_feed_accepts_it(self):
        feed = self.feed_token({"ttl_seconds": 3600})["token"]

        async def scenario():
            async with websockets.connect(self.server.ws_url()) as ws:
                await ws.send(json.dumps({"type": "auth", "token": feed}))
                self.assertEqual(json.loads(await ws.recv())["type"], "auth_success")
                status, _, session = self.server.post("/api/sessions", {"notes": "feed"}, token=self.token)
                self.assertEqual(status, 201, session)
                event = json.loads(await asyncio.wait_for(ws.recv(), 5))
                self.assertEqual(event["type"], "session.started")
                await ws.send(json.dumps({"type": "subscribe", "sessionId": session["id"]}))
                self.assertEqual(json.loads(await ws.recv())["type"], "subscribed")
                status, _, _ = self.server.post("/api/sessions/%d/close" % session["id"], {}, token=self.token)
                self.assertEqual(status, 200)
                self.assertEqual(json.loads(await asyncio.wait_for(ws.recv(), 5))["type"], "session.ended")

        asyncio.run(scenario())
