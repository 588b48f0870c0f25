"""The live feed at /api/sessions/live: protocol, audiences, event shapes, limits,
liveness, token expiry, resume. Real binary, real sockets (python3-websockets 10.4,
asyncio API), plus a hand-made raw WebSocket client where a client has to
misbehave (never read, never answer pings).

Events are queued to every connection before the REST call that caused them
returns, so after a REST call, Client.drain() (a ping, then everything up to its
pong) returns exactly what a client got: "received nothing" is checked exactly,
without sleeping."""
import asyncio
import base64
import datetime
import hashlib
import hmac
import json
import re
import socket
import struct
import time
import unittest

import websockets

from harness import JWT_SECRET, RawWebSocket, ServerTestCase

TIMEOUT = 5
AUTH_OK = {"type": "auth_success", "message": "Authenticated successfully"}
PONG = {"type": "pong"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(expires_in, secret=JWT_SECRET):
    """An HS256 admin token like the server's, expiring `expires_in` seconds from now."""
    now = int(time.time())
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"role": "admin", "timestamp": now * 1000, "iat": now,
                                "exp": now + expires_in}).encode())
    signature = hmac.new(secret.encode(), (header + "." + claims).encode(), hashlib.sha256).digest()
    return header + "." + claims + "." + b64url(signature)


async def eventually(predicate, timeout=TIMEOUT):
    """harness.wait_until for async tests: the event loop keeps running meanwhile."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %ss" % timeout)
        await asyncio.sleep(0.02)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Client:
    """A well-behaved client: websockets answers the server's ping frames itself."""

    def __init__(self, ws):
        self.ws = ws

    @classmethod
    async def connect(cls, server, **kw):
        kw.setdefault("ping_interval", None)  # no client pings: the server's are what is tested
        return cls(await websockets.connect(server.ws_url(), **kw))

    async def send(self, message):
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def recv(self, timeout=TIMEOUT):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def ask(self, message):
        await self.send(message)
        return await self.recv()

    async def auth(self, token):
        reply = await self.ask({"type": "auth", "token": token})
        assert reply == AUTH_OK, reply

    async def subscribe(self, session_id, **extra):
        reply = await self.ask(dict({"type": "subscribe", "sessionId": session_id}, **extra))
        assert reply == {"type": "subscribed", "sessionId": session_id,
                         "message": "Subscribed to session %d" % session_id}, reply

    async def drain(self):
        """Every message queued for this client so far (up to the pong of a fresh ping)."""
        await self.send({"type": "ping"})
        got = []
        while True:
            message = await self.recv()
            if message == PONG:
                return got
            got.append(message)

    async def close(self):
        await self.ws.close()


class FeedTestCase(ServerTestCase, unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for c in self.clients:
            await c.close()

    async def client(self, token=None):
        c = await Client.connect(self.server)
        self.clients.append(c)
        if token:
            await c.auth(token)
        return c

    async def api(self, method, path, body=None, expect=(200, 201)):
        status, _, data = await asyncio.to_thread(self.server.request, method, path, body=body, token=self.token)
        self.assertIn(status, expect, data)
        return data

    async def close_active_session(self):
        active = await self.api("GET", "/api/sessions/active")
        if active.get("id"):
            await self.api("POST", "/api/sessions/%d/close" % active["id"], {})

    async def new_session(self, notes=None):
        """Creates a session, closing the one an earlier test left active."""
        await self.close_active_session()
        return await self.api("POST", "/api/sessions", {"notes": notes}, expect=(201,))

    async def add_game(self, session_id, game_id=1):
        return await self.api("POST", "/api/sessions/%d/games" % session_id, {"game_id": game_id})

    async def set_player_count(self, session_id, session_game_id, count):
        return await self.api("PATCH", "/api/sessions/%d/games/%d/player-count" % (session_id, session_game_id),
                              {"player_count": count})

    def assertEnvelope(self, event, type_):
        self.assertEqual(set(event), {"type", "timestamp", "data", "id"}, event)
        self.assertEqual(event["type"], type_)
        self.assertRegex(event["timestamp"], ISO)
        self.assertIsInstance(event["id"], int)
        self.assertGreater(event["id"], 0)

    def assertSameJson(self, got, want):
        """Equal, and with the same JSON types (1 is not true here)."""
        self.assertEqual(json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True))


class ProtocolTest(FeedTestCase):
    async def test_ping_pong_before_and_after_auth(self):
        c = await self.client()
        self.assertEqual(await c.ask({"type": "ping"}), PONG)
        await c.auth(self.token)
        self.assertEqual(await c.ask({"type": "ping"}), PONG)
        await c.send(b'{"type":"ping"}')  # a binary frame holding JSON is read the same way
        self.assertEqual(await c.recv(), PONG)

    async def test_auth_replies(self):
        c = await self.client()
        required = {"type": "auth_error", "message": "Token required"}
        invalid = {"type": "auth_error", "message": "Invalid or expired token"}
        self.assertEqual(await c.ask({"type": "auth"}), required)
        self.assertEqual(await c.ask({"type": "auth", "token": ""}), required)
        self.assertEqual(await c.ask({"type": "auth", "token": None}), required)
        self.assertEqual(await c.ask({"type": "auth", "token": 42}), invalid)
        self.assertEqual(await c.ask({"type": "auth", "token": "garbage"}), invalid)
        self.assertEqual(await c.ask({"type": "auth", "token": make_token(-10)}), invalid)
        self.assertEqual(await c.ask({"type": "auth", "token": make_token(3600, secret="another-secret")}), invalid)
        # Still unauthenticated after all of that.
        self.assertEqual(await c.ask({"type": "subscribe", "sessionId": 1}),
                         {"type": "error", "message": "Not authenticated"})
        self.assertEqual(await c.ask({"type": "auth", "token": self.token}), AUTH_OK)
        # A failed attempt later does not undo a valid authentication.
        self.assertEqual(await c.ask({"type": "auth", "token": "garbage"}), invalid)
        await c.subscribe(1)

    async def test_subscribe_and_unsubscribe_replies(self):
        c = await self.client()
        not_auth = {"type": "error", "message": "Not authenticated"}
        self.assertEqual(await c.ask({"type": "subscribe", "sessionId": 3}), not_auth)
        self.assertEqual(await c.ask({"type": "unsubscribe", "sessionId": 3}), not_auth)
        self.assertEqual(await c.ask({"type": "subscribe"}), not_auth)  # authentication is checked first
        await c.auth(self.token)
        self.assertEqual(await c.ask({"type": "subscribe", "sessionId": 3}),
                         {"type": "subscribed", "sessionId": 3, "message": "Subscribed to session 3"})
        self.assertEqual(await c.ask({"type": "subscribe", "sessionId": 3}),  # again: same reply, no change
                         {"type": "subscribed", "sessionId": 3, "message": "Subscribed to session 3"})
        self.assertEqual(await c.ask({"type": "unsubscribe", "sessionId": 3}),
                         {"type": "unsubscribed", "sessionId": 3, "message": "Unsubscribed from session 3"})
        self.assertEqual(await c.ask({"type": "unsubscribe", "sessionId": 77}),  # never subscribed: harmless
                         {"type": "unsubscribed", "sessionId": 77, "message": "Unsubscribed from session 77"})
        # A session that does not exist (yet) may be subscribed to.
        await c.subscribe(987654321)

    async def test_bad_messages_get_errors_and_the_connection_survives(self):
        session = await self.new_session()
        c = await self.client(self.token)
        await c.subscribe(session["id"])
        required = {"type": "error", "message": "sessionId is required"}
        positive = {"type": "error", "message": "sessionId must be a positive integer"}
        cases = [
            ("{not json", {"type": "error", "message": "Invalid JSON"}),
            ("", {"type": "error", "message": "Invalid JSON"}),
            ("[1, 2]", {"type": "error", "message": "Message must be a JSON object"}),
            ('"ping"', {"type": "error", "message": "Message must be a JSON object"}),
            ({}, {"type": "error", "message": "Message type is required"}),
            ({"type": 7}, {"type": "error", "message": "Message type is required"}),
            ({"type": "dance"}, {"type": "error", "message": "Unknown message type: dance"}),
            ({"type": "poll.leading"}, {"type": "error", "message": "Unknown message type: poll.leading"}),
            ({"type": "subscribe"}, required),
            ({"type": "subscribe", "sessionId": None}, required),
            ({"type": "unsubscribe"}, required),
            ({"type": "subscribe", "sessionId": 0}, positive),
            ({"type": "subscribe", "sessionId": -4}, positive),
            ({"type": "subscribe", "sessionId": 2.5}, positive),
            ({"type": "subscribe", "sessionId": "3"}, positive),
            ({"type": "subscribe", "sessionId": 10 ** 30}, positive),
            ({"type": "unsubscribe", "sessionId": [1]}, positive),
            ({"type": "subscribe", "sessionId": 5, "since": -1},
             {"type": "error", "message": "since must be a non-negative integer (an event id)"}),
            ({"type": "subscribe", "sessionId": 5, "since": "12"},
             {"type": "error", "message": "since must be a non-negative integer (an event id)"}),
            ('{"type":"subscribe","sessionId":"\u00e9\'; DROP TABLE events;--"}', positive),
        ]
        for message, reply in cases:
            self.assertEqual(await c.ask(message), reply, message)
        # Still open, still authenticated, still subscribed.
        sg = await self.add_game(session["id"])
        events = await c.drain()
        self.assertEqual([e["type"] for e in events], ["game.added"])
        self.assertEqual(events[0]["data"]["game"]["id"], sg["game_id"])

    async def test_each_event_reaches_exactly_its_audience_with_the_documented_data(self):
        anonymous = await self.client()
        lobby = await self.client(self.token)          # authenticated, no subscription
        fan = await self.client(self.token)            # subscribes to the new session
        elsewhere = await self.client(self.token)      # subscribed to another session
        await elsewhere.subscribe(424242)
        await anonymous.send({"type": "subscribe", "sessionId": 1})  # refused: stays without events
        self.assertEqual((await anonymous.recv())["message"], "Not authenticated")

        notes = "Friday \u2728 'quoted' \"night\"; DROP TABLE sessions;--"
        session = await self.new_session(notes)
        sid = session["id"]
        started = None
        for c in (lobby, fan, elsewhere):
            events = await c.drain()
            self.assertEqual(len(events), 1, events)
            self.assertEnvelope(events[0], "session.started")
            self.assertSameJson(events[0]["data"], {"session": {"id": sid, "is_active": 1,
                                                                "created_at": session["created_at"],
                                                                "notes": notes}})
            if started:
                self.assertEqual(events[0], started)  # one serialisation, identical everywhere
            started = events[0]
        self.assertEqual(await anonymous.drain(), [])

        await fan.subscribe(sid)
        game = await self.api("GET", "/api/games/2")
        sg = await self.add_game(sid, 2)
        await self.set_player_count(sid, sg["id"], 6)
        vote_time = now_iso()
        await self.api("POST", "/api/votes/live", {"username": "alice \u00e9", "vote": "up", "timestamp": vote_time})
        await self.api("POST", "/api/sessions/%d/close" % sid, {})

        events = await fan.drain()
        self.assertEqual([e["type"] for e in events],
                         ["game.added", "player-count.updated", "vote.received", "session.ended"])
        for e in events:
            self.assertEnvelope(e, e["type"])
        ids = [started["id"]] + [e["id"] for e in events]
        self.assertEqual(ids, sorted(set(ids)), "ids increase")
        added, count, vote, ended = (e["data"] for e in events)
        self.assertSameJson(added, {
            "session": {"id": sid, "is_active": True, "games_played": 1},
            "game": {"id": 2, "title": game["title"], "pack_name": game["pack_name"],
                     "min_players": game["min_players"], "max_players": game["max_players"],
                     "manually_added": False}})
        self.assertSameJson(count, {"sessionId": sid, "gameId": sg["id"], "playerCount": 6, "status": "completed"})
        self.assertSameJson(vote, {
            "sessionId": sid, "game": {"id": 2, "title": game["title"], "pack_name": game["pack_name"]},
            "vote": {"username": "alice \u00e9", "type": "up", "timestamp": vote_time},
            "totals": {"upvotes": game["upvotes"] + 1, "downvotes": game["downvotes"],
                       "popularity_score": game["popularity_score"] + 1}})
        self.assertSameJson(ended, {"session": {"id": sid, "is_active": 0, "games_played": 1}})

        for c in (anonymous, lobby, elsewhere):
            self.assertEqual(await c.drain(), [])

    async def test_unsubscribe_stops_events(self):
        c = await self.client(self.token)
        sid = (await self.new_session())["id"]
        await c.drain()
        await c.subscribe(sid)
        await self.add_game(sid)
        self.assertEqual(len(await c.drain()), 1)
        await c.ask({"type": "unsubscribe", "sessionId": sid})
        await self.add_game(sid, 3)
        self.assertEqual(await c.drain(), [])

    async def test_token_expiry_stops_events_until_reauth(self):
        sid = (await self.new_session())["id"]
        steady = await self.client(self.token)
        await steady.subscribe(sid)
        short = await self.client(make_token(3))
        await short.subscribe(sid)
        await self.add_game(sid)
        self.assertEqual(len(await short.drain()), 1)

        self.assertEqual(await short.recv(timeout=4), {"type": "auth_error", "message": "Token expired"})
        await self.add_game(sid, 3)
        self.assertEqual(await short.drain(), [])
        self.assertEqual(await short.ask({"type": "subscribe", "sessionId": sid}),
                         {"type": "error", "message": "Not authenticated"})
        self.assertEqual(len(await steady.drain()), 2)  # only that connection was affected

        await short.auth(self.token)
        await short.subscribe(sid)
        await self.add_game(sid, 4)
        self.assertEqual([e["data"]["game"]["id"] for e in await short.drain()], [4])

    async def test_reauth_extends_the_token(self):
        c = await self.client(make_token(2))
        await c.auth(self.token)  # replaces the short token before it expires
        await asyncio.sleep(2.5)
        sid = (await self.new_session())["id"]
        self.assertEqual([e["data"]["session"]["id"] for e in await c.drain()], [sid])

    async def test_resume_after_reconnect_has_no_gap_and_no_duplicate(self):
        sid = (await self.new_session())["id"]
        watcher = await self.client(self.token)  # stays connected throughout: the reference
        await watcher.subscribe(sid)
        first = await self.client(self.token)
        await first.subscribe(sid)
        sg = await self.add_game(sid)
        await self.set_player_count(sid, sg["id"], 3)
        seen = await first.drain()
        self.assertEqual(len(seen), 2)
        await first.close()

        # Missed while disconnected.
        await self.set_player_count(sid, sg["id"], 4)
        await self.add_game(sid, 5)
        await self.api("POST", "/api/votes/live", {"username": "bob", "vote": "down", "timestamp": now_iso()})

        again = await self.client(self.token)
        await again.subscribe(sid, since=seen[-1]["id"])
        replayed = [await again.recv() for _ in range(3)]
        await self.add_game(sid, 6)  # live again
        live = await again.drain()

        reference = await watcher.drain()
        self.assertEqual(seen, reference[:2])
        self.assertEqual(replayed, reference[2:5])
        self.assertEqual(live, reference[5:])
        self.assertEqual([e["type"] for e in replayed + live],
                         ["player-count.updated", "game.added", "vote.received", "game.added"])

        # since=0 replays the whole session, session.started included; a since past
        # the end replays nothing. (On PostgreSQL the replay is read off the event loop: a
        # ping sent meanwhile may be answered first.)
        everything = await self.client(self.token)
        await everything.subscribe(sid, since=0)
        got = [await everything.recv() for _ in range(len(reference) + 1)]
        self.assertEqual(got[0]["type"], "session.started")
        self.assertEqual(got[1:], reference)
        self.assertEqual(await everything.drain(), [])
        late = await self.client(self.token)
        await late.subscribe(sid, since=reference[-1]["id"] + 1000)
        self.assertEqual(await late.drain(), [])
        await self.add_game(sid, 7)
        self.assertEqual((await late.recv())["type"], "game.added")
        self.assertEqual(await late.drain(), [])


class FramingTest(FeedTestCase):
    """The feed's own WebSocket framing, byte for byte with a raw client."""

    def raw(self):
        ws = RawWebSocket(self.server.port)
        self.addCleanup(ws.close)
        return ws

    def read_close(self, ws):
        """The close frame's code, after which the server closes the TCP connection."""
        while True:
            opcode, payload = ws.read_frame()
            if opcode == 0x8:
                break
        code = struct.unpack("!H", payload[:2])[0] if payload else None
        with self.assertRaises(EOFError):
            ws.read_frame()
        return code

    async def test_fragments_and_control_frames(self):
        ws = self.raw()
        # A message in three fragments with a ping frame between two of them: the pong
        # frame echoes the ping's payload, then the reassembled message is answered.
        ws.send_frame(0x1, b'{"type":', fin=False)
        ws.send_frame(0x9, b"are you there")
        ws.send_frame(0x0, b'"pi', fin=False)
        ws.send_frame(0x0, b'ng"}')
        self.assertEqual(ws.read_frame(), (0xA, b"are you there"))
        opcode, payload = ws.read_frame()
        self.assertEqual((opcode, json.loads(payload)), (0x1, PONG))
        # An unsolicited pong frame is fine; a binary message is read like a text one.
        ws.send_frame(0xA, b"")
        ws.send_frame(0x2, b'{"type":"ping"}')
        opcode, payload = ws.read_frame()
        self.assertEqual((opcode, json.loads(payload)), (0x1, PONG))

    async def test_events_are_unmasked_text_frames_of_the_envelope(self):
        sid = (await self.new_session())["id"]
        ws = self.raw()
        ws.send_text(json.dumps({"type": "auth", "token": self.token}))
        self.assertEqual(json.loads(ws.read_frame()[1]), AUTH_OK)
        ws.send_text(json.dumps({"type": "subscribe", "sessionId": sid}))
        self.assertEqual(json.loads(ws.read_frame()[1])["type"], "subscribed")
        await self.add_game(sid)
        # read_frame would reject a masked frame's extra 4 bytes as JSON garbage.
        opcode, payload = ws.read_frame()
        self.assertEqual(opcode, 0x1)
        self.assertEqual(json.loads(payload)["type"], "game.added")

    async def test_client_close_is_answered_with_its_code(self):
        ws = self.raw()
        ws.send_frame(0x8, struct.pack("!H", 1000) + b"bye")
        self.assertEqual(self.read_close(ws), 1000)
        ws = self.raw()
        ws.send_frame(0x8, b"")
        self.assertIsNone(self.read_close(ws))

    async def test_protocol_violations_close_with_1002(self):
        for send in (lambda ws: ws.send_frame(0x1, b'{"type":"ping"}', masked=False),  # clients must mask
                     lambda ws: ws.send_frame(0x3, b"x"),                                # unknown opcode
                     lambda ws: ws.send_frame(0x9, b"x", fin=False),                     # fragmented control frame
                     lambda ws: ws.send_frame(0x0, b"x"),                                # continuation of nothing
                     lambda ws: ws.send_frame(0x8, struct.pack("!H", 1005))):            # a code never sent
            ws = self.raw()
            send(ws)
            self.assertEqual(self.read_close(ws), 1002)

    async def test_text_that_is_not_utf8_closes_with_1007(self):
        ws = self.raw()
        ws.send_text(b'{"type":"\xff"}')
        self.assertEqual(self.read_close(ws), 1007)


class SmallQueueTest(FeedTestCase):
    server_env = {"WS_SEND_QUEUE": "8"}

    async def test_slow_reader_is_closed_and_others_get_every_event_promptly(self):
        await self.close_active_session()
        good = await self.client(self.token)
        received = []  # (arrival time, event)

        async def collect():
            async for text in good.ws:
                received.append((time.monotonic(), json.loads(text)))

        collector = asyncio.create_task(collect())
        # Authenticated, so it is owed every session.started, but it never reads;
        # a small receive buffer makes the kernel stop taking data early.
        slow = RawWebSocket(self.server.port, rcvbuf=4096)
        slow.send_text(json.dumps({"type": "auth", "token": self.token}))
        notes = "n" * 9000  # each session.started is ~9 KB

        def burst():
            sent = []  # (session id, time the creating request was sent)
            overflowed_at = None
            for i in range(1000):
                t0 = time.monotonic()
                status, _, s = self.server.post("/api/sessions", {"notes": notes}, token=self.token)
                assert status == 201, s
                sent.append((s["id"], t0))
                self.server.post("/api/sessions/%d/close" % s["id"], {}, token=self.token)
                if overflowed_at is None and any("send queue full" in line for line in self.server.log_lines):
                    overflowed_at = i
                if overflowed_at is not None and i >= overflowed_at + 5:
                    return sent
            raise AssertionError("the slow client was never closed")

        try:
            sent = await asyncio.to_thread(burst)
        finally:
            # Reading now, within the close grace, shows what the slow client was told.
            frames = []

            def read_all():
                try:
                    while not frames or frames[-1][0] != 0x8:
                        frames.append(slow.read_frame())
                except (EOFError, ConnectionResetError, socket.timeout):
                    pass
            await asyncio.to_thread(read_all)
            slow.close()

        close_frames = [payload for opcode, payload in frames if opcode == 0x8]
        self.assertEqual(len(close_frames), 1, [op for op, _ in frames][-5:])
        self.assertEqual(struct.unpack("!H", close_frames[0][:2])[0], 1008)
        self.assertIn(b"too slow", close_frames[0][2:])
        self.server.wait_for_log(lambda line: "send queue full" in line and "level=warn" in line)

        want = [sid for sid, _ in sent]
        await eventually(lambda: len([e for _, e in received if e["type"] == "session.started"]) >= len(want))
        collector.cancel()
        arrivals = {e["data"]["session"]["id"]: t for t, e in received if e["type"] == "session.started"}
        self.assertEqual(sorted(arrivals), want)
        latencies = [arrivals[sid] - t0 for sid, t0 in sent]
        self.assertLess(max(latencies), 1.0, "slowest delivery to the good client: %.3f s" % max(latencies))

    async def test_paced_replay_interleaved_with_live_events(self):
        """The replay is read from the outbox a few events at a time (the queue is 8);
        live events published meanwhile must neither be lost nor duplicated."""
        sid = (await self.new_session())["id"]
        watcher = await self.client(self.token)
        await watcher.subscribe(sid)
        sg = await self.add_game(sid)
        for n in range(1, 31):
            await self.set_player_count(sid, sg["id"], n)

        late = await self.client(self.token)
        got = []

        async def collect():
            while True:
                got.append(await late.recv())

        await late.subscribe(sid, since=0)
        collector = asyncio.create_task(collect())
        for n in range(31, 61):
            await self.set_player_count(sid, sg["id"], n)
        reference = await watcher.drain()
        await eventually(lambda: len(got) >= len(reference) + 1)
        await asyncio.sleep(0.2)
        collector.cancel()
        self.assertEqual(got[0]["type"], "session.started")
        self.assertEqual(got[1:], reference)
        self.assertEqual([e["data"]["playerCount"] for e in got[2:]], list(range(1, 61)))


class LimitsTest(FeedTestCase):
    server_env = {"WS_MAX_MESSAGE": "1024", "WS_MAX_SUBSCRIPTIONS": "3"}

    async def test_message_size_limit_closes_with_1009(self):
        c = await self.client()
        base = '{"type":"ping","pad":""}'
        exactly = base.replace('""', '"' + "x" * (1024 - len(base)) + '"')
        self.assertEqual(len(exactly), 1024)
        self.assertEqual(await c.ask(exactly), PONG)
        await c.send(exactly[:-2] + 'x"}')
        with self.assertRaises(websockets.ConnectionClosed):
            await c.recv()
        self.assertEqual(c.ws.close_code, 1009)

    async def test_subscription_limit(self):
        c = await self.client(self.token)
        for sid in (1, 2, 3):
            await c.subscribe(sid)
        too_many = {"type": "error", "message": "Too many subscriptions (at most 3 per connection)"}
        self.assertEqual(await c.ask({"type": "subscribe", "sessionId": 4}), too_many)
        self.assertEqual(await c.ask({"type": "subscribe", "sessionId": 5, "since": 0}), too_many)
        await c.subscribe(2)  # already subscribed: fine
        await c.ask({"type": "unsubscribe", "sessionId": 1})
        await c.subscribe(4)
        self.assertEqual(await c.ask({"type": "ping"}), PONG)


class ConnectionLimitTest(FeedTestCase):
    server_env = {"WS_MAX_CONNECTIONS": "2"}

    async def test_connections_past_the_limit_are_closed_with_1013(self):
        a = await self.client()
        b = await self.client()
        refused = await self.client()
        with self.assertRaises(websockets.ConnectionClosed):
            await refused.recv()
        self.assertEqual(refused.ws.close_code, 1013)
        self.assertEqual(refused.ws.close_reason, "Too many connections")
        self.server.wait_for_log(lambda line: "too many connections" in line)
        for c in (a, b):
            self.assertEqual(await c.ask({"type": "ping"}), PONG)
        await a.close()

        async def admitted():
            c = await self.client()
            try:
                return await c.ask({"type": "ping"}) == PONG
            except websockets.ConnectionClosed:
                return False
        for _ in range(50):
            if await admitted():
                break
            await asyncio.sleep(0.1)
        else:
            self.fail("a freed slot was never reused")


class ShutdownTest(FeedTestCase):
    async def test_sigterm_closes_clients_with_1001(self):
        c = await self.client(self.token)
        self.server.proc.terminate()
        with self.assertRaises(websockets.ConnectionClosed):
            await c.recv()
        self.assertEqual(c.ws.close_code, 1001)
        self.assertEqual(c.ws.close_reason, "Server shutting down")
        await asyncio.to_thread(self.server.proc.wait, 10)
        self.assertEqual(self.server.proc.returncode, 0)


class IdleTest(FeedTestCase):
    server_env = {"WS_IDLE_TIMEOUT": "2"}

    async def test_silent_connection_is_pinged_then_closed(self):
        responsive = await self.client(self.token)  # answers ping frames (websockets does)
        opened = time.monotonic()
        silent = RawWebSocket(self.server.port)

        def watch():
            """Frames until the server drops the connection, with arrival times."""
            frames = []
            try:
                while True:
                    opcode, _ = silent.read_frame()
                    frames.append((opcode, time.monotonic() - opened))
            except (EOFError, ConnectionResetError):
                return frames, time.monotonic() - opened

        frames, closed_after = await asyncio.to_thread(watch)
        silent.close()
        pings = [t for opcode, t in frames if opcode == 0x9]
        self.assertTrue(pings, frames)
        self.assertGreater(pings[0], 0.7)
        self.assertLess(pings[0], closed_after)
        self.assertGreater(closed_after, 1.5)
        self.assertLess(closed_after, 3.5)
        # The client that answered the pings is still there.
        self.assertEqual(await responsive.ask({"type": "ping"}), PONG)
        self.assertIsNone(responsive.ws.close_code)


if __name__ == "__main__":
    unittest.main()
