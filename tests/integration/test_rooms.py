"""The room monitor against a fake ecast (fake_ecast.py): the events of a scripted
room on the WebSocket feed and at a webhook, in order and with their fields; the
stored player count; status-live; join events that never reach the observer (the
probe finds the players); a dropped connection resumed with id and secret; 404,
error frames, garbage, a service that never answers; every stop condition; the cap."""
import asyncio
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import websockets

from fake_ecast import CHOICE, COUNTDOWN, LOGO, POST_GAME, FakeEcast
from harness import Receiver, Server, ServerTestCase, wait_until
from session_helpers import SessionMixin, events_after, last_event_id

ROOM_TYPES = ["room.connected", "lobby.player-joined", "lobby.updated", "game.started", "game.ended",
              "room.disconnected", "game.status", "player-count.updated"]


class Feed:
    """A WebSocket client of /api/sessions/live on its own thread, subscribed to one
    session; every event lands in `events` (with its arrival time)."""

    def __init__(self, server, token, session_id):
        self.events = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete,
                                       args=(self._run(server.ws_url(), token, session_id),), daemon=True)
        self.thread.start()
        if not self.ready.wait(10):
            raise AssertionError("feed did not subscribe")

    async def _run(self, url, token, session_id):
        async with websockets.connect(url) as ws:
            self.ws = ws
            await ws.send(json.dumps({"type": "auth", "token": token}))
            await ws.send(json.dumps({"type": "subscribe", "sessionId": session_id}))
            async for text in ws:
                m = json.loads(text)
                if m.get("type") == "subscribed":
                    self.ready.set()
                elif "data" in m:
                    with self.lock:
                        self.events.append(dict(m, arrived=time.time()))

    def of(self, *types, game=None):
        with self.lock:
            return [e for e in self.events
                    if (not types or e["type"] in types) and (game is None or e["data"].get("gameId") == game)]

    def wait(self, type_, count=1, timeout=10, game=None, **fields):
        def found():
            hits = [e for e in self.of(type_, game=game) if all(e["data"].get(k) == v for k, v in fields.items())]
            return hits if len(hits) >= count else None
        return wait_until(found, timeout)

    def close(self):
        asyncio.run_coroutine_threadsafe(self.ws.close(), self.loop)
        self.thread.join(5)
        self.loop.close()


class RoomMonitorTest(SessionMixin, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.ecast = FakeEcast()
        cls.server_env = {"ECAST_URL": cls.ecast.url, "ROOM_STATUS_INTERVAL": "1", "ROOM_GIVE_UP_AFTER": "3"}
        super().setUpClass()
        cls.receiver = Receiver()
        status, _, cls.hook = cls.server.post("/api/webhooks", {"name": "rooms", "url": cls.receiver.url,
                                                                 "secret": "s", "events": ROOM_TYPES},
                                              token=cls.token)
        assert status == 201, cls.hook

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.receiver.close()
        cls.ecast.stop()

    def setUp(self):
        self.session = self.fresh_session()
        self.feed = Feed(self.server, self.token, self.session["id"])
        self.games = self.game_ids()

    def tearDown(self):
        self.feed.close()

    def sg_path(self, sg, action=""):
        return "/api/sessions/%d/games/%d%s" % (self.session["id"], sg["id"], action)

    def session_game(self, sg):
        games = self.server.get("/api/sessions/%d/games" % self.session["id"])[2]
        return next(g for g in games if g["id"] == sg["id"])

    def head(self, sg, code, app_tag="quiplash3", max_players=8):
        return {"sessionId": self.session["id"], "gameId": sg["id"], "roomCode": code, "appTag": app_tag,
                "maxPlayers": max_players}

    def webhook_events(self, game_id):
        """(event, data) of the deliveries about one session game, in outbox order (deliveries
        run concurrently, so they may arrive in another order; webhook-id follows the outbox)."""
        out = []
        for r in self.receiver.requests:
            body = json.loads(r["body"])
            if body["data"].get("gameId") == game_id:
                out.append((int(r["headers"]["webhook-id"][len("msg_"):]), body["event"], body["data"]))
        return [(event, data) for _, event, data in sorted(out, key=lambda e: e[0])]

    # --- the scripted room, lobby to end -------------------------------------------
    def test_scripted_room_from_lobby_to_end(self):
        room = self.ecast.add_room("ABCD")
        sg = self.add_game(self.session["id"], self.games[0], room_code="abcd")
        self.assertEqual(sg["player_check_active"], 1)
        head = self.head(sg, "ABCD")
        connected = self.feed.wait("room.connected")[0]
        self.assertEqual(connected["data"], dict(head, playerCount=0, players=[]))
        self.assertIsInstance(connected["id"], int)

        latencies = []
        for name in ("ALICE", "BOB", "CARA"):
            sent = time.time()
            self.ecast.join(room, name)
            joined = self.feed.wait("lobby.player-joined", player=name)[0]
            latencies.append(joined["arrived"] - sent)
        print("\njoin -> lobby.player-joined on the feed: %s ms" % ", ".join("%.1f" % (l * 1000) for l in latencies))
        self.feed.wait("lobby.updated", lobbyState="CanStart")
        self.ecast.set_room(room, **COUNTDOWN)
        self.feed.wait("lobby.updated", lobbyState="Countdown")
        self.ecast.set_room(room, **LOGO)
        self.feed.wait("game.started")
        self.ecast.set_room(room, **CHOICE)
        self.ecast.set_room(room, **POST_GAME)
        self.feed.wait("game.ended")

        players = ["ALICE", "BOB", "CARA"]
        expected = [
            ("room.connected", dict(head, playerCount=0, players=[])),
            ("player-count.updated", {"sessionId": self.session["id"], "gameId": sg["id"], "playerCount": 0,
                                      "status": "completed"}),
        ]
        for i, name in enumerate(players, 1):
            expected.append(("lobby.player-joined", dict(head, player=name, playerCount=i, players=players[:i])))
            expected.append(("player-count.updated", {"sessionId": self.session["id"], "gameId": sg["id"],
                                                      "playerCount": i, "status": "completed"}))
        expected += [
            ("lobby.updated", dict(head, lobbyState="CanStart", playerCount=3)),
            ("lobby.updated", dict(head, lobbyState="Countdown", playerCount=3)),
            ("game.started", dict(head, playerCount=3, players=players)),
            ("lobby.updated", dict(head, lobbyState="PostGame", playerCount=3)),
            ("game.ended", dict(head, playerCount=3, players=players)),
        ]
        feed = [(e["type"], e["data"]) for e in self.feed.of(game=sg["id"]) if e["type"] != "game.status"]
        self.assertEqual(feed, expected)
        ids = [e["id"] for e in self.feed.of(game=sg["id"])]
        self.assertEqual(ids, sorted(ids))

        # The game is over: played, no more check, the count stays; the monitor is gone.
        wait_until(lambda: self.session_game(sg)["status"] == "played")
        row = self.session_game(sg)
        self.assertEqual((row["player_check_active"], row["player_count"]), (0, 3))
        wait_until(lambda: self.ecast.open_sockets(room) == 0)
        status, _, live = self.server.get(self.sg_path(sg, "/status-live"))
        self.assertEqual(status, 200, live)
        self.assertEqual(live, {"sessionId": self.session["id"], "gameId": sg["id"], "roomCode": "ABCD",
                                "appTag": None, "maxPlayers": row["max_players"], "playerCount": 3, "players": [],
                                "lobbyState": None, "gameState": None, "gameStarted": False, "gameFinished": True,
                                "monitoring": False})

        # The webhook got the same events (game.status aside), in the same order.
        wait_until(lambda: len([e for e in self.webhook_events(sg["id"]) if e[0] != "game.status"]) >= len(expected))
        self.assertEqual([e for e in self.webhook_events(sg["id"]) if e[0] != "game.status"], expected)
        # The shard connected as the sheet says.
        path, query, headers = next(c for c in self.ecast.connections if c[0] == "/api/v2/rooms/ABCD/play")
        self.assertEqual(query, {"role": "shard", "name": "GamePicker",
                                 "userId": "gamepicker-%d" % self.session["id"], "format": "json"})
        self.assertEqual(headers.get("origin"), "https://jackbox.tv")
        self.assertIn("Mozilla/5.0", headers.get("user-agent"))
        self.assertEqual(headers.get("sec-websocket-protocol"), "ecast-v0")

    def test_status_every_interval_and_the_probe_without_join_events(self):
        room = self.ecast.add_room("PROB", join_events=False, app_tag="drawful2international", max_players=6)
        self.ecast.join(room, "EARLY")
        sg = self.add_game(self.session["id"], self.games[1], room_code="PROB")
        head = self.head(sg, "PROB", "drawful2international", 6)
        self.assertEqual(self.feed.wait("room.connected")[0]["data"], dict(head, playerCount=1, players=["EARLY"]))
        sent = time.time()
        self.ecast.join(room, "LATE")  # no client/connected reaches the shard: only the probe sees LATE
        joined = self.feed.wait("lobby.player-joined", timeout=5)[0]
        print("\njoin -> lobby.player-joined through the probe: %.0f ms" % ((joined["arrived"] - sent) * 1000))
        self.assertEqual(joined["data"], dict(head, player="LATE", playerCount=2, players=["EARLY", "LATE"]))
        self.feed.wait("player-count.updated", playerCount=2)

        status = self.feed.wait("game.status", count=2)[-1]["data"]
        self.assertEqual(set(status), {"sessionId", "gameId", "roomCode", "appTag", "maxPlayers", "playerCount",
                                       "players", "lobbyState", "gameState", "gameStarted", "gameFinished",
                                       "monitoring"})
        self.assertEqual(status["monitoring"], True)
        code, _, live = self.server.get(self.sg_path(sg, "/status-live"))
        self.assertEqual(code, 200)
        self.assertEqual(live, dict(head, playerCount=2, players=["EARLY", "LATE"], lobbyState="WaitingForMore",
                                    gameState="Lobby", gameStarted=False, gameFinished=False, monitoring=True))
        # The probe comes back as the same client: one slot, not one per probe. The second
        # probe starts after the second game.status, so it may not have connected yet.
        def two_probes():
            found = [q for _, q, _ in self.ecast.connections if q.get("userId", "").endswith("-probe")]
            return found if len(found) >= 2 else None
        probes = wait_until(two_probes)
        self.assertNotIn("id", probes[0])
        self.assertTrue(all("id" in q and "secret" in q for q in probes[1:]), probes)
        self.assertEqual(len({q["id"] for q in probes[1:]}), 1)

    def test_manual_count_wins(self):
        room = self.ecast.add_room("MANU")
        sg = self.add_game(self.session["id"], self.games[2], room_code="MANU")
        self.feed.wait("room.connected")
        status, _, body = self.server.request("PATCH", self.sg_path(sg, "/player-count"), {"player_count": 9},
                                              token=self.token)
        self.assertEqual(status, 200, body)
        self.feed.wait("player-count.updated", playerCount=9)
        self.ecast.join(room, "ALICE")
        self.assertEqual(self.feed.wait("lobby.player-joined")[0]["data"]["playerCount"], 1)
        time.sleep(0.3)
        self.assertEqual(self.session_game(sg)["player_count"], 9)
        self.assertEqual([e["data"]["playerCount"] for e in self.feed.of("player-count.updated")], [0, 9])

    # --- reconnect, closing, refusals, garbage ---------------------------------------
    def test_dropped_connection_is_resumed(self):
        room = self.ecast.add_room("DROP")
        sg = self.add_game(self.session["id"], self.games[3], room_code="DROP")
        self.feed.wait("room.connected")
        watch = "gamepicker-%d" % self.session["id"]
        shard_id = next(cid for user, cid, _ in self.ecast.welcomed if user == watch)
        self.ecast.drop(room)
        wait_until(lambda: any(q.get("id") == str(shard_id) for _, q, _ in self.ecast.connections))
        resumed = [q for _, q, _ in self.ecast.connections if q.get("id") == str(shard_id)][0]
        self.assertEqual((resumed["userId"], resumed["secret"]), (watch, room.shards[shard_id]))
        wait_until(lambda: (watch, shard_id, True) in self.ecast.welcomed)
        wait_until(lambda: self.ecast.open_sockets(room) >= 1)
        self.ecast.join(room, "AFTER")
        self.feed.wait("lobby.player-joined", player="AFTER")
        self.assertEqual(len(self.feed.of("room.connected", game=sg["id"])), 1)
        self.assertEqual(self.feed.of("room.disconnected", game=sg["id"]), [])

    def test_room_exit_closes_and_marks_played(self):
        room = self.ecast.add_room("EXIT")
        sg = self.add_game(self.session["id"], self.games[4], room_code="EXIT")
        self.feed.wait("room.connected")
        self.ecast.join(room, "ALICE")
        self.ecast.set_room(room, **LOGO)
        self.feed.wait("game.started")
        self.ecast.exit_room(room)
        gone = self.feed.wait("room.disconnected")[0]
        self.assertEqual(gone["data"], dict(self.head(sg, "EXIT"), reason="room_closed"))
        types = [e["type"] for e in self.feed.of(game=sg["id"]) if e["type"] != "game.status"]
        self.assertEqual(types[-2:], ["game.ended", "room.disconnected"])
        wait_until(lambda: self.session_game(sg)["status"] == "played")

    def test_unknown_room_is_room_not_found(self):
        sg = self.add_game(self.session["id"], self.games[5], room_code="NOPE")
        gone = self.feed.wait("room.disconnected")[0]
        self.assertEqual(gone["data"], {"sessionId": self.session["id"], "gameId": sg["id"], "roomCode": "NOPE",
                                        "appTag": None, "maxPlayers": sg["max_players"], "reason": "room_not_found"})
        self.assertEqual([e["type"] for e in self.feed.of(game=sg["id"])], ["room.disconnected"])
        wait_until(lambda: self.session_game(sg)["player_check_active"] == 0)
        self.assertEqual(self.session_game(sg)["status"], "playing")  # nothing was played

    def test_refusals(self):
        for code, refusal, reason in (("ROLE", 2014, "role_rejected"), ("GONE", 2027, "room_closed")):
            with self.subTest(refusal=refusal):
                room = self.ecast.add_room(code)
                room.refuse = refusal
                sg = self.add_game(self.session["id"], self.games[6], room_code=code)
                self.assertEqual(self.feed.wait("room.disconnected", game=sg["id"])[0]["data"]["reason"], reason)

    def test_service_that_never_answers_gives_up(self):
        room = self.ecast.add_room("HANG")
        room.lookup = "hang"
        started = time.time()
        sg = self.add_game(self.session["id"], self.games[7], room_code="HANG")
        gone = self.feed.wait("room.disconnected", timeout=10)[0]
        self.assertEqual(gone["data"]["reason"], "connection_failed")
        self.assertLess(time.time() - started, 8)
        self.assertEqual(self.feed.of("room.connected", game=sg["id"]), [])

    def test_garbage_frames_change_nothing(self):
        room = self.ecast.add_room("JUNK")
        sg = self.add_game(self.session["id"], self.games[8], room_code="JUNK")
        self.feed.wait("room.connected")
        for junk in ("not json", "[]", "{}", '{"opcode":7}', '{"opcode":"client/welcome","result":{"id":"x"}}',
                     '{"opcode":"object","result":{"key":"room","val":[1]}}', "\u0000" * 1000,
                     '{"opcode":"client/connected","result":{"name":"NOID","role":"player"}}',
                     '{"opcode":"error","result":{"code":2420,"msg":"rate limit exceeded"}}',
                     json.dumps({"opcode": "object", "result": {"key": "room", "val": {"state": {"deep": [1] * 100}}}})):
            self.ecast.broadcast(room, junk)
        self.ecast.join(room, "ALICE")
        self.feed.wait("lobby.player-joined", player="ALICE")
        self.assertEqual(self.feed.of("room.disconnected", game=sg["id"]), [])
        self.assertEqual(self.server.get(self.sg_path(sg, "/status-live"))[2]["players"], ["ALICE"])

    # --- stop conditions --------------------------------------------------------------
    def test_stop_player_check_next_game_and_close(self):
        room = self.ecast.add_room("STOP")
        sg = self.add_game(self.session["id"], self.games[9], room_code="STOP")
        self.feed.wait("room.connected", game=sg["id"])
        status, _, body = self.server.post(self.sg_path(sg, "/stop-player-check"), token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.feed.wait("room.disconnected", game=sg["id"])[0]["data"]["reason"], "manually_stopped")
        wait_until(lambda: self.ecast.open_sockets(room) == 0)

        status, _, body = self.server.post(self.sg_path(sg, "/start-player-check"), token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sessionGame"]["player_check_active"], 1)
        self.feed.wait("room.connected", count=2, game=sg["id"])
        # Adding the next game stops this one.
        other = self.ecast.add_room("NEXT")
        sg2 = self.add_game(self.session["id"], self.games[10], room_code="NEXT")
        self.assertEqual(self.feed.wait("room.disconnected", count=2, game=sg["id"])[-1]["data"]["reason"],
                         "manually_stopped")
        self.feed.wait("room.connected", game=sg2["id"])
        # Closing the session stops the last one.
        status, _, body = self.server.post("/api/sessions/%d/close" % self.session["id"], token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.feed.wait("room.disconnected", game=sg2["id"])[0]["data"]["reason"], "manually_stopped")
        wait_until(lambda: self.ecast.open_sockets(other) == 0)
        self.assertEqual(self.session_game(sg2)["player_check_active"], 0)

    def test_room_code_set_on_the_playing_game_starts_it(self):
        self.ecast.add_room("LATE")
        sg = self.add_game(self.session["id"], self.games[11])
        time.sleep(0.2)
        self.assertEqual(self.feed.of("room.connected"), [])
        status, _, body = self.server.request("PATCH", self.sg_path(sg, "/room-code"), {"room_code": "LATE"},
                                              token=self.token)
        self.assertEqual((status, body["player_check_active"]), (200, 1), body)
        self.feed.wait("room.connected", game=sg["id"])
        status, _, body = self.server.request("PATCH", self.sg_path(sg, "/status"), {"status": "skipped"},
                                              token=self.token)
        self.assertEqual(status, 200, body)
        self.feed.wait("room.disconnected", game=sg["id"], reason="manually_stopped")


class RoomMonitorRestartTest(SessionMixin, ServerTestCase):
    """A monitor whose check was on comes back when the server starts again."""

    @classmethod
    def setUpClass(cls):
        cls.ecast = FakeEcast()
        cls.server_env = {"ECAST_URL": cls.ecast.url}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.ecast.stop()

    def test_resumed_after_restart(self):
        room = self.ecast.add_room("BACK")
        session = self.fresh_session()
        sg = self.add_game(session["id"], self.game_ids()[0], room_code="BACK")
        wait_until(lambda: len([d for _, _, d in events_after(self.server.db, 0) if d.get("gameId") == sg["id"]]) == 2)
        before = last_event_id(self.server.db)
        self.server.restart()  # graceful: the monitor closes without an event, its check stays on
        wait_until(lambda: len(events_after(self.server.db, before)) >= 2)
        self.ecast.join(room, "ALICE")
        wait_until(lambda: len(events_after(self.server.db, before)) >= 4)
        self.assertEqual([(t, d.get("gameId")) for t, _, d in events_after(self.server.db, before)],
                         [("room.connected", sg["id"]), ("player-count.updated", sg["id"]),
                          ("lobby.player-joined", sg["id"]), ("player-count.updated", sg["id"])])


class RoomMonitorCapTest(SessionMixin, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.ecast = FakeEcast()
        cls.server_env = {"ECAST_URL": cls.ecast.url, "MAX_ROOM_MONITORS": "1"}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.ecast.stop()

    def test_cap(self):
        self.ecast.add_room("ONEA")
        self.ecast.add_room("TWOB")
        session = self.fresh_session()
        games = self.game_ids()
        a = self.add_game(session["id"], games[0], room_code="ONEA")
        b = self.add_game(session["id"], games[1])  # stops a's monitor
        status, _, body = self.server.request("PATCH", "/api/sessions/%d/games/%d/room-code" % (session["id"], a["id"]),
                                              {"room_code": "ONEA"}, token=self.token)
        self.assertEqual(status, 200, body)
        base = "/api/sessions/%d/games/" % session["id"]
        self.assertEqual(self.server.post(base + "%d/start-player-check" % a["id"], token=self.token)[0], 200)
        self.assertEqual(self.server.post(base + "%d/start-player-check" % a["id"], token=self.token)[0], 200)  # running
        status, _, body = self.server.request("PATCH", base + "%d/room-code" % b["id"], {"room_code": "TWOB"},
                                              token=self.token)
        # Setting the code still works past the cap; the game is just not watched.
        self.assertEqual((status, body["player_check_active"]), (200, 0), body)
        self.assertError(self.server.post(base + "%d/start-player-check" % b["id"], token=self.token), 409)
        self.server.post(base + "%d/stop-player-check" % a["id"], token=self.token)
        self.assertEqual(self.server.post(base + "%d/start-player-check" % b["id"], token=self.token)[0], 200)


class RoomMonitorTlsTest(SessionMixin, ServerTestCase):
    """https look-up and wss watch, the certificate checked against the CAs OpenSSL
    trusts (SSL_CERT_FILE names a test CA here) and the host name (an IP SAN)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="gamepicker-tls-")
        cls.cert, key = os.path.join(cls.dir, "cert.pem"), os.path.join(cls.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cls.cert,
                        "-days", "1", "-subj", "/CN=fake ecast", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cls.cert, key)
        cls.ecast = FakeEcast(tls=context)
        cls.server_env = {"ECAST_URL": cls.ecast.url, "SSL_CERT_FILE": cls.cert, "ROOM_GIVE_UP_AFTER": "2"}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.ecast.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_wss_with_a_trusted_certificate(self):
        self.assertTrue(self.ecast.url.startswith("https://"))
        room = self.ecast.add_room("SAFE")
        session = self.fresh_session()
        feed = Feed(self.server, self.token, session["id"])
        try:
            self.add_game(session["id"], self.game_ids()[0], room_code="SAFE")
            feed.wait("room.connected")
            self.ecast.join(room, "ALICE")
            self.assertEqual(feed.wait("lobby.player-joined")[0]["data"]["players"], ["ALICE"])
        finally:
            feed.close()

    def test_untrusted_certificate_is_refused(self):
        self.ecast.add_room("TRAP")
        other = Server(env={"ECAST_URL": self.ecast.url, "ROOM_GIVE_UP_AFTER": "2"}).start()  # system CAs only
        try:
            token = other.login()
            status, _, session = other.post("/api/sessions", {}, token=token)
            self.assertEqual(status, 201, session)
            feed = Feed(other, token, session["id"])
            try:
                status, _, sg = other.post("/api/sessions/%d/games" % session["id"],
                                           {"game_id": self.game_ids()[0], "room_code": "TRAP"}, token=token)
                self.assertEqual(status, 201, sg)
                self.assertEqual(feed.wait("room.disconnected")[0]["data"]["reason"], "connection_failed")
                self.assertEqual(feed.of("room.connected"), [])
                self.assertNotIn("TRAP", self.ecast.lookups)  # no request got past the handshake
            finally:
                feed.close()
        finally:
            other.cleanup()


if __name__ == "__main__":
    unittest.main()
