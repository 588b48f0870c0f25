"""PostgreSQL: the event loop never waits for the database (issue 12). What the loop asks the
store itself (WebSocket replays, the history pruner, room monitor writes, the outbox catch-up)
runs on a connection of its own; a statement of it held inside the database (a lock a test
connection holds) leaves the loop answering: /health, the API, WebSocket pings and the live feed.
Once the lock is gone the replay completes, in id order, before any newer live event, each
event once."""
import asyncio
import json
import time
import unittest

import psycopg2

from fake_ecast import FakeEcast
from harness import FeedClientMixin, Server, db_query, wait_for_lock_waiter, wait_until
from test_rooms import Feed

STORES = ("postgres",)

TIMEOUT = 20
PROMPT = 2.0  # seconds: an answer that took longer waited for the blocked statement


class LoopOffTheDatabaseTest(FeedClientMixin, unittest.TestCase):
    def start(self, env=None):
        self.server = Server(env=env).start()
        self.addCleanup(self.server.cleanup)
        self.token = self.server.login()

    def post(self, path, body=None):
        status, _, reply = self.server.post(path, body, token=self.token)
        self.assertIn(status, (200, 201), reply)
        return reply

    def add_games(self, session_id, count):
        game_ids = [g["id"] for g in self.server.get("/api/games")[2]]
        for i in range(count):
            self.post("/api/sessions/%d/games" % session_id, {"game_id": game_ids[i % len(game_ids)]})

    def session_events(self, session_id):
        return [(row[0], row[1]) for row in db_query(
            self.server.db, "SELECT id, type FROM events WHERE session_id = %s ORDER BY id" % session_id)]

    def wait_for_blocked(self, query_start):
        wait_for_lock_waiter(self.server.db, query_start, timeout=TIMEOUT)


    async def ping(self, ws):
        await ws.send(json.dumps({"type": "ping"}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), PROMPT))
            if message["type"] == "pong":
                return

    async def answers_promptly(self, *feeds):
        started = time.monotonic()
        for path in ("/health", "/api/games", "/api/sessions"):
            status, _, _ = await asyncio.to_thread(self.server.get, path, timeout=PROMPT)
            self.assertEqual(status, 200, path)
        for ws in feeds:
            await self.ping(ws)
        self.assertLess(time.monotonic() - started, PROMPT * 3)

    async def no_more(self, ws):
        with self.assertRaises(asyncio.TimeoutError):
            await self.events(ws, 1, timeout=0.5)

    def test_a_replay_waiting_in_the_database_leaves_the_loop_answering(self):
        self.start()
        session = self.post("/api/sessions", {"notes": "replay"})
        self.add_games(session["id"], 5)
        stored = self.session_events(session["id"])
        self.assertEqual(len(stored), 6)

        lock = psycopg2.connect(self.server.db)
        self.addCleanup(lock.close)
        lock.cursor().execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")  # until the rollback below

        async def run():
            watcher = await self.feed()
            replaying = await self.feed(session["id"], since=0)
            # Its outbox read waits for the lock, the loop does not.
            await asyncio.to_thread(self.wait_for_blocked, "SELECT id, type, session_id, timestamp, data FROM events")
            await self.answers_promptly(watcher, replaying)
            lock.rollback()
            replayed = await self.events(replaying, len(stored))
            # Then live: a newer event once, after the replay.
            await asyncio.to_thread(self.add_games, session["id"], 1)
            live = await self.events(replaying, 1)
            await self.no_more(replaying)
            for ws in (watcher, replaying):
                await ws.close()
            return replayed, live

        replayed, live = asyncio.run(run())
        self.assertEqual(replayed, stored)
        self.assertEqual(live, self.session_events(session["id"])[len(stored):])

    def test_the_pruner_waiting_in_the_database_leaves_the_loop_and_the_live_feed_going(self):
        # The pruner runs every second; its DELETE waits for a finished delivery the test locks.
        self.start(env={"WEBHOOK_LOG_RETENTION": "1s"})
        hook = self.post("/api/webhooks", {"name": "old", "url": "http://127.0.0.1:9/hook", "secret": "s",
                                           "events": ["session.ended"]})
        lock = psycopg2.connect(self.server.db)
        self.addCleanup(lock.close)
        cur = lock.cursor()
        cur.execute("INSERT INTO webhook_deliveries (webhook_id, event_type, body, status, attempts, created_at) "
                    "VALUES (%s, 'session.ended', '{}', 'delivered', 1, 1000) RETURNING id", (hook["id"],))
        delivery = cur.fetchone()[0]
        lock.commit()
        cur.execute("SELECT 1 FROM webhook_deliveries WHERE id = %s FOR UPDATE", (delivery,))
        self.wait_for_blocked("DELETE FROM webhook_deliveries")

        session = self.post("/api/sessions", {"notes": "pruner"})
        self.add_games(session["id"], 3)
        before = self.session_events(session["id"])

        async def run():
            live = await self.feed(session["id"])
            # A replay queued behind the waiting pruner, while newer events go live meanwhile.
            replaying = await self.feed(session["id"], since=0)
            await self.answers_promptly(live, replaying)
            # An id rolled back: the next event comes after a gap, and the outbox is read (on a
            # connection of its own, not behind the pruner).
            gap = psycopg2.connect(self.server.db)
            gap.cursor().execute("INSERT INTO events (type, timestamp, data) VALUES ('test.rolled-back', 0, '{}')")
            gap.rollback()
            gap.close()
            await asyncio.to_thread(self.add_games, session["id"], 3)
            live_events = await self.events(live, 3, timeout=PROMPT * 3)
            lock.rollback()
            replayed = await self.events(replaying, len(before) + 3)
            for ws in (live, replaying):
                await self.no_more(ws)
                await ws.close()
            return live_events, replayed

        live_events, replayed = asyncio.run(run())
        stored = self.session_events(session["id"])
        self.assertEqual(live_events, stored[len(before):])
        self.assertEqual(replayed, stored)
        wait_until(lambda: db_query(self.server.db, "SELECT count(*) FROM webhook_deliveries WHERE id = %s"
                                    % delivery)[0][0] == 0, timeout=TIMEOUT)

    def test_room_monitor_writes_waiting_in_the_database_leave_the_loop_answering(self):
        ecast = FakeEcast()
        self.addCleanup(ecast.stop)
        self.start(env={"ECAST_URL": ecast.url})
        session = self.post("/api/sessions", {"notes": "room"})
        feed = Feed(self.server, self.token, session["id"])
        self.addCleanup(feed.close)
        room = ecast.add_room("ABCD")
        game_id = self.server.get("/api/games")[2][0]["id"]
        sg = self.post("/api/sessions/%d/games" % session["id"], {"game_id": game_id, "room_code": "abcd"})
        feed.wait("room.connected", timeout=TIMEOUT)
        status_rows = "SELECT count(*) FROM room_status WHERE session_game_id = %d" % sg["id"]
        wait_until(lambda: db_query(self.server.db, status_rows)[0][0] == 1, timeout=TIMEOUT)

        lock = psycopg2.connect(self.server.db)
        self.addCleanup(lock.close)
        lock.cursor().execute("SELECT 1 FROM room_status WHERE session_game_id = %s FOR UPDATE", (sg["id"],))
        ecast.join(room, "ALICE")
        # The join's event is stored, then its status write waits for the lock.
        self.wait_for_blocked("INSERT INTO room_status")
        feed.wait("lobby.player-joined", player="ALICE", timeout=TIMEOUT)
        ecast.join(room, "BOB")  # its writes wait behind, in order

        async def meanwhile():
            ws = await self.feed()
            await self.answers_promptly(ws)
            path = "/api/sessions/%d/games/%d/status-live" % (session["id"], sg["id"])
            status, _, live = await asyncio.to_thread(self.server.get, path, timeout=PROMPT)
            await ws.close()
            return status, live

        status, live = asyncio.run(meanwhile())
        self.assertEqual(status, 200, live)
        self.assertEqual(live["roomCode"], "ABCD")
        self.assertEqual([e["data"]["player"] for e in feed.of("lobby.player-joined")], ["ALICE"])

        lock.rollback()
        feed.wait("lobby.player-joined", player="BOB", timeout=TIMEOUT)
        ids = [e["id"] for e in feed.of()]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(ids), len(set(ids)))
        wait_until(lambda: self.server.get("/api/sessions/%d/games" % session["id"])[2][0]["player_count"] == 2,
                   timeout=TIMEOUT)


if __name__ == "__main__":
    unittest.main()
