"""Chat formats (Discord execute-webhook and Slack incoming-webhook bodies, checked against their
documented shapes at a local receiver), template overrides validated on save, Discord's 429 with
retry_after in the body, and GET /api/webhooks/event-types."""
import base64
import hashlib
import hmac
import json
import re
import time
import unittest

from harness import ServerTestCase, wait_until
from test_webhooks import EVENT_TYPES, ROOM_EVENT_TYPES, SECRET, WebhookMixin


def check_signed(test, request):
    """Both signatures cover the body actually sent; returns it parsed."""
    body, headers = request["body"], request["headers"]
    test.assertEqual(headers["content-type"], "application/json")
    test.assertEqual(headers["x-webhook-signature"], "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest())
    signed = headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"." + body
    test.assertEqual(headers["webhook-signature"],
                     "v1," + base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha256).digest()).decode())
    return json.loads(body)


def check_discord_shape(test, body):
    """Discord's execute-webhook JSON params (discord.com/developers/docs/resources/webhook)."""
    test.assertTrue(set(body) <= {"content", "username", "avatar_url", "tts", "embeds", "allowed_mentions",
                                  "components", "flags", "thread_name"}, body)
    test.assertTrue(body.get("content") or body.get("embeds"))
    test.assertLessEqual(len(body.get("content", "")), 2000)
    test.assertLessEqual(len(body["embeds"]), 10)
    for embed in body["embeds"]:
        test.assertTrue(set(embed) <= {"title", "type", "description", "url", "timestamp", "color", "footer",
                                       "image", "thumbnail", "author", "fields"}, embed)
        test.assertLessEqual(len(embed["title"]), 256)
        test.assertLessEqual(len(embed["description"]), 4096)
        test.assertRegex(embed["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        test.assertIsInstance(embed["color"], int)
        test.assertLessEqual(len(embed["fields"]), 25)
        for field in embed["fields"]:
            test.assertEqual(set(field), {"name", "value", "inline"})
            test.assertTrue(0 < len(field["name"]) <= 256 and 0 < len(field["value"]) <= 1024, field)
    test.assertEqual(body["allowed_mentions"], {"parse": []})


def check_slack_shape(test, body):
    """Slack's incoming-webhook payload: text plus Block Kit blocks (api.slack.com/reference/block-kit)."""
    test.assertEqual(set(body), {"text", "blocks"})
    test.assertIsInstance(body["text"], str)
    header, section, context = body["blocks"]
    test.assertEqual(header["type"], "header")
    test.assertEqual(header["text"]["type"], "plain_text")
    test.assertLessEqual(len(header["text"]["text"]), 150)
    test.assertEqual(section["type"], "section")
    test.assertEqual(section["text"], {"type": "mrkdwn", "text": body["text"]})
    test.assertLessEqual(len(section.get("fields", [])), 10)
    for field in section.get("fields", []):
        test.assertEqual(field["type"], "mrkdwn")
    test.assertEqual(context["type"], "context")
    test.assertEqual([e["type"] for e in context["elements"]], ["mrkdwn"])


class ChatFormatTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "100ms,100ms"}

    def create(self, receiver, events=("game.added",), **fields):
        body = {"name": "chat", "url": receiver.url, "secret": SECRET, "events": list(events), **fields}
        status, _, hook = self.api("POST", "/api/webhooks", body)
        self.assertEqual(status, 201, hook)
        return hook

    def game(self, game_id):
        status, _, game = self.api("GET", "/api/games/%d" % game_id)
        self.assertEqual(status, 200, game)
        return game

    def test_discord_bodies_read_as_sentences(self):
        receiver = self.receiver()
        hook = self.create(receiver, events=("session.started", "game.added", "session.ended"), format="discord")
        self.assertEqual((hook["format"], hook["templates"]), ("discord", {}))
        session = self.fresh_session()
        self.add_game(session["id"], 2)
        self.add_game(session["id"], 3)
        self.assertEqual(self.api("POST", "/api/sessions/%d/close" % session["id"], {})[0], 200)
        bodies = [check_signed(self, r) for r in receiver.wait_for(4)]
        for body in bodies:
            check_discord_shape(self, body)
            self.assertEqual(body["username"], "Game Picker")
        by_type = {}
        for body in bodies:  # deliveries of an unordered webhook may overtake each other
            by_type.setdefault(body["embeds"][0]["footer"]["text"], []).append(body)
        [started], [ended] = by_type["session.started"], by_type["session.ended"]
        game = self.game(2)
        added = next(b for b in by_type["game.added"] if game["title"] in b["embeds"][0]["description"])
        [embed] = added["embeds"]
        self.assertEqual(embed["title"], "Coming up next")
        self.assertEqual(embed["description"], "🎮 Coming up next: **%s** (%s)" % (game["title"], game["pack_name"]))
        self.assertEqual(embed["fields"][0], {"name": "Players", "value": "%d–%d" % (game["min_players"],
                                                                                  game["max_players"]), "inline": True})
        self.assertEqual(embed["footer"], {"text": "game.added"})
        self.assertEqual(started["embeds"][0]["description"], "🎉 Game night is starting!")
        self.assertEqual(ended["embeds"][0]["description"], "🏁 Game night is over: 2 games played")
        # The log keeps the event's documented JSON.
        logs = wait_until(lambda: (lambda rows: rows if len(rows) == 4 else None)(self.logs(hook["id"])))
        self.assertEqual(sorted(json.loads(row["payload"])["event"] for row in logs),
                         ["game.added", "game.added", "session.ended", "session.started"])

    def test_slack_bodies_and_escaping(self):
        receiver = self.receiver()
        hook = self.create(receiver, events=("game.added", "session.ended"), format="slack")
        session = self.fresh_session()
        self.add_game(session["id"], 2)
        [request] = receiver.wait_for(1)
        body = check_signed(self, request)
        check_slack_shape(self, body)
        wait_until(lambda: self.logs(hook["id"]))  # stored before the next event
        game = self.game(2)
        esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.assertEqual(body["text"], "🎮 Coming up next: *%s* (%s)" % (esc(game["title"]), esc(game["pack_name"])))
        self.assertEqual(body["blocks"][0]["text"]["text"], "Coming up next")
        self.assertRegex(body["blocks"][2]["elements"][0]["text"], r"^game\.added · \d{4}-")
        # Slack's control characters in values are escaped.
        self.assertEqual(self.api("PATCH", "/api/webhooks/%d" % hook["id"],
                                  {"templates": {"session.ended": "<!here> over after {{session.games_played}} & out"}})[0],
                         200)
        self.assertEqual(self.api("POST", "/api/sessions/%d/close" % session["id"], {})[0], 200)
        ended = check_signed(self, receiver.wait_for(2)[1])
        self.assertEqual(ended["text"], "<!here> over after 1 & out")  # the template is the admin's markup

    def test_templates_override_and_are_validated_on_save(self):
        receiver = self.receiver()
        hook = self.create(receiver, format="discord",
                           templates={"game.added": "Next: {{game.title}} for up to {{ game.max_players }} players"})
        self.assertEqual(hook["templates"], {"game.added": "Next: {{game.title}} for up to {{ game.max_players }} players"})
        self.send_test(hook["id"])
        body = check_signed(self, receiver.wait_for(1)[0])
        self.assertEqual(body["embeds"][0]["description"], "Next: Test Game for up to 8 players")
        wid = hook["id"]
        for templates, message in (
                ({"game.added": "{{game.nope}}"}, r"^templates: game\.added: unknown placeholder \{\{game\.nope\}\} "
                                                  r"\(known: session\.id, .*game\.title.*\)$"),
                ({"game.added": "{{roomCode}}"}, r"unknown placeholder \{\{roomCode\}\}"),
                ({"game.exploded": "x"}, r"^templates: unknown event type: game\.exploded$"),
                ({"game.added": "{{game.title"}, r"^templates: game\.added: a \{\{ is not closed$"),
                ({"game.added": ""}, r"^templates: game\.added: must be 1 to 1000 bytes$"),
                ({"game.added": 5}, r"^templates: game\.added: must be a string$"),
                (["game.added"], r"^templates must be an object of event types to templates$")):
            with self.subTest(templates=templates):
                status, _, body = self.api("PATCH", "/api/webhooks/%d" % wid, {"templates": templates})
                self.assertEqual(status, 400, body)
                self.assertRegex(body["error"], message)
        self.assertError(self.api("PATCH", "/api/webhooks/%d" % wid, {"format": "teams"}), 400,
                         "format must be one of json, discord, slack")
        self.assertEqual(self.api("PATCH", "/api/webhooks/%d" % wid, {"templates": None})[2]["templates"], {})
        # Back to the documented body.
        self.assertEqual(self.api("PATCH", "/api/webhooks/%d" % wid, {"format": "json"})[2]["format"], "json")
        self.send_test(wid)
        self.assertEqual(json.loads(receiver.wait_for(2)[1]["body"])["event"], "game.added")

    def test_discord_429_retry_after_in_the_body_is_honoured(self):
        limited = (429, {"Content-Type": "application/json"},
                   b'{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}')
        receiver = self.receiver([limited, 200])
        hook = self.create(receiver, format="discord")
        self.send_test(hook["id"])
        first, second = receiver.wait_for(2, timeout=15)
        self.assertGreater(second["time"] - first["time"], 1.4)
        self.assertEqual(first["headers"]["webhook-id"], second["headers"]["webhook-id"])


class EventTypesTest(WebhookMixin, ServerTestCase):
    def test_every_event_type_with_description_and_example(self):
        status, _, types = self.api("GET", "/api/webhooks/event-types")
        self.assertEqual(status, 200, types)
        self.assertEqual([t["type"] for t in types], EVENT_TYPES + ROOM_EVENT_TYPES)
        for t in types:
            self.assertEqual(set(t), {"type", "description", "data", "placeholders", "default_template"})
            self.assertTrue(t["description"] and isinstance(t["data"], dict) and t["placeholders"], t)
            for name in re.findall(r"\{\{\s*([^}]*?)\s*\}\}", t["default_template"]):
                self.assertIn(name, t["placeholders"])
        by_type = {t["type"]: t for t in types}
        self.assertEqual(set(by_type["game.added"]["data"]), {"session", "game"})
        self.assertEqual(by_type["game.added"]["data"]["game"]["title"], "Fibbage 4")
        self.assertIn("game.title", by_type["game.added"]["placeholders"])
        self.assertEqual(by_type["lobby.player-joined"]["data"]["roomCode"], "ABCD")
        self.assertError(self.server.request("GET", "/api/webhooks/event-types"), 401)


if __name__ == "__main__":
    unittest.main()
