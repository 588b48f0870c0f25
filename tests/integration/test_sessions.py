"""Sessions and session games over HTTP, with their outbox events checked in the
test server's database."""
import time
import unittest

from harness import ServerTestCase
from session_helpers import SessionMixin, db_count, events_after, iso, last_event_id, ms, now_ms

ACTIVE_EXISTS = "An active session already exists. Please close it before creating a new one."


class SessionTest(SessionMixin, ServerTestCase):
    def test_create_list_get_and_events(self):
        status, _, active = self.server.get("/api/sessions/active")
        if active.get("id"):
            self.server.post("/api/sessions/%d/close" % active["id"], token=self.token)
        before = last_event_id(self.server.db)
        notes = "Friday ünïcode night'); DROP TABLE sessions; --"
        status, _, s = self.server.post("/api/sessions", {"notes": notes}, token=self.token)
        self.assertEqual(status, 201, s)
        self.assertEqual(s["notes"], notes)
        self.assertEqual(s["is_active"], 1)
        self.assertIsNone(s["closed_at"])
        self.assertEqual(s["games_played"], 0)
        self.assertLess(abs(ms(s["created_at"]) - now_ms()), 10000)
        self.assertEqual(events_after(self.server.db, before), [
            ("session.started", s["id"],
             {"session": {"id": s["id"], "is_active": 1, "created_at": s["created_at"], "notes": notes}})])

        # A second active session is refused, naming the active one.
        status, _, body = self.server.post("/api/sessions", {}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertEqual(body, {"error": ACTIVE_EXISTS, "activeSessionId": s["id"]})

        self.assertEqual(self.server.get("/api/sessions/active")[2], s)
        self.assertEqual(self.server.get("/api/sessions/%d" % s["id"])[2], s)
        status, _, listed = self.server.get("/api/sessions")
        self.assertEqual(status, 200)
        self.assertEqual(listed[0], s)
        ids = [x["id"] for x in listed]
        self.assertEqual(ids, sorted(ids, reverse=True))

    def test_create_without_notes_and_bad_notes(self):
        s = self.fresh_session()
        self.assertIsNone(s["notes"])
        status, _, active = self.server.get("/api/sessions/active")
        self.server.post("/api/sessions/%d/close" % active["id"], token=self.token)
        self.assertError(self.server.post("/api/sessions", {"notes": 12}, token=self.token), 400,
                         "notes must be a string")
        self.assertError(self.server.post("/api/sessions", {"notes": "x" * 10001}, token=self.token), 400)
        self.assertError(self.server.post("/api/sessions", raw="[1]", token=self.token), 400)
        self.assertError(self.server.post("/api/sessions", raw="{oops", token=self.token), 400)

    def test_auth_required_for_writes(self):
        self.assertError(self.server.post("/api/sessions", {}), 401, "Access token required")
        self.assertError(self.server.post("/api/sessions", {}, token="nope"), 403, "Invalid or expired token")
        self.assertError(self.server.post("/api/sessions/1/close"), 401)
        self.assertError(self.server.request("DELETE", "/api/sessions/1"), 401)
        self.assertError(self.server.post("/api/sessions/1/games", {"game_id": 1}), 401)
        self.assertError(self.server.post("/api/sessions/1/chat-import", []), 401)
        self.assertError(self.server.get("/api/sessions/1/export"), 401)
        for action in ("status", "room-code", "player-count"):
            self.assertError(self.server.request("PATCH", "/api/sessions/1/games/1/" + action, {}), 401)
        self.assertError(self.server.post("/api/sessions/1/games/1/start-player-check"), 401)
        self.assertError(self.server.post("/api/sessions/1/games/1/stop-player-check"), 401)
        self.assertError(self.server.request("DELETE", "/api/sessions/1/games/1"), 401)

    def test_unknown_and_invalid_ids(self):
        for path in ("/api/sessions/999999", "/api/sessions/999999/games", "/api/sessions/999999/votes"):
            self.assertError(self.server.get(path), 404, "Session not found")
        self.assertError(self.server.post("/api/sessions/999999/close", token=self.token), 404, "Session not found")
        self.assertError(self.server.request("DELETE", "/api/sessions/999999", token=self.token), 404,
                         "Session not found")
        self.assertError(self.server.get("/api/sessions/999999/export", token=self.token), 404, "Session not found")
        for bad in ("abc", "0", "-3", "1.5", "99999999999999999999"):
            self.assertError(self.server.get("/api/sessions/" + bad), 400, "Invalid session id")
        s = self.fresh_session()
        self.assertError(self.server.request("PATCH", "/api/sessions/%d/games/x/status" % s["id"],
                                             {"status": "played"}, token=self.token), 400, "Invalid session game id")
        self.assertError(self.server.request("PATCH", "/api/sessions/%d/games/999999/status" % s["id"],
                                             {"status": "played"}, token=self.token), 404, "Session game not found")
        self.assertError(self.server.request("PATCH", "/api/sessions/999999/games/1/status",
                                             {"status": "played"}, token=self.token), 404, "Session not found")

    def test_close_and_delete(self):
        games = self.game_ids()
        s = self.fresh_session("before")
        first = self.add_game(s["id"], games[0])
        self.add_game(s["id"], games[1])
        self.assertError(self.server.request("DELETE", "/api/sessions/%d" % s["id"], token=self.token), 400,
                         "Cannot delete an active session. Please close it first.")

        before = last_event_id(self.server.db)
        status, _, closed = self.server.post("/api/sessions/%d/close" % s["id"], {"notes": "after"}, token=self.token)
        self.assertEqual(status, 200, closed)
        self.assertEqual(closed["is_active"], 0)
        self.assertEqual(closed["notes"], "after")
        self.assertEqual(closed["games_played"], 2)
        self.assertGreaterEqual(ms(closed["closed_at"]), ms(closed["created_at"]))
        self.assertEqual(events_after(self.server.db, before), [
            ("session.ended", s["id"], {"session": {"id": s["id"], "is_active": 0, "games_played": 2}})])
        # Closing ends the game that was playing.
        statuses = [g["status"] for g in self.server.get("/api/sessions/%d/games" % s["id"])[2]]
        self.assertEqual(statuses, ["played", "played"])
        self.assertEqual(self.server.get("/api/sessions/active")[2],
                         {"session": None, "message": "No active session"})

        self.assertError(self.server.post("/api/sessions/%d/close" % s["id"], token=self.token), 400,
                         "Session is already closed")
        self.assertError(self.server.post("/api/sessions/%d/games" % s["id"], {"game_id": games[2]},
                                          token=self.token), 400, "Cannot add games to a closed session")
        self.assertError(self.server.request("PATCH", "/api/sessions/%d/games/%d/status" % (s["id"], first["id"]),
                                             {"status": "playing"}, token=self.token), 400)

        status, _, body = self.server.request("DELETE", "/api/sessions/%d" % s["id"], token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sessionId"], s["id"])
        self.assertError(self.server.get("/api/sessions/%d" % s["id"]), 404, "Session not found")
        self.assertEqual(db_count(self.server.db, "session_games", "session_id = ?", (s["id"],)), 0)

    def test_close_keeps_notes_unless_given(self):
        s = self.fresh_session("keep me")
        status, _, closed = self.server.post("/api/sessions/%d/close" % s["id"], token=self.token)
        self.assertEqual(status, 200, closed)
        self.assertEqual(closed["notes"], "keep me")

    def test_add_game_demotes_playing_counts_plays_and_emits(self):
        games = self.game_ids()
        s = self.fresh_session()
        g1, g2 = self.game(games[3]), self.game(games[4])

        before = last_event_id(self.server.db)
        first = self.add_game(s["id"], g1["id"], room_code="abcd")
        self.assertEqual(first["session_id"], s["id"])
        self.assertEqual(first["game_id"], g1["id"])
        self.assertEqual(first["title"], g1["title"])
        self.assertEqual(first["pack_name"], g1["pack_name"])
        self.assertEqual(first["status"], "playing")
        self.assertEqual(first["room_code"], "ABCD")
        self.assertEqual(first["manually_added"], 0)
        self.assertIsNone(first["player_count"])
        self.assertLess(abs(ms(first["played_at"]) - now_ms()), 10000)
        self.assertEqual(self.game(g1["id"])["play_count"], g1["play_count"] + 1)
        self.assertEqual(events_after(self.server.db, before), [
            ("game.added", s["id"],
             {"session": {"id": s["id"], "is_active": True, "games_played": 1},
              "game": {"id": g1["id"], "title": g1["title"], "pack_name": g1["pack_name"],
                       "min_players": g1["min_players"], "max_players": g1["max_players"],
                       "manually_added": False}})])

        time.sleep(0.01)
        before = last_event_id(self.server.db)
        second = self.add_game(s["id"], g2["id"], manually_added=True)
        self.assertEqual(second["manually_added"], 1)
        self.assertIsNone(second["room_code"])
        events = events_after(self.server.db, before)
        # The first game's room monitor (started by its room code) stops with it.
        self.assertEqual([e[0] for e in events], ["game.added", "room.disconnected"])
        self.assertEqual(events[0][2]["session"]["games_played"], 2)
        self.assertTrue(events[0][2]["game"]["manually_added"])
        self.assertEqual((events[1][2]["gameId"], events[1][2]["reason"]), (first["id"], "manually_stopped"))

        status, _, listed = self.server.get("/api/sessions/%d/games" % s["id"])
        self.assertEqual(status, 200)
        self.assertEqual([(g["id"], g["status"]) for g in listed], [(first["id"], "played"), (second["id"], "playing")])
        self.assertEqual(self.server.get("/api/sessions/%d" % s["id"])[2]["games_played"], 2)

        # The same game again counts another play.
        self.add_game(s["id"], g1["id"])
        self.assertEqual(self.game(g1["id"])["play_count"], g1["play_count"] + 2)

    def test_add_game_validation(self):
        s = self.fresh_session()
        path = "/api/sessions/%d/games" % s["id"]
        game = self.game_ids()[0]
        before = last_event_id(self.server.db)
        for body, message in (({}, "game_id is required"), ({"game_id": None}, "game_id is required"),
                              ({"game_id": "5"}, "game_id must be an integer"), ({"game_id": 1.5}, None),
                              ({"game_id": 0}, None), ({"game_id": -2}, None), ({"game_id": 10 ** 30}, None),
                              ({"game_id": game, "manually_added": "yes"}, "manually_added must be a boolean (or 0/1)"),
                              ({"game_id": game, "room_code": "AB1D"}, "room_code must be 4 letters (A-Z)"),
                              ({"game_id": game, "room_code": "ABCDE"}, "room_code must be 4 letters (A-Z)"),
                              ({"game_id": game, "room_code": "ÄBCD"}, "room_code must be 4 letters (A-Z)"),
                              ({"game_id": game, "room_code": 1234}, "room_code must be a string")):
            self.assertError(self.server.post(path, body, token=self.token), 400, message)
        self.assertError(self.server.post(path, {"game_id": 999999}, token=self.token), 404, "Game not found")
        self.assertError(self.server.post("/api/sessions/999999/games", {"game_id": game}, token=self.token), 404,
                         "Session not found")
        self.assertEqual(events_after(self.server.db, before), [])
        self.assertEqual(self.server.get("/api/sessions/%d/games" % s["id"])[2], [])
        # manually_added may be sent back as the 0/1 the API returns.
        status, _, added = self.server.post(path, {"game_id": game, "manually_added": 1}, token=self.token)
        self.assertEqual((status, added["manually_added"]), (201, 1), added)

    def test_status_room_code_player_check_and_count(self):
        games = self.game_ids()
        s = self.fresh_session()
        a = self.add_game(s["id"], games[5])
        b = self.add_game(s["id"], games[6])
        base = "/api/sessions/%d/games/" % s["id"]
        before = last_event_id(self.server.db)

        def patch(sg, action, body):
            return self.server.request("PATCH", base + "%d/%s" % (sg["id"], action), body, token=self.token)

        # Only one game plays at a time.
        status, _, body = patch(a, "status", {"status": "playing"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "playing")
        listed = self.server.get("/api/sessions/%d/games" % s["id"])[2]
        self.assertEqual([g["status"] for g in listed], ["playing", "played"])
        self.assertEqual(patch(b, "status", {"status": "skipped"})[2]["status"], "skipped")
        for bad in ({"status": "paused"}, {}, {"status": 1}):
            self.assertError(patch(a, "status", bad), 400)
        self.assertError(patch(a, "status", {"status": "PAUSED"}), 400, "status must be one of: playing, played, skipped")

        # Room codes: upper-cased, validated, null clears. On the playing game a code starts the room monitor.
        status, _, body = patch(a, "room-code", {"room_code": "wxyz"})
        self.assertEqual((body["room_code"], body["player_check_active"]), ("WXYZ", 1), body)
        self.assertError(patch(a, "room-code", {}), 400)
        self.assertError(patch(a, "room-code", {"room_code": "W1"}), 400, "room_code must be 4 letters (A-Z)")

        # Player check: the room monitor (test_rooms.py); needs a room code.
        status, _, body = self.server.post(base + "%d/start-player-check" % a["id"], token=self.token)
        self.assertEqual(status, 200, body)
        self.assertIn("WXYZ", body["message"])
        self.assertEqual(body["sessionGame"]["player_check_active"], 1)
        self.assertEqual(body["sessionGame"]["id"], a["id"])
        status, _, body = self.server.post(base + "%d/stop-player-check" % a["id"], token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sessionGame"]["player_check_active"], 0)
        self.assertIsNone(patch(a, "room-code", {"room_code": None})[2]["room_code"])
        self.assertError(self.server.post(base + "%d/start-player-check" % a["id"], token=self.token), 400)
        self.assertError(self.server.post(base + "999999/start-player-check", token=self.token), 404,
                         "Session game not found")
        # The only event: the monitor stopped (the room service is unreachable in these tests).
        self.assertEqual(events_after(self.server.db, before), [
            ("room.disconnected", s["id"], {"sessionId": s["id"], "gameId": a["id"], "roomCode": "WXYZ",
                                            "appTag": None, "maxPlayers": a["max_players"],
                                            "reason": "manually_stopped"})])

        status, _, body = patch(a, "player-count", {"player_count": 6})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["player_count"], 6)
        self.assertEqual(events_after(self.server.db, before)[1:], [
            ("player-count.updated", s["id"],
             {"sessionId": s["id"], "gameId": a["id"], "playerCount": 6, "status": "completed"})])
        self.assertEqual(patch(a, "player-count", {"player_count": 0})[2]["player_count"], 0)
        for bad in ({}, {"player_count": -1}, {"player_count": 101}, {"player_count": "6"},
                    {"player_count": 2.5}, {"player_count": 10 ** 20}):
            self.assertError(patch(a, "player-count", bad), 400)
        self.assertError(self.server.request("PATCH", base + "999999/player-count", {"player_count": 3},
                                             token=self.token), 404, "Session game not found")
        self.assertEqual(len(events_after(self.server.db, before)), 3)

    def test_session_game_must_belong_to_session(self):
        games = self.game_ids()
        old = self.fresh_session()
        sg = self.add_game(old["id"], games[7])
        new = self.fresh_session()
        self.assertError(self.server.request("PATCH", "/api/sessions/%d/games/%d/status" % (new["id"], sg["id"]),
                                             {"status": "played"}, token=self.token), 404, "Session game not found")
        self.assertError(self.server.request("DELETE", "/api/sessions/%d/games/%d" % (new["id"], sg["id"]),
                                             token=self.token), 404, "Session game not found")

    def test_remove_session_game(self):
        games = self.game_ids()
        s = self.fresh_session()
        plays = self.game(games[8])["play_count"]
        sg = self.add_game(s["id"], games[8])
        self.assertEqual(self.game(games[8])["play_count"], plays + 1)
        self.assertEqual(self.server.get("/api/sessions/%d" % s["id"])[2]["games_played"], 1)
        before = last_event_id(self.server.db)
        path = "/api/sessions/%d/games/%d" % (s["id"], sg["id"])
        status, _, body = self.server.request("DELETE", path, token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sessionGameId"], sg["id"])
        self.assertEqual(self.game(games[8])["play_count"], plays)
        self.assertEqual(self.server.get("/api/sessions/%d/games" % s["id"])[2], [])
        self.assertEqual(self.server.get("/api/sessions/%d" % s["id"])[2]["games_played"], 0)
        self.assertError(self.server.request("DELETE", path, token=self.token), 404, "Session game not found")
        self.assertEqual(events_after(self.server.db, before), [])

    def test_export(self):
        games = self.game_ids()
        s = self.fresh_session("Export night")
        first = self.add_game(s["id"], games[9], room_code="ROOM")
        self.server.request("PATCH", "/api/sessions/%d/games/%d/player-count" % (s["id"], first["id"]),
                            {"player_count": 7}, token=self.token)
        self.add_game(s["id"], games[10], manually_added=True)

        status, headers, text = self.server.get("/api/sessions/%d/export" % s["id"], token=self.token)
        self.assertEqual(status, 200, text)
        self.assertTrue(headers["content-type"].startswith("text/plain"), headers)
        self.assertEqual(headers["content-disposition"], 'attachment; filename="session-%d.txt"' % s["id"])
        self.assertIn("Session #%d" % s["id"], text)
        self.assertIn("Notes: Export night", text)
        self.assertIn("1. " + first["title"], text)
        self.assertIn("Room code: ROOM", text)
        self.assertIn("Players: 7", text)
        self.assertIn("Added manually", text)
        self.assertEqual(self.server.get("/api/sessions/%d/export?format=txt" % s["id"], token=self.token)[2], text)

        status, headers, body = self.server.get("/api/sessions/%d/export?format=json" % s["id"], token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-disposition"], 'attachment; filename="session-%d.json"' % s["id"])
        self.assertEqual(body["session"]["id"], s["id"])
        self.assertEqual(body["session"]["notes"], "Export night")
        self.assertEqual([g["game_id"] for g in body["games"]], [games[9], games[10]])
        self.assertEqual(body["games"][0]["room_code"], "ROOM")
        self.assertEqual(body["games"][0]["player_count"], 7)
        self.assertEqual(body["games"][0]["status"], "played")
        self.assertEqual(body["votes"], [])
        self.assertError(self.server.get("/api/sessions/%d/export?format=xml" % s["id"], token=self.token), 400)


class ChatImportTest(SessionMixin, ServerTestCase):
    def setUp(self):
        games = self.game_ids()
        self.session = self.fresh_session()
        self.first = self.add_game(self.session["id"], games[0])
        time.sleep(0.02)
        self.second = self.add_game(self.session["id"], games[1])
        self.t1 = ms(self.first["played_at"])
        self.t2 = ms(self.second["played_at"])
        self.path = "/api/sessions/%d/chat-import" % self.session["id"]

    def log(self):
        return [
            {"username": "ann", "message": "thisgame++ so good", "timestamp": iso(self.t1)},
            {"username": "bob", "message": "THISGAME--", "timestamp": iso(self.t1 + 1)},
            {"username": "cat", "message": "just chatting", "timestamp": iso(self.t1 + 2)},
            {"username": "ann", "message": "thisgame++", "timestamp": iso(self.t2)},
            {"username": "dan", "message": "thisgame++", "timestamp": iso(self.t1 - 60000)},
        ]

    def test_import_counts_once_and_updates_games(self):
        g1, g2 = self.game(self.first["game_id"]), self.game(self.second["game_id"])
        before = last_event_id(self.server.db)
        live_before = db_count(self.server.db, "live_votes")
        status, _, body = self.server.post(self.path, {"chatData": self.log()}, token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["messagesProcessed"], 5)
        self.assertEqual(body["votesFound"], 4)
        self.assertEqual(body["votesRecorded"], 3)
        self.assertEqual(body["duplicatesSkipped"], 0)
        self.assertEqual(body["unmatched"], 1)
        self.assertEqual(body["gameVotes"], [
            {"sessionGameId": self.first["id"], "gameId": g1["id"], "title": g1["title"], "upvotes": 1, "downvotes": 1},
            {"sessionGameId": self.second["id"], "gameId": g2["id"], "title": g2["title"], "upvotes": 1,
             "downvotes": 0}])
        after1, after2 = self.game(g1["id"]), self.game(g2["id"])
        self.assertEqual((after1["upvotes"], after1["downvotes"], after1["popularity_score"]),
                         (g1["upvotes"] + 1, g1["downvotes"] + 1, g1["popularity_score"]))
        self.assertEqual((after2["upvotes"], after2["popularity_score"]), (g2["upvotes"] + 1, g2["popularity_score"] + 1))
        # No event, no live votes.
        self.assertEqual(events_after(self.server.db, before), [])
        self.assertEqual(db_count(self.server.db, "live_votes"), live_before)

        # Re-importing the same log (as a bare array) counts nothing twice.
        status, _, body = self.server.post(self.path, self.log(), token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual((body["votesRecorded"], body["duplicatesSkipped"], body["gameVotes"]), (0, 3, []))
        self.assertEqual(self.game(g1["id"])["upvotes"], after1["upvotes"])

        # A closed session still takes its chat log; its last game ended when it closed.
        closed = self.server.post("/api/sessions/%d/close" % self.session["id"], token=self.token)[2]
        end = ms(closed["closed_at"])
        late = [{"username": "eve", "message": "thisgame--", "timestamp": iso(end)},
                {"username": "fay", "message": "thisgame--", "timestamp": iso(end + 1)}]
        status, _, body = self.server.post(self.path, {"chatData": late}, token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual((body["votesRecorded"], body["unmatched"]), (1, 1))
        self.assertEqual(self.game(g2["id"])["downvotes"], after2["downvotes"] + 1)

    def test_validation_names_the_message(self):
        good = self.log()[0]
        cases = [
            ({}, "chatData must be an array of chat messages"),
            ({"chatData": "hi"}, "chatData must be an array of chat messages"),
            ({"chatData": [good, 5]}, "chatData[1] must be an object"),
            ({"chatData": [dict(good, username="")]}, "chatData[0]: username is required"),
            ({"chatData": [dict(good, username=7)]}, "chatData[0]: username must be a string"),
            ({"chatData": [dict(good, username="x" * 101)]}, "chatData[0]: username must be at most 100 characters"),
            ({"chatData": [good, {"username": "a", "timestamp": good["timestamp"]}]}, "chatData[1]: message is required"),
            ({"chatData": [dict(good, timestamp="yesterday")]}, "chatData[0]: timestamp must be an ISO 8601 timestamp"),
            ({"chatData": [dict(good, timestamp=12345)]}, "chatData[0]: timestamp must be a string"),
        ]
        for body, message in cases:
            self.assertError(self.server.post(self.path, body, token=self.token), 400, message)
        self.assertError(self.server.post(self.path, raw="[{", token=self.token), 400)
        self.assertError(self.server.post("/api/sessions/999999/chat-import", [good], token=self.token), 404,
                         "Session not found")
        # Nothing was recorded by the refused imports.
        self.assertEqual(db_count(self.server.db, "chat_votes", "session_id = ?", (self.session["id"],)), 0)


if __name__ == "__main__":
    unittest.main()
