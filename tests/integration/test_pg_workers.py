"""PostgreSQL: API requests run on request workers, each with its own connection, never on the
event loop (issue 12). A request held inside the database (waiting for a row lock a test
connection holds) leaves the rest of the server answering: other requests, the WebSocket feed;
concurrent writers all succeed and the feed delivers each event once, in id order."""
import asyncio
import datetime
import signal
import threading
import time
import unittest

import psycopg2

from harness import FeedClientMixin, Server, db_query, pg_lock_waiters, wait_for_lock_waiter

STORES = ("postgres",)

TIMEOUT = 20
PROMPT = 2.0  # seconds: an answer that took longer waited for the blocked request


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestWorkersTest(FeedClientMixin, unittest.TestCase):
    def setUp(self):
        self.server = Server().start()
        self.addCleanup(self.server.cleanup)
        self.token = self.server.login()

    def post(self, path, body=None, expect=(200, 201)):
        status, _, reply = self.server.post(path, body, token=self.token)
        self.assertIn(status, expect, reply)
        return reply


    def test_a_request_waiting_in_the_database_leaves_the_others_answered(self):
        lock = psycopg2.connect(self.server.db)
        self.addCleanup(lock.close)
        cur = lock.cursor()
        cur.execute("SELECT enabled FROM games WHERE id = 1 FOR UPDATE")  # held until the rollback below
        self.assertEqual(cur.fetchone()[0], 1)

        blocked = {}

        def toggle():
            blocked["reply"] = self.server.request("PATCH", "/api/games/1/toggle", token=self.token, timeout=60)

        writer = threading.Thread(target=toggle)
        writer.start()
        self.addCleanup(writer.join, 60)
        wait_for_lock_waiter(self.server.db, "UPDATE games", timeout=TIMEOUT)

        async def meanwhile():
            ws = await self.feed()
            started = time.monotonic()
            for path in ("/health", "/api/games", "/api/sessions", "/api/games/2"):
                status, _, _ = await asyncio.to_thread(self.server.get, path, timeout=PROMPT * 5)
                self.assertEqual(status, 200, path)
            session = await asyncio.to_thread(self.post, "/api/sessions", {"notes": "while blocked"})
            # The write's event reaches the feed while the other request still waits.
            self.assertEqual([t for _, t in await self.events(ws, 1, timeout=PROMPT * 5)], ["session.started"])
            elapsed = time.monotonic() - started
            await ws.close()
            return session, elapsed

        session, elapsed = asyncio.run(meanwhile())
        self.assertLess(elapsed, PROMPT * 5)
        self.assertNotIn("reply", blocked, "the toggle did not wait for the row lock")

        lock.rollback()  # the toggle goes on
        writer.join(TIMEOUT)
        status, _, game = blocked["reply"]
        self.assertEqual(status, 200, game)
        self.assertEqual((game["id"], game["enabled"]), (1, 0))
        self.assertEqual(self.server.get("/api/games/1")[2]["enabled"], 0)
        self.assertTrue(self.server.get("/api/sessions/%d" % session["id"])[2]["is_active"])

    def test_requests_without_the_database_are_answered_while_every_worker_waits(self):
        server = Server(env={"DB_POOL_SIZE": "1"}).start()
        self.addCleanup(server.cleanup)
        token = server.login()
        status, _, catalogue = server.get("/api/games")  # now cached
        self.assertEqual(status, 200)
        self.assertEqual(server.post("/api/pick", {})[0], 200)  # the picker's snapshot is loaded
        lock = psycopg2.connect(server.db)
        self.addCleanup(lock.close)
        lock.cursor().execute("SELECT 1 FROM games WHERE id = 1 FOR UPDATE")
        blocked = {}
        writer = threading.Thread(target=lambda: blocked.update(
            reply=server.request("PATCH", "/api/games/1/toggle", token=token, timeout=60)))
        writer.start()
        self.addCleanup(writer.join, 60)
        wait_for_lock_waiter(server.db, "UPDATE games", timeout=TIMEOUT)
        # The one worker waits: health checks, logins, the API description and the web app
        # are answered on the event loop all the same.
        self.assertEqual(server.get("/health", timeout=PROMPT)[0], 200)
        self.assertEqual(server.get("/api/openapi.json", timeout=PROMPT)[0], 200)
        self.assertEqual(server.get("/", timeout=PROMPT)[0], 200)
        # So are a catalogue read the cache has and a pick without a session.
        status, _, cached = server.get("/api/games", timeout=PROMPT)
        self.assertEqual((status, cached), (200, catalogue))
        status, _, picked = server.post("/api/pick", {"playerCount": 4}, timeout=PROMPT)
        self.assertEqual(status, 200, picked)
        self.assertIn(picked["game"]["id"], [g["id"] for g in catalogue])
        self.assertEqual(server.post("/api/auth/login", {"key": "wrong"}, timeout=PROMPT)[0], 401)
        self.assertTrue(server.login())
        self.assertNotIn("reply", blocked)
        lock.rollback()
        writer.join(TIMEOUT)
        self.assertEqual(blocked["reply"][0], 200, blocked)

    def test_sigterm_while_a_request_waits_in_the_database_ends_within_the_grace_period(self):
        lock = psycopg2.connect(self.server.db)
        self.addCleanup(lock.close)
        lock.cursor().execute("SELECT 1 FROM games WHERE id = 1 FOR UPDATE")  # never released
        writer = threading.Thread(target=lambda: self.server.request("PATCH", "/api/games/1/toggle",
                                                                     token=self.token, timeout=60))
        writer.daemon = True
        writer.start()
        wait_for_lock_waiter(self.server.db, "UPDATE games", timeout=TIMEOUT)
        proc = self.server.proc
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        # 10 s of grace for the request, then its statement is cancelled and the process exits.
        self.assertEqual(proc.wait(timeout=TIMEOUT), 0, "\n".join(self.server.log_lines))
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(pg_lock_waiters(self.server.db, "UPDATE games"), 0)

    def test_concurrent_writers_all_succeed_and_the_feed_has_each_event_once_in_order(self):
        session = self.post("/api/sessions", {"notes": "concurrent"})
        game_ids = [g["id"] for g in self.server.get("/api/games")[2]][:30]
        writers, per_writer = 8, 15
        expected = writers * per_writer * 2  # a game.added and a vote.received each
        failures = []

        def write(index):
            try:
                for i in range(per_writer):
                    self.post("/api/sessions/%d/games" % session["id"],
                              {"game_id": game_ids[(index * per_writer + i) % len(game_ids)]})
                    self.post("/api/votes/live", {"username": "w%d-%d" % (index, i), "vote": "up",
                                                  "timestamp": now_iso()})
            except AssertionError as e:
                failures.append(e)

        async def run():
            live = await self.feed(session["id"])
            threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
            for t in threads:
                t.start()
            # Clients joining in the middle resume from the start: replay, then live, no seam.
            late = []
            for _ in range(4):
                await asyncio.sleep(0.2)
                late.append(await self.feed(session["id"], since=0))
            # The late ones also get the session.started that came before the live one subscribed.
            seen = await asyncio.gather(self.events(live, expected), *(self.events(ws, expected + 1) for ws in late))
            for t in threads:
                await asyncio.to_thread(t.join)
            # Nothing more (a duplicate would come after the expected count).
            for ws in [live] + late:
                with self.assertRaises(asyncio.TimeoutError):
                    await self.events(ws, 1, timeout=0.5)
                await ws.close()
            return seen[0], seen[1:]

        live, late = asyncio.run(run())
        self.assertEqual(failures, [])
        stored = [(row[0], row[1]) for row in db_query(
            self.server.db, "SELECT id, type FROM events WHERE session_id = %s ORDER BY id" % session["id"])]
        self.assertEqual(len(stored), expected + 1)
        self.assertEqual(stored[0][1], "session.started")
        self.assertEqual(live, stored[1:])
        for replayed in late:
            self.assertEqual(replayed, stored)


if __name__ == "__main__":
    unittest.main()
