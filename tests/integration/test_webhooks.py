"""Webhooks: the REST registry, signed delivery from the outbox, retries, logs,
auto-disable, test and redelivery endpoints, durability across kill -9, SSRF guard.
A real HTTP receiver (harness.Receiver) checks every delivery byte for byte."""
import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import unittest

from harness import Receiver, Server, ServerTestCase, db_query, metric_value, parse_metrics, sqlite_only, wait_until

SECRET = "s3cr\u00e9t \"key\""
EVENT_TYPES = ["session.started", "game.added", "session.ended", "player-count.updated", "vote.received"]
# The room monitor's (test_rooms.py delivers them).
ROOM_EVENT_TYPES = ["room.connected", "lobby.player-joined", "lobby.updated", "game.started", "game.ended",
                    "room.disconnected", "game.status"]
# Quotes, backslashes, accents, emoji, control characters, U+2028, a slash.
TRICKY_TITLE = "Qu\u00eep \"lash\" \\ caf\u00e9 \U0001F3AE\U0001F1EB\U0001F1F7 \n\t\u0001 \u2028 </script>"


class WebhookMixin:
    """For ServerTestCase subclasses: webhooks, receivers and events."""

    def setUp(self):
        self.receivers = []

    def tearDown(self):
        for w in self.api("GET", "/api/webhooks")[2]:
            self.api("DELETE", "/api/webhooks/%d" % w["id"])
        for r in self.receivers:
            r.close()

    def api(self, method, path, body=None):
        return self.server.request(method, path, body=body, token=self.token)

    def receiver(self, *args, **kw):
        r = Receiver(*args, **kw)
        self.receivers.append(r)
        return r

    def webhook(self, url, events=("game.added",), secret=SECRET, name="hook"):
        status, _, body = self.api("POST", "/api/webhooks",
                                   {"name": name, "url": url, "secret": secret, "events": list(events)})
        self.assertEqual(status, 201, body)
        return body

    def logs(self, webhook_id, limit=None):
        status, _, body = self.api("GET", "/api/webhooks/%d/logs%s" % (webhook_id, "?limit=%d" % limit if limit else ""))
        self.assertEqual(status, 200, body)
        return body

    def send_test(self, webhook_id):
        status, _, body = self.api("POST", "/api/webhooks/test/%d" % webhook_id)
        self.assertEqual(status, 200, body)
        return body["delivery_id"]

    def close_active_session(self):
        status, _, active = self.server.get("/api/sessions/active")
        self.assertEqual(status, 200, active)
        if active and active.get("id"):
            status, _, body = self.api("POST", "/api/sessions/%d/close" % active["id"])
            self.assertEqual(status, 200, body)

    def start_session(self):
        status, _, session = self.api("POST", "/api/sessions", {})
        self.assertEqual(status, 201, session)
        return session

    def fresh_session(self):
        self.close_active_session()
        return self.start_session()

    def add_game(self, session_id, game_id):
        status, _, sg = self.api("POST", "/api/sessions/%d/games" % session_id, {"game_id": game_id})
        self.assertEqual(status, 201, sg)
        return sg

    def verify(self, request, secret=SECRET):
        """Checks both signatures and the JSON.stringify form; returns the parsed body."""
        body, headers = request["body"], request["headers"]
        key = secret.encode()
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["x-webhook-signature"],
                         "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest())
        signed = headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"." + body
        self.assertEqual(headers["webhook-signature"],
                         "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode())
        self.assertLess(abs(int(headers["webhook-timestamp"]) - time.time()), 120)
        self.assertRegex(headers["webhook-id"], r"^msg_\d+$")
        event = json.loads(body.decode("utf-8"))
        # What a receiver computes with JSON.stringify(req.body): compact, raw UTF-8, same key order.
        self.assertEqual(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), body)
        self.assertEqual(list(event), ["event", "timestamp", "data"])
        self.assertEqual(headers["x-webhook-event"], event["event"])
        self.assertRegex(event["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        return event


class WebhookApiTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "100ms"}

    def test_crud_and_secret_never_returned(self):
        created = self.webhook("https://example.com/hook?x=1", events=["game.added", "vote.received"],
                               name="Discord \u00e9 \U0001F3AE")
        self.assertEqual(set(created), {"id", "name", "url", "events", "enabled", "created_at",
                                        "consecutive_failures", "disabled_at", "disabled_reason",
                                        "previous_secret_expires_at", "ordered", "signature_scheme", "public_key",
                                        "rate_limit", "headers", "timeout_ms", "format", "templates", "stats"})
        self.assertEqual((created["name"], created["url"], created["events"], created["enabled"],
                          created["consecutive_failures"], created["disabled_at"]),
                         ("Discord \u00e9 \U0001F3AE", "https://example.com/hook?x=1",
                          ["game.added", "vote.received"], True, 0, None))
        self.assertRegex(created["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        wid = created["id"]
        self.assertEqual(self.api("GET", "/api/webhooks/%d" % wid)[2], created)
        self.assertIn(created, self.api("GET", "/api/webhooks")[2])

        status, _, patched = self.api("PATCH", "/api/webhooks/%d" % wid,
                                      {"name": "renamed", "enabled": False, "secret": "new secret",
                                       "events": ["session.ended", "session.ended"]})
        self.assertEqual(status, 200, patched)
        self.assertEqual((patched["name"], patched["enabled"], patched["events"], patched["url"]),
                         ("renamed", False, ["session.ended"], "https://example.com/hook?x=1"))
        self.assertEqual(self.api("GET", "/api/webhooks/%d" % wid)[2], patched)
        for status, _, body in (self.api("GET", "/api/webhooks"), self.api("GET", "/api/webhooks/%d" % wid),
                                self.api("PATCH", "/api/webhooks/%d" % wid, {"url": "http://example.org/"})):
            self.assertEqual(status, 200, body)
            self.assertNotIn('"secret"', json.dumps(body))
            self.assertNotIn("new secret", json.dumps(body))

        status, _, body = self.api("DELETE", "/api/webhooks/%d" % wid)
        self.assertEqual(status, 200, body)
        self.assertIn("message", body)
        self.assertError(self.api("GET", "/api/webhooks/%d" % wid), 404, "Webhook not found")
        self.assertError(self.api("DELETE", "/api/webhooks/%d" % wid), 404, "Webhook not found")

    def test_create_validation(self):
        good = {"name": "n", "url": "http://example.com/", "secret": "s", "events": ["game.added"]}
        cases = [
            ({}, "name is required"),
            (dict(good, name=""), "name is required"),
            (dict(good, name="   "), "name is required"),
            (dict(good, name=5), "name must be a string"),
            (dict(good, url=None), "url is required"),
            (dict(good, url="ftp://example.com/"), "url must be a valid http or https URL"),
            (dict(good, url="example.com/hook"), "url must be a valid http or https URL"),
            (dict(good, url="http://"), "url must be a valid http or https URL"),
            (dict(good, url="http://exa mple.com/"), "url must be a valid http or https URL"),
            (dict(good, url="javascript:alert(1)"), "url must be a valid http or https URL"),
            (dict(good, url="http://user:pw@example.com/"), "url must not contain credentials"),
            (dict(good, url=["http://example.com"]), "url must be a string"),
            (dict(good, secret=""), "secret must not be empty"),
            (dict(good, secret=123), "secret must be a string"),
            ({k: v for k, v in good.items() if k != "events"}, "events is required"),
            (dict(good, events=[]), "events must not be empty"),
            (dict(good, events="game.added"), "events must be an array of event types"),
            (dict(good, events=["game.added", "nope"]), 'Unknown event type: "nope"'),
            (dict(good, events=[1]), "Unknown event type: 1"),
        ]
        for body, message in cases:
            with self.subTest(body=body):
                self.assertError(self.api("POST", "/api/webhooks", body), 400, message)
        status, _, body = self.api("POST", "/api/webhooks", dict(good, events=["x"]))
        self.assertEqual(body["validEvents"], EVENT_TYPES + ROOM_EVENT_TYPES)
        self.assertError(self.server.request("POST", "/api/webhooks", raw="{oops", token=self.token), 400)
        self.assertError(self.server.request("POST", "/api/webhooks", raw="[]", token=self.token), 400)
        self.assertEqual(self.api("GET", "/api/webhooks")[2], [])

    def test_patch_validation(self):
        wid = self.webhook("http://example.com/")["id"]
        cases = [
            ({}, "No fields to update (name, url, secret, events, enabled)"),
            ({"name": ""}, "name must not be empty"),
            ({"secret": " "}, "secret must not be empty"),
            ({"url": "mailto:x@example.com"}, "url must be a valid http or https URL"),
            ({"url": "https://a:b@example.com"}, "url must not contain credentials"),
            ({"events": []}, "events must not be empty"),
            ({"events": ["game.removed"]}, 'Unknown event type: "game.removed"'),
            ({"enabled": "true"}, "enabled must be a boolean"),
            ({"enabled": 1}, "enabled must be a boolean"),
        ]
        for body, message in cases:
            with self.subTest(body=body):
                self.assertError(self.api("PATCH", "/api/webhooks/%d" % wid, body), 400, message)
        self.assertError(self.api("PATCH", "/api/webhooks/999999", {"name": "x"}), 404, "Webhook not found")
        self.assertEqual(self.api("GET", "/api/webhooks/%d" % wid)[2]["name"], "hook")

    def test_ids_and_auth(self):
        for bad in ("abc", "0", "-1", "1.5", "99999999999999999999999"):
            with self.subTest(id=bad):
                self.assertError(self.api("GET", "/api/webhooks/" + bad), 400, "Invalid webhook id")
        self.assertError(self.api("GET", "/api/webhooks/424242"), 404, "Webhook not found")
        self.assertError(self.api("GET", "/api/webhooks/424242/logs"), 404, "Webhook not found")
        self.assertError(self.api("POST", "/api/webhooks/test/424242"), 404, "Webhook not found")
        self.assertError(self.api("POST", "/api/webhooks/424242/deliveries/1/redeliver"), 404, "Webhook not found")
        wid = self.webhook("http://example.com/")["id"]
        self.assertError(self.api("GET", "/api/webhooks/%d/logs?limit=0" % wid), 400)
        self.assertError(self.api("GET", "/api/webhooks/%d/logs?limit=501" % wid), 400)
        self.assertError(self.api("GET", "/api/webhooks/%d/logs?limit=ten" % wid), 400)
        routes = [("GET", "/api/webhooks"), ("GET", "/api/webhooks/%d" % wid), ("POST", "/api/webhooks"),
                  ("PATCH", "/api/webhooks/%d" % wid), ("DELETE", "/api/webhooks/%d" % wid),
                  ("POST", "/api/webhooks/test/%d" % wid), ("GET", "/api/webhooks/%d/logs" % wid),
                  ("POST", "/api/webhooks/%d/deliveries/1/redeliver" % wid)]
        for method, path in routes:
            with self.subTest(route=(method, path)):
                self.assertError(self.server.request(method, path), 401, "Access token required")
                self.assertError(self.server.request(method, path, token="bad.token.here"), 403,
                                 "Invalid or expired token")
        self.assertEqual(self.api("GET", "/api/webhooks/%d" % wid)[0], 200)


class WebhookDeliveryTest(WebhookMixin, ServerTestCase):
    # Attempts at about 0, 0.2, 0.6, 1.4 and 3 s; a webhook is disabled after 3 failed deliveries.
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "200ms,400ms,800ms,1600ms", "WEBHOOK_DISABLE_AFTER": "3",
                  "WEBHOOK_CONCURRENCY": "64"}

    def test_game_added_signed_and_byte_exact(self):
        receiver = self.receiver()
        self.webhook(receiver.url)
        status, _, game = self.api("POST", "/api/games", {"pack_name": "Pack \"\u00e9\" \\", "title": TRICKY_TITLE,
                                                          "min_players": 2, "max_players": 8})
        self.assertEqual(status, 201, game)
        session = self.fresh_session()
        self.add_game(session["id"], game["id"])
        [request] = receiver.wait_for(1)
        self.assertEqual(request["path"], "/hook")
        event = self.verify(request)
        self.assertEqual(event["event"], "game.added")
        self.assertEqual(event["data"], {
            "session": {"id": session["id"], "is_active": True, "games_played": 1},
            "game": {"id": game["id"], "title": TRICKY_TITLE, "pack_name": "Pack \"\u00e9\" \\",
                     "min_players": 2, "max_players": 8, "manually_added": False}})
        self.assertEqual(list(event["data"]["game"]),
                         ["id", "title", "pack_name", "min_players", "max_players", "manually_added"])
        self.assertIn("\U0001F3AE".encode(), request["body"])  # raw UTF-8, not \u escapes

    def test_every_event_type_can_be_subscribed(self):
        self.close_active_session()  # before subscribing: its session.ended is not ours
        receivers = {t: self.receiver() for t in EVENT_TYPES}
        for t, r in receivers.items():
            self.webhook(r.url, events=[t])
        session = self.start_session()
        sg = self.add_game(session["id"], 1)
        status, _, body = self.api("PATCH", "/api/sessions/%d/games/%d/player-count" % (session["id"], sg["id"]),
                                   {"player_count": 6})
        self.assertEqual(status, 200, body)
        now = time.time() + 0.01  # after the game's played_at
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)
        status, _, body = self.api("POST", "/api/votes/live", {"username": "hook-tester", "vote": "up",
                                                               "timestamp": stamp})
        self.assertEqual(status, 200, body)
        status, _, body = self.api("POST", "/api/sessions/%d/close" % session["id"])
        self.assertEqual(status, 200, body)
        for t, r in receivers.items():
            with self.subTest(event=t):
                [request] = r.wait_for(1)
                event = self.verify(request)
                self.assertEqual(event["event"], t)
                session_id = event["data"].get("sessionId") or event["data"]["session"]["id"]
                self.assertEqual(session_id, session["id"])

    def test_failed_attempt_is_retried_and_logged(self):
        receiver = self.receiver(responses=[500, 200])
        wid = self.webhook(receiver.url)["id"]
        delivery_id = self.send_test(wid)
        first, second = receiver.wait_for(2)
        for r in (first, second):
            self.verify(r)
        self.assertEqual(first["body"], second["body"])
        self.assertEqual(first["headers"]["webhook-id"], second["headers"]["webhook-id"])
        self.assertEqual(first["headers"]["webhook-id"], "msg_%d" % delivery_id)
        logs = wait_until(lambda: (lambda l: l if len(l) == 2 else None)(self.logs(wid)))
        self.assertEqual([(l["attempt"], l["status_code"], l["success"], l["error"]) for l in logs],
                         [(2, 200, True, None), (1, 500, False, "HTTP 500")])
        for l in logs:
            self.assertEqual(l["delivery_id"], delivery_id)
            self.assertEqual(l["event_type"], "game.added")
            self.assertEqual(l["payload"].encode("utf-8"), first["body"])
            self.assertEqual(l["response_body"], "ok")
            self.assertGreaterEqual(l["duration_ms"], 0)
        self.assertEqual(self.logs(wid, limit=1), logs[:1])
        time.sleep(0.5)
        self.assertEqual(len(receiver.requests), 2)  # delivered once: no further attempt

    def test_receiver_down_during_burst(self):
        down = self.receiver()
        port = down.port
        down.close()
        wid = self.webhook(down.url)["id"]
        session = self.fresh_session()
        for game_id in range(1, 21):
            self.add_game(session["id"], game_id)
        wait_until(lambda: len(self.logs(wid, limit=500)) >= 20)
        self.assertTrue(all(not l["success"] and l["status_code"] is None and l["error"]
                            for l in self.logs(wid, limit=500)))
        up = self.receiver(port=port)
        requests = up.wait_for(20, timeout=15)
        ids = {r["headers"]["webhook-id"] for r in requests}
        self.assertEqual(len(ids), 20)
        games = sorted(self.verify(r)["data"]["game"]["id"] for r in requests)
        self.assertEqual(games, list(range(1, 21)))
        time.sleep(0.5)
        self.assertEqual(len(up.requests), 20)

    @sqlite_only("one writer: the event loop's connection also stores the delivery engine's outcomes")
    def test_the_event_loop_never_waits_for_the_write_lock_during_a_burst(self):
        def loop_waits():
            status, _, text = self.server.request("GET", "/metrics", token=self.token)
            self.assertEqual(status, 200)
            return metric_value(parse_metrics(text), "gamepicker_sqlite_busy_waits_total", connection="event_loop")

        receivers = [self.receiver() for _ in range(4)]
        hooks = [self.webhook(r.url, name="burst %d" % i)["id"] for i, r in enumerate(receivers)]
        session = self.fresh_session()
        before = loop_waits()
        for n in range(300):
            self.add_game(session["id"], n % 20 + 1)
        count = "SELECT count(*) FROM webhook_logs WHERE webhook_id IN (%s)" % ",".join(map(str, hooks))
        wait_until(lambda: db_query(self.server.db, count)[0][0] == 1200, timeout=30)
        self.assertEqual(loop_waits(), before)

    def test_large_and_invalid_utf8_answers_are_capped_in_the_log(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                reply = b"\xff\xfe bad " + "\u00e9".encode() * 5000  # 10 KB, cut inside a character at 4 KiB
                self.send_response(202)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        wid = self.webhook("http://127.0.0.1:%d/" % httpd.server_address[1])["id"]
        self.send_test(wid)
        [log] = wait_until(lambda: self.logs(wid))
        self.assertEqual((log["success"], log["status_code"], log["error"]), (True, 202, None))
        self.assertTrue(log["response_body"].startswith("\ufffd\ufffd bad \u00e9\u00e9"))
        self.assertLessEqual(len(log["response_body"].encode()), 4096 + 6)

    def test_slow_receiver_does_not_delay_others(self):
        # The slow receiver answers after 4 s; the fast one's 70 deliveries, sent meanwhile on the
        # free slots, take well under a second on a quiet machine (3.5 s allowed for a loaded one).
        slow, fast = self.receiver(delay=4.0), self.receiver()
        slow_id, fast_id = self.webhook(slow.url)["id"], self.webhook(fast.url)["id"]
        # More than the 64 slots, queued first: the slow webhook gets only its share.
        for _ in range(70):
            self.send_test(slow_id)
        started = time.time()
        for _ in range(70):
            self.send_test(fast_id)
        fast.wait_for(70, timeout=3.5)
        self.assertLess(time.time() - started, 3.5)
        self.assertEqual(slow.requests, [])  # still being answered
        self.assertEqual(self.api("DELETE", "/api/webhooks/%d" % slow_id)[0], 200)
        slow.wait_for(16, timeout=8)  # its share of the slots, answered after the delay
        time.sleep(0.2)
        self.assertEqual(len(slow.requests), 16)  # nothing sent for the deleted webhook

    def test_disabled_and_deleted_webhooks_receive_nothing(self):
        live, disabled, deleted = self.receiver(), self.receiver(), self.receiver()
        self.webhook(live.url, events=EVENT_TYPES)
        disabled_id = self.webhook(disabled.url, events=EVENT_TYPES)["id"]
        deleted_id = self.webhook(deleted.url, events=EVENT_TYPES)["id"]
        self.assertEqual(self.api("PATCH", "/api/webhooks/%d" % disabled_id, {"enabled": False})[0], 200)
        self.assertEqual(self.api("DELETE", "/api/webhooks/%d" % deleted_id)[0], 200)
        session = self.fresh_session()
        self.add_game(session["id"], 2)
        live.wait_for(2)
        time.sleep(0.5)
        self.assertEqual((len(disabled.requests), len(deleted.requests)), (0, 0))
        self.assertEqual(self.logs(disabled_id), [])
        self.assertError(self.api("POST", "/api/webhooks/test/%d" % disabled_id), 409)

    def test_auto_disable_after_failed_deliveries_and_reenable(self):
        receiver = self.receiver(responses=[503])
        wid = self.webhook(receiver.url)["id"]
        for _ in range(3):
            self.send_test(wid)
        hook = wait_until(lambda: (lambda w: w if not w["enabled"] else None)(
            self.api("GET", "/api/webhooks/%d" % wid)[2]), timeout=15)
        self.assertEqual((hook["consecutive_failures"], hook["disabled_reason"]), (3, "3 failed deliveries in a row"))
        self.assertIsNotNone(hook["disabled_at"])
        self.assertEqual(len(receiver.requests), 15)  # 3 deliveries x 5 attempts
        self.assertEqual(len(self.logs(wid, limit=500)), 15)
        receiver.responses = [200]
        status, _, hook = self.api("PATCH", "/api/webhooks/%d" % wid, {"enabled": True})
        self.assertEqual(status, 200, hook)
        self.assertEqual((hook["enabled"], hook["consecutive_failures"], hook["disabled_at"]), (True, 0, None))
        self.send_test(wid)
        requests = receiver.wait_for(16)
        self.assertEqual(self.verify(requests[-1])["event"], "game.added")

    def test_test_endpoint(self):
        receiver = self.receiver()
        wid = self.webhook(receiver.url, events=["vote.received"])["id"]
        status, _, body = self.api("POST", "/api/webhooks/test/%d" % wid)
        self.assertEqual(status, 200, body)
        self.assertIn("message", body)
        [request] = receiver.wait_for(1)
        event = self.verify(request)
        self.assertEqual(event["event"], "game.added")
        self.assertEqual(list(event["data"]), ["session", "game"])
        self.assertEqual(request["headers"]["webhook-id"], "msg_%d" % body["delivery_id"])
        [log] = wait_until(lambda: self.logs(wid))
        self.assertEqual((log["delivery_id"], log["success"], log["status_code"]), (body["delivery_id"], True, 200))

    def test_deliveries_of_an_event_share_its_body(self):
        # The body is stored once, with the event: no delivery row holds a copy, yet every
        # webhook, the log and a redelivery carry the same documented bytes.
        receivers = [self.receiver(), self.receiver()]
        wids = [self.webhook(r.url)["id"] for r in receivers]
        session = self.fresh_session()
        self.add_game(session["id"], 3)
        bodies = [r.wait_for(1)[0]["body"] for r in receivers]
        self.assertEqual(bodies[0], bodies[1])
        self.assertEqual(self.verify(receivers[0].requests[0])["event"], "game.added")
        rows = db_query(self.server.db, "SELECT body, event_id FROM webhook_deliveries WHERE webhook_id IN (?, ?)",
                        wids)
        self.assertEqual([body for body, _ in rows], ["", ""])
        self.assertEqual(len({event_id for _, event_id in rows}), 1)
        logs = wait_until(lambda: self.logs(wids[1]) or None)
        self.assertEqual(logs[0]["payload"].encode(), bodies[1])
        status, _, body = self.api("POST", "/api/webhooks/%d/deliveries/%d/redeliver" % (wids[1], logs[0]["delivery_id"]))
        self.assertEqual(status, 202, body)
        self.assertEqual(receivers[1].wait_for(2)[1]["body"], bodies[1])
        self.verify(receivers[1].requests[1])

    def test_redelivery(self):
        receiver = self.receiver()
        wid = self.webhook(receiver.url)["id"]
        delivery_id = self.send_test(wid)
        receiver.wait_for(1)
        status, _, body = self.api("POST", "/api/webhooks/%d/deliveries/%d/redeliver" % (wid, delivery_id))
        self.assertEqual(status, 202, body)
        self.assertNotEqual(body["delivery_id"], delivery_id)
        first, second = receiver.wait_for(2)
        self.assertEqual(first["body"], second["body"])
        self.verify(second)
        self.assertEqual(second["headers"]["webhook-id"], "msg_%d" % body["delivery_id"])
        logs = wait_until(lambda: (lambda l: l if len(l) == 2 else None)(self.logs(wid)))
        self.assertEqual([l["delivery_id"] for l in logs], [body["delivery_id"], delivery_id])

        other = self.webhook(receiver.url)["id"]
        self.assertError(self.api("POST", "/api/webhooks/%d/deliveries/%d/redeliver" % (other, delivery_id)), 404,
                         "Delivery not found")
        self.assertError(self.api("POST", "/api/webhooks/%d/deliveries/999999/redeliver" % wid), 404,
                         "Delivery not found")
        self.assertError(self.api("POST", "/api/webhooks/%d/deliveries/x/redeliver" % wid), 400,
                         "Invalid delivery id")
        self.api("PATCH", "/api/webhooks/%d" % wid, {"enabled": False})
        self.assertError(self.api("POST", "/api/webhooks/%d/deliveries/%d/redeliver" % (wid, delivery_id)), 409)


class WebhookRetentionTest(WebhookMixin, ServerTestCase):
    # Finished deliveries older than 2 s are pruned (checked every second); retries
    # every second keep a failing delivery pending for a while.
    server_env = {"WEBHOOK_LOG_RETENTION": "2s", "WEBHOOK_RETRY_SCHEDULE": "1s,1s,1s,1s,1s,1s,1s,1s"}

    def test_finished_history_is_pruned_pending_is_kept(self):
        ok, failing = self.receiver(), self.receiver(responses=[500])
        ok_id, failing_id = self.webhook(ok.url)["id"], self.webhook(failing.url)["id"]
        self.send_test(ok_id)
        self.send_test(failing_id)
        ok.wait_for(1)
        wait_until(lambda: len(self.logs(ok_id)) == 1)
        # Gone once older than the retention; the failing one keeps retrying meanwhile.
        wait_until(lambda: self.logs(ok_id) == [], timeout=6)
        # Its attempts are 1 s apart (jittered), so the third may come after the prune.
        wait_until(lambda: len(failing.requests) >= 3)
        wait_until(lambda: len(self.logs(failing_id)) >= 3)
        statuses = dict(db_query(self.server.db, "SELECT webhook_id, status FROM webhook_deliveries"))
        self.assertEqual(statuses, {failing_id: "pending"})


class WebhookDurabilityTest(WebhookMixin, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.server = Server(env={"WEBHOOK_RETRY_SCHEDULE": "300ms,300ms,300ms,300ms,300ms,300ms,300ms"}).start()
        self.token = self.server.login()

    def tearDown(self):
        for r in self.receivers:
            r.close()
        self.server.cleanup()

    def test_pending_deliveries_survive_kill9_and_acknowledged_ones_are_not_resent(self):
        receiver = self.receiver()
        wid = self.webhook(receiver.url)["id"]
        session = self.fresh_session()
        for game_id in range(1, 6):
            self.add_game(session["id"], game_id)
        receiver.wait_for(5)
        wait_until(lambda: sum(l["success"] for l in self.logs(wid)) == 5)  # acknowledged and recorded

        receiver.responses = [503]  # refused: these stay pending
        for game_id in range(6, 16):
            self.add_game(session["id"], game_id)
        wait_until(lambda: len(receiver.requests) >= 15)
        self.server.kill9()
        acknowledged = {r["headers"]["webhook-id"] for r in receiver.requests[:5]}
        refused = {r["headers"]["webhook-id"] for r in receiver.requests[5:]}
        self.assertEqual((len(acknowledged), len(refused)), (5, 10))
        before_restart = len(receiver.requests)

        receiver.responses = [200]
        self.server.start()
        self.token = self.server.login()
        receiver.wait_for(before_restart + 10)
        wait_until(lambda: sum(l["success"] for l in self.logs(wid, limit=500)) == 15)
        time.sleep(0.5)
        after = receiver.requests[before_restart:]
        # Exactly once by webhook-id: every pending delivery once, nothing acknowledged again.
        self.assertEqual(sorted(r["headers"]["webhook-id"] for r in after), sorted(refused))
        games = sorted(self.verify(r)["data"]["game"]["id"] for r in after)
        self.assertEqual(games, list(range(6, 16)))
        successes = [l["delivery_id"] for l in self.logs(wid, limit=500) if l["success"]]
        self.assertEqual(len(successes), len(set(successes)))


class SsrfGuardTest(WebhookMixin, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.server = Server(env={"ALLOW_PRIVATE_WEBHOOKS": "0", "WEBHOOK_RETRY_SCHEDULE": "50ms"}).start()
        self.token = self.server.login()

    def tearDown(self):
        for r in self.receivers:
            r.close()
        self.server.cleanup()

    def test_internal_receivers_are_refused(self):
        receiver = self.receiver()
        for url, address in ((receiver.url, "127.0.0.1"),
                             ("http://localhost:%d/hook" % receiver.port, None),  # refused after DNS
                             ("http://[::ffff:127.0.0.1]:%d/hook" % receiver.port, "127.0.0.1"),
                             ("http://169.254.169.254/latest/meta-data/", "169.254.169.254")):
            with self.subTest(url=url):
                wid = self.webhook(url)["id"]
                self.send_test(wid)
                logs = wait_until(lambda: (lambda l: l if len(l) == 2 else None)(self.logs(wid)))
                for log in logs:
                    self.assertFalse(log["success"])
                    self.assertIsNone(log["status_code"])
                    self.assertIn("refused by the SSRF guard", log["error"])
                    self.assertIn(" address", log["error"])
                    if address:
                        self.assertIn(address, log["error"])
        time.sleep(0.3)
        self.assertEqual(receiver.requests, [])


if __name__ == "__main__":
    unittest.main()
