"""PostgreSQL going away and coming back under a running server (issue 12): writes answer 503
Storage unavailable meanwhile, and afterwards the API, the WebSocket feed and webhook delivery
work again on new connections without a restart of gamepicker. Its own cluster: the shared
one of the other tests is not stopped."""
import json
import os
import shutil
import tempfile
import unittest

import pg_cluster
from harness import Receiver, Server, wait_until

STORES = ("postgres",)


class DatabaseRestartTest(unittest.TestCase):
    def setUp(self):
        state = tempfile.mkdtemp(prefix="gamepicker-pg-restart-")
        self.addCleanup(shutil.rmtree, state, ignore_errors=True)  # after the cluster has stopped
        self.cluster = pg_cluster.start(state)
        self.addCleanup(pg_cluster.stop, state)
        folder = tempfile.mkdtemp(prefix="gamepicker-test-")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.server = Server(args=["--db", self.cluster["url"] + "/postgres"], db_flag=False, cwd=folder,
                             env={"WEBHOOK_RETRY_SCHEDULE": "200ms,200ms,200ms"}).start()
        self.addCleanup(self.server.cleanup)
        self.token = self.server.login()

    def pg_ctl(self, *args):
        pg_cluster._run_as_owner([os.path.join(pg_cluster._bindir(), "pg_ctl"), "-D",
                                  os.path.join(self.cluster["dir"], "data"), "-m", "fast", "-w",
                                  "-l", os.path.join(self.cluster["dir"], "log")] + list(args))

    def post(self, path, body):
        return self.server.post(path, body, token=self.token)

    def test_writes_fail_with_503_while_the_database_is_down_and_work_again_after(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        status, _, hook = self.post("/api/webhooks", {"name": "r", "url": receiver.url, "secret": "s",
                                                      "events": ["game.added"]})
        self.assertEqual(status, 201, hook)
        status, _, session = self.post("/api/sessions", {"notes": "before"})
        self.assertEqual(status, 201, session)
        self.assertEqual(self.post("/api/sessions/%d/games" % session["id"], {"game_id": 1})[0], 201)
        logs = lambda: self.server.get("/api/webhooks/%d/logs" % hook["id"], token=self.token)[2]
        # Its outcome stored before the database goes: an attempt whose outcome could not be
        # stored is sent again (at least once), which is not what this test is about.
        wait_until(lambda: len(logs()) == 1, timeout=30)

        self.pg_ctl("stop")
        status, headers, body = self.post("/api/sessions/%d/games" % session["id"], {"game_id": 2})
        self.assertEqual((status, body["error"]), (503, "Storage unavailable"), body)
        self.assertEqual(headers.get("retry-after"), "30")

        self.pg_ctl("restart")  # with the options it was started with
        status, _, added = self.post("/api/sessions/%d/games" % session["id"], {"game_id": 3})
        self.assertEqual(status, 201, added)
        # The engine's connection comes back too, with its claims: the delivery goes out once.
        receiver.wait_for(2, timeout=30)
        try:
            # The engine runs SCHED_IDLE: on a machine kept busy by other work it may wait a while.
            wait_until(lambda: len(logs()) == 2, timeout=30)
        except AssertionError:
            self.fail("%s\n%s" % (logs(), "\n".join(self.server.log_lines)))
        bodies = [json.loads(r["body"]) for r in receiver.requests]
        self.assertEqual([b["data"]["game"]["id"] for b in bodies], [1, 3])


if __name__ == "__main__":
    unittest.main()
