"""Several gamepicker instances on one PostgreSQL database (issue 12): every WebSocket client
sees every event caused through any instance, in the same order, with no gap; migrations raced
by instances starting together run once; webhook deliveries survive an instance's kill -9 and
each goes out once (again only if it was in flight at the kill)."""
import asyncio
import datetime
import hashlib
import hmac
import json
import tempfile
import threading
import time
import unittest

import websockets

from fake_ecast import FakeEcast
from harness import CATALOGUE, Receiver, Server, db_query, wait_until

STORES = ("postgres",)

TIMEOUT = 20
# A killed instance's claimed deliveries go to another instance once their lease runs out.
LEASE_ENV = {"WEBHOOK_LEASE": "2s", "WEBHOOK_RETRY_SCHEDULE": "200ms,200ms,200ms,200ms,200ms"}


def start_together(servers):
    """Starts the servers at the same moment (each start() waits until it listens)."""
    errors = []

    def start(server):
        try:
            server.start(timeout=30)
        except Exception as e:  # reported below, with the others'
            errors.append(e)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def catalogue_rows():
    with open(CATALOGUE, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip()) - 1  # minus the header


class ClusterTestCase(unittest.TestCase):
    instances = 3
    server_env = {}

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="gamepicker-cluster-")
        # One db_dir: the same database for all of them.
        self.servers = [Server(env=self.server_env, db_dir=self.dir) for _ in range(self.instances)]
        start_together(self.servers)
        self.token = self.servers[0].login()

    def tearDown(self):
        for s in self.servers:
            s.stop()
        self.servers[0].own_dir = True  # drops the shared database and folder once
        self.servers[0].cleanup()

    def post(self, server, path, body=None, expect=(200, 201)):
        status, _, reply = server.post(path, body, token=self.token)
        self.assertIn(status, expect, reply)
        return reply

    def new_session(self, via, notes="cluster"):
        status, _, active = via.get("/api/sessions/active")
        if status == 200 and active.get("id"):
            self.post(via, "/api/sessions/%d/close" % active["id"])
        return self.post(via, "/api/sessions", {"notes": notes})


class ClusterStartTest(ClusterTestCase):
    def test_instances_starting_together_migrate_and_seed_once(self):
        rows = catalogue_rows()
        for server in self.servers:
            status, _, games = server.get("/api/games")
            self.assertEqual(status, 200, games)
            self.assertEqual(len(games), rows, "the catalogue was seeded more than once or not at all")
        # Whatever each one did at start, none failed doing it.
        for server in self.servers:
            self.assertFalse([line for line in server.log_lines if "level=error" in line or "critical" in line],
                             server.log_lines)


class ClusterFeedTest(ClusterTestCase):
    def test_every_client_sees_every_event_in_the_same_order(self):
        session = self.new_session(self.servers[0])
        game_ids = [g["id"] for g in self.servers[0].get("/api/games")[2]][:20]
        per_writer = 25
        writers = [(server, i) for i, server in enumerate(self.servers)]
        expected = len(writers) * per_writer * 2  # a game.added and a vote.received each

        async def client(server):
            ws = await websockets.connect(server.ws_url(), ping_interval=None)
            await ws.send(json.dumps({"type": "auth", "token": self.token}))
            self.assertEqual(json.loads(await ws.recv())["type"], "auth_success")
            await ws.send(json.dumps({"type": "subscribe", "sessionId": session["id"]}))
            self.assertEqual(json.loads(await ws.recv())["type"], "subscribed")
            return ws

        async def collect(ws, count):
            got = []
            while len(got) < count:
                message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                if "id" in message:
                    got.append((message["id"], message["type"]))
            return got

        def write(server, index):
            # Concurrent writers on different instances: a game, then a vote for it, in turn.
            for i in range(per_writer):
                self.post(server, "/api/sessions/%d/games" % session["id"],
                          {"game_id": game_ids[(index * per_writer + i) % len(game_ids)]})
                self.post(server, "/api/votes/live", {"username": "w%d-%d" % (index, i), "vote": "up",
                                                      "timestamp": now_iso()})

        async def run():
            clients = [await client(s) for s in self.servers]
            threads = [threading.Thread(target=write, args=w) for w in writers]
            for t in threads:
                t.start()
            seen = await asyncio.gather(*(collect(ws, expected) for ws in clients))
            for t in threads:
                t.join()
            # A late client on another instance resumes from the first event and gets the same.
            late = await websockets.connect(self.servers[2].ws_url(), ping_interval=None)
            await late.send(json.dumps({"type": "auth", "token": self.token}))
            await late.recv()
            await late.send(json.dumps({"type": "subscribe", "sessionId": session["id"],
                                        "since": seen[0][0][0] - 1}))
            self.assertEqual(json.loads(await late.recv())["type"], "subscribed")
            replayed = await collect(late, expected)
            for ws in clients + [late]:
                await ws.close()
            return seen, replayed

        seen, replayed = asyncio.run(run())
        outbox = db_query(self.servers[0].db, "SELECT id, type FROM events WHERE session_id = ? AND id > ? ORDER BY id",
                          (session["id"], seen[0][0][0] - 1))
        self.assertEqual(len(outbox), expected)
        for got in seen + [replayed]:
            self.assertEqual(got, [tuple(row) for row in outbox])

    def test_events_too_large_for_a_notification_reach_the_other_instances_in_order(self):
        # A notification carries an event up to ~7,600 bytes; a larger one is read from the
        # outbox. Small and large ones in turn arrive everywhere whole and in order.
        notes = ["small\nnote", "é" * 5000 + "\nlarge", "small again", "ü" * 4000, "a" * 7510, "last"]

        async def run():
            clients = []
            for server in self.servers:
                ws = await websockets.connect(server.ws_url(), ping_interval=None)
                await ws.send(json.dumps({"type": "auth", "token": self.token}))
                self.assertEqual(json.loads(await ws.recv())["type"], "auth_success")
                clients.append(ws)
            for text in notes:
                self.new_session(self.servers[0], text)
            seen = []
            for ws in clients:
                got = []
                while len(got) < len(notes):
                    message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                    if message["type"] == "session.started":
                        got.append((message["id"], message["data"]["session"]["notes"]))
                seen.append(got)
                await ws.close()
            return seen

        seen = asyncio.run(run())
        for got in seen:
            self.assertEqual([n for _, n in got], notes)
            self.assertEqual(got, seen[0])


class ClusterDeliveryTest(ClusterTestCase):
    server_env = LEASE_ENV
    events = 1000

    def test_deliveries_survive_an_instance_killed_mid_burst(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        secret = "cluster-secret"
        self.post(self.servers[0], "/api/webhooks",
                  {"name": "c", "url": receiver.url, "secret": secret, "events": ["game.added"]})
        session = self.new_session(self.servers[1])
        victim, survivors = self.servers[0], self.servers[1:]
        posted = 0
        for i in range(self.events):
            if i == self.events * 3 // 10:
                victim.kill9()
            via = victim if i < self.events * 3 // 10 and i % 3 == 0 else survivors[i % 2]
            self.post(via, "/api/sessions/%d/games" % session["id"], {"game_id": 1 + i % 20})
            posted += 1

        def distinct_ids():
            return {r["headers"].get("webhook-id") for r in list(receiver.requests)}

        wait_until(lambda: len(distinct_ids()) >= posted, timeout=60)
        requests = list(receiver.requests)
        for r in requests:  # every delivery is signed as documented
            want = "sha256=" + hmac.new(secret.encode(), r["body"], hashlib.sha256).hexdigest()
            self.assertEqual(r["headers"].get("x-webhook-signature"), want)
        self.assertEqual(len(distinct_ids()), posted)
        self.assertEqual(sorted({json.loads(r["body"])["data"]["session"]["id"] for r in requests}), [session["id"]])
        # Duplicates only for attempts in flight at the kill: at most the victim's concurrency.
        self.assertLessEqual(len(requests) - posted, 64, "%d duplicates" % (len(requests) - posted))


class ClusterCatalogueTest(ClusterTestCase):
    instances = 2

    def test_a_catalogue_change_on_one_instance_reaches_the_others_cached_answers(self):
        a, b = self.servers

        def enabled_on_b():
            return {g["id"]: g["enabled"] for g in b.get("/api/games")[2]}

        def pool_on_b():
            return b.post("/api/pick", {})[2]["poolSize"]

        self.assertEqual(enabled_on_b()[1], 1)  # both answers now cached by b under its catalogue version
        pool = pool_on_b()
        status, _, toggled = a.request("PATCH", "/api/games/1/toggle", token=self.token)
        self.assertEqual(status, 200, toggled)
        wait_until(lambda: enabled_on_b()[1] == 0, timeout=5)
        self.assertEqual(pool_on_b(), pool - 1)


class ClusterRoomMonitorTest(ClusterTestCase):
    instances = 2

    def setUp(self):
        self.ecast = FakeEcast()
        self.addCleanup(self.ecast.stop)
        self.server_env = {"ECAST_URL": self.ecast.url, "ROOM_RECONCILE_INTERVAL": "1"}
        super().setUp()

    def connected(self, sg_id):
        rows = db_query(self.servers[0].db, "SELECT data FROM events WHERE type = 'room.connected' ORDER BY id")
        return [json.loads(r[0]) for r in rows if json.loads(r[0]).get("gameId") == sg_id]

    def room_events(self, sg_id, type_):
        rows = db_query(self.servers[0].db, "SELECT data FROM events WHERE type = ? ORDER BY id", (type_,))
        return [json.loads(r[0]) for r in rows if json.loads(r[0]).get("gameId") == sg_id]

    def status_live(self, server, session, sg):
        status, _, live = server.get("/api/sessions/%d/games/%d/status-live" % (session["id"], sg["id"]))
        self.assertEqual(status, 200, live)
        return live

    def test_a_check_stopped_through_another_instance_ends_as_a_local_stop_and_status_live_is_the_same_everywhere(self):
        room = self.ecast.add_room("AWAY")
        a, b = self.servers
        session = self.new_session(a)
        sg = self.post(a, "/api/sessions/%d/games" % session["id"], {"game_id": 1, "room_code": "AWAY"})
        wait_until(lambda: len(self.connected(sg["id"])) == 1, timeout=TIMEOUT)
        self.ecast.join(room, "ALICE")
        wait_until(lambda: self.status_live(a, session, sg)["players"] == ["ALICE"], timeout=TIMEOUT)
        # The instance without the monitor answers what the monitoring one knows.
        wait_until(lambda: self.status_live(b, session, sg) == self.status_live(a, session, sg), timeout=TIMEOUT)
        live = self.status_live(b, session, sg)
        self.assertTrue(live["monitoring"], live)
        self.assertEqual((live["playerCount"], live["players"]), (1, ["ALICE"]))

        self.post(b, "/api/sessions/%d/games/%d/stop-player-check" % (session["id"], sg["id"]))
        wait_until(lambda: self.room_events(sg["id"], "room.disconnected"), timeout=TIMEOUT)
        wait_until(lambda: not self.ecast.open_sockets(room), timeout=TIMEOUT)
        time.sleep(2.5)  # both reconcile twice meanwhile: still one event
        disconnected = self.room_events(sg["id"], "room.disconnected")
        self.assertEqual([d["reason"] for d in disconnected], ["manually_stopped"])
        self.assertEqual((disconnected[0]["roomCode"], disconnected[0]["appTag"]), ("AWAY", "quiplash3"))
        for server in self.servers:
            self.assertFalse(self.status_live(server, session, sg)["monitoring"])
        status, _, stored = a.get("/api/sessions/%d/games" % session["id"])
        self.assertEqual([g["player_check_active"] for g in stored if g["id"] == sg["id"]], [0])

    def test_one_instance_watches_a_room_and_another_adopts_it_when_that_one_dies(self):
        self.ecast.add_room("TWIN")
        a, b = self.servers
        session = self.new_session(a)
        sg = self.post(a, "/api/sessions/%d/games" % session["id"], {"game_id": 1, "room_code": "TWIN"})
        wait_until(lambda: len(self.connected(sg["id"])) == 1, timeout=TIMEOUT)
        time.sleep(2.5)  # b reconciles twice meanwhile: it must not watch the room too
        self.assertEqual(len(self.connected(sg["id"])), 1)
        a.kill9()
        wait_until(lambda: len(self.connected(sg["id"])) == 2, timeout=TIMEOUT)


class ClusterRoomStopTest(ClusterTestCase):
    """A check stopped through an instance that does not run it ends on the one that does at
    once (told through the database), not at its next reconciliation."""
    instances = 2

    def setUp(self):
        self.ecast = FakeEcast()
        self.addCleanup(self.ecast.stop)
        self.server_env = {"ECAST_URL": self.ecast.url, "ROOM_RECONCILE_INTERVAL": "60"}
        super().setUp()

    def test_the_monitoring_instance_ends_the_check_at_once(self):
        room = self.ecast.add_room("SOON")
        a, b = self.servers
        session = self.new_session(a)
        sg = self.post(a, "/api/sessions/%d/games" % session["id"], {"game_id": 1, "room_code": "SOON"})
        wait_until(lambda: self.ecast.open_sockets(room), timeout=TIMEOUT)
        self.post(b, "/api/sessions/%d/games/%d/stop-player-check" % (session["id"], sg["id"]))
        disconnected = lambda: [json.loads(r[0]) for r in db_query(
            a.db, "SELECT data FROM events WHERE type = 'room.disconnected' ORDER BY id")]
        wait_until(lambda: disconnected(), timeout=5)
        wait_until(lambda: not self.ecast.open_sockets(room), timeout=5)
        self.assertEqual([(d["gameId"], d["reason"]) for d in disconnected()], [(sg["id"], "manually_stopped")])


if __name__ == "__main__":
    unittest.main()
