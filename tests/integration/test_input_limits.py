"""Input limits (issue 8, F7): every text field the API accepts has a length cap (400
beyond it, the README's "Input limits"), webhook URLs are checked with Boost.URL (port
1-65535, host of at most 253 bytes), and error bodies are valid UTF-8 whatever the
client sent."""
import http.client
import json
import unittest

from harness import ServerTestCase
from session_helpers import SessionMixin, iso, ms, now_ms

EMOJI = "\U0001F3B2"  # one character, four bytes of UTF-8


class InputLimitsTest(SessionMixin, ServerTestCase):
    def api(self, method, path, body=None):
        return self.server.request(method, path, body=body, token=self.token)

    def assertCapped(self, send, field, cap):
        """send(value) -> response. cap characters are accepted (even of four bytes each),
        one more is a 400 naming the field and the cap."""
        for value in ("x" * cap, EMOJI * cap):
            status, _, body = send(value)
            self.assertLess(status, 300, (field, body))
        self.assertError(send("x" * (cap + 1)), 400, "%s must be at most %d characters" % (field, cap))

    def new_game(self, **fields):
        body = dict({"pack_name": "Limits Pack", "title": "Limits", "min_players": 1, "max_players": 4}, **fields)
        return self.api("POST", "/api/games", body)

    def test_game_text_fields(self):
        for field, cap in (("title", 200), ("pack_name", 100), ("game_type", 100), ("secondary_type", 100)):
            with self.subTest(field=field):
                self.assertCapped(lambda v: self.new_game(**{field: v}), field, cap)
        game_id = self.new_game()[2]["id"]
        self.assertCapped(lambda v: self.api("PUT", "/api/games/%d" % game_id, {"title": v}), "title", 200)

    def test_csv_import_text_fields(self):
        header = ("pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,"
                  "game_type,secondary_type\n")
        csv = header + "CSV Pack,ok,1,2,,0,0,,\nCSV Pack,%s,1,2,,0,0,,\n" % ("t" * 201)
        self.assertError(self.server.request("POST", "/api/games/import/csv", raw=csv, token=self.token,
                                             headers={"Content-Type": "text/csv"}),
                         400, "CSV line 3: title must be at most 200 characters")
        raw = (header + "CSV Pack,bad \xff,1,2,,0,0,,\n").encode("latin-1")
        self.assertError(self.server.request("POST", "/api/games/import/csv", raw=raw, token=self.token,
                                             headers={"Content-Type": "text/csv"}), 400, "CSV line 2: not valid UTF-8")

    def test_session_vote_and_chat_fields(self):
        self.assertCapped(lambda v: self.api("POST", "/api/sessions/%d/close" % self.fresh_session()["id"],
                                             {"notes": v}), "notes", 10000)
        self.assertCapped(self.session_with_notes, "notes", 10000)
        session = self.fresh_session()
        game_id = self.game_ids()[0]
        sg = self.add_game(session["id"], game_id)
        start = ms(sg["played_at"])
        self.assertCapped(lambda v: self.api("POST", "/api/votes/live",
                                             {"username": v, "vote": "up", "timestamp": iso(now_ms())}),
                          "username", 100)
        chat = lambda user, text: self.api("POST", "/api/sessions/%d/chat-import" % session["id"],
                                           {"chatData": [{"username": user, "message": text,
                                                          "timestamp": iso(start + 5)}]})
        self.assertCapped(lambda v: chat("chatter", v), "chatData[0]: message", 4000)
        self.assertCapped(lambda v: chat(v, "hi"), "chatData[0]: username", 100)
        for code in ("ABCDE", "AB", "x" * 100000):
            self.assertError(self.api("POST", "/api/sessions/%d/games" % session["id"],
                                      {"game_id": game_id, "room_code": code}), 400, "room_code must be 4 letters (A-Z)")
            self.assertError(self.api("PATCH", "/api/sessions/%d/games/%d/room-code" % (session["id"], sg["id"]),
                                      {"room_code": code}), 400, "room_code must be 4 letters (A-Z)")

    def session_with_notes(self, notes):
        """Starts a session with these notes (closing the active one first)."""
        active = self.server.get("/api/sessions/active")[2]
        if active.get("id"):
            self.api("POST", "/api/sessions/%d/close" % active["id"])
        return self.api("POST", "/api/sessions", {"notes": notes})

    def test_webhook_text_fields(self):
        good = {"name": "n", "url": "http://example.com/", "secret": "s", "events": ["game.added"]}
        created = []

        def create(**fields):
            response = self.api("POST", "/api/webhooks", dict(good, **fields))
            if response[0] == 201:
                created.append(response[2]["id"])
            return response

        self.assertCapped(lambda v: create(name=v), "name", 100)
        self.assertCapped(lambda v: create(secret=v), "secret", 1024)
        long_path = "http://example.com/" + "p" * (2048 - len("http://example.com/"))
        self.assertEqual(create(url=long_path)[0], 201)
        self.assertError(create(url=long_path + "p"), 400, "url must be at most 2048 characters")
        wid = created[0]
        self.assertCapped(lambda v: self.api("PATCH", "/api/webhooks/%d" % wid, {"name": v}), "name", 100)
        self.assertError(self.api("PATCH", "/api/webhooks/%d" % wid, {"url": long_path + "p"}), 400,
                         "url must be at most 2048 characters")
        for wid in created:
            self.api("DELETE", "/api/webhooks/%d" % wid)

    def test_webhook_url_port_and_host(self):
        good = {"name": "n", "secret": "s", "events": ["game.added"]}
        port = "url port must be between 1 and 65535"
        host = "url host must be at most 253 bytes"
        refused = [
            ("http://example.com:99999/hook", port),
            ("http://example.com:65536/hook", port),
            ("http://example.com:0/hook", port),
            ("http://example.com:-1/hook", port),
            ("http://example.com:/hook", port),
            ("http://example.com:00000080/hook", port),
            ("http://" + "a" * 254 + "/hook", host),
            ("http://" + "%41" * 254 + "/hook", host),  # decoded: 254 bytes
            ("http://" + "a" * 70000 + "/hook", "url must be at most 2048 characters"),
        ]
        wid = self.api("POST", "/api/webhooks", dict(good, url="http://example.com/"))[2]["id"]
        for url, message in refused:
            with self.subTest(url=url[:40]):
                self.assertError(self.api("POST", "/api/webhooks", dict(good, url=url)), 400, message)
                self.assertError(self.api("PATCH", "/api/webhooks/%d" % wid, {"url": url}), 400, message)
        for url in ("http://example.com:1/hook", "https://example.com:65535/hook", "http://[::1]:8080/",
                    "http://" + "a" * 253 + "/hook", "https://example.com/"):
            with self.subTest(url=url[:40]):
                status, _, body = self.api("POST", "/api/webhooks", dict(good, url=url))
                self.assertEqual(status, 201, body)
                self.assertEqual(body["url"], url)
                self.api("DELETE", "/api/webhooks/%d" % body["id"])
        self.api("DELETE", "/api/webhooks/%d" % wid)

    def raw_error(self, method, path):
        """(status, parsed body) of a request whose answer must be strict UTF-8 JSON."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request(method, path, headers={"Authorization": "Bearer " + self.token})
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        self.assertTrue(response.getheader("Content-Type", "").startswith("application/json"))
        text = payload.decode("utf-8")  # strict: raises on an ill-formed sequence
        return response.status, json.loads(text)

    def test_error_bodies_are_valid_utf8(self):
        status, body = self.raw_error("GET", "/api/%ff%fe")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"], "Not found: GET /api/\ufffd\ufffd")
        status, body = self.raw_error("DELETE", "/api/games/packs/%c3%28/favor")  # 405 quoting the path
        self.assertEqual(status, 405)
        self.assertEqual(body["error"], "Method DELETE not allowed on /api/games/packs/\ufffd(/favor")
        # Well-formed UTF-8 in a path is echoed as it is.
        status, body = self.raw_error("GET", "/api/%c3%a9t%c3%a9")
        self.assertEqual((status, body["error"]), (404, "Not found: GET /api/\u00e9t\u00e9"))
        self.assertEqual(self.server.get("/health")[0], 200)


if __name__ == "__main__":
    unittest.main()
