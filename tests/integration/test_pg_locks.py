"""PostgreSQL: writers that meet on the same rows lock them in one order, so none of them is
chosen as a deadlock's victim (a 500 for an API request). On SQLite one writer at a time
holds the whole database, so only PostgreSQL has this to get right."""
import threading
import time
import unittest

import psycopg2

from harness import Receiver, Server, db_execute_many, db_query, wait_for_lock_waiter, wait_until

STORES = ("postgres",)

TIMEOUT = 20


class LockOrderTest(unittest.TestCase):
    def setUp(self):
        # Failed attempts are retried an hour later: none comes back during a test.
        self.server = Server(args=["--webhook-retry-schedule", "1h"]).start()
        self.addCleanup(self.server.cleanup)
        self.token = self.server.login()

    def test_deleting_a_webhook_while_the_engine_records_its_outcome(self):
        status, _, webhook = self.server.post("/api/webhooks", {"name": "w", "url": "http://127.0.0.1:9/hook",
                                                                "secret": "s", "events": ["game.added"]},
                                              token=self.token)
        self.assertEqual(status, 201, webhook)
        engine = psycopg2.connect(self.server.db)
        self.addCleanup(engine.close)
        cur = engine.cursor()
        # A delivery of it that is not due, so the engine leaves it to this test.
        cur.execute("INSERT INTO webhook_deliveries (webhook_id, event_type, body, created_at) "
                    "VALUES (%s, 'game.added', '{}', 0) RETURNING id", (webhook["id"],))
        delivery = cur.fetchone()[0]
        engine.commit()
        # This connection now does what the delivery engine does when it stores an outcome: the
        # delivery's row first, then its webhook's.
        cur.execute("UPDATE webhook_deliveries SET attempts = 1 WHERE id = %s", (delivery,))

        deleted = {}
        deleter = threading.Thread(target=lambda: deleted.update(
            reply=self.server.request("DELETE", "/api/webhooks/%d" % webhook["id"], token=self.token, timeout=60)))
        deleter.start()
        self.addCleanup(deleter.join, 60)
        wait_for_lock_waiter(self.server.db, "DELETE FROM webhook", timeout=TIMEOUT)

        started = time.monotonic()
        cur.execute("UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = %s",
                    (webhook["id"],))
        # Had the delete taken the webhook's row first, the two would wait for each other until
        # PostgreSQL's deadlock check (deadlock_timeout, 1 s) failed one of them.
        self.assertLess(time.monotonic() - started, 0.9)
        engine.commit()

        deleter.join(TIMEOUT)
        status, _, body = deleted["reply"]
        self.assertEqual(status, 200, body)
        self.assertEqual(self.server.get("/api/webhooks/%d" % webhook["id"], token=self.token)[0], 404)
        self.assertEqual(db_query(self.server.db, "SELECT count(*) FROM webhook_deliveries WHERE id = ?",
                                  (delivery,))[0][0], 0)

    def test_the_engine_takes_webhook_rows_in_webhook_order(self):
        # Two webhooks whose receivers fail (a failed attempt updates its webhook's row); b answers
        # first, a (the lower id) 0.3 s later.
        receivers = {"a": Receiver(responses=(500,), delay=0.3), "b": Receiver(responses=(500,))}
        for r in receivers.values():
            self.addCleanup(r.close)
        ids = {}
        for name, r in receivers.items():
            status, _, webhook = self.server.post("/api/webhooks", {"name": name, "url": r.url, "secret": "s",
                                                                    "events": ["game.added"]}, token=self.token)
            self.assertEqual(status, 201, webhook)
            ids[name] = webhook["id"]
        self.assertLess(ids["a"], ids["b"])
        # b's outcome cannot be stored at first: the engine keeps it and, after its pause of 1 s,
        # stores it together with a's, which came meanwhile, in one transaction.
        db_execute_many(self.server.db, [("ALTER TABLE webhook_logs ADD CONSTRAINT held CHECK (webhook_id <> %d) "
                                          "NOT VALID" % ids["b"], [()])])
        status, _, session = self.server.post("/api/sessions", {}, token=self.token)
        self.assertEqual(status, 201, session)
        status, _, body = self.server.post("/api/sessions/%d/games" % session["id"], {"game_id": 1}, token=self.token)
        self.assertEqual(status, 201, body)
        self.server.wait_for_log(lambda line: "storing webhook attempts failed, trying again" in line)
        receivers["a"].wait_for(1)

        # This connection plays another instance's engine storing outcomes of a and b in webhook
        # order: it holds a's row, and will want b's.
        other = psycopg2.connect(self.server.db)
        self.addCleanup(other.close)
        cur = other.cursor()
        cur.execute("UPDATE webhooks SET consecutive_failures = consecutive_failures WHERE id = %s", (ids["a"],))
        db_execute_many(self.server.db, [("ALTER TABLE webhook_logs DROP CONSTRAINT held", [()])])
        wait_for_lock_waiter(self.server.db, "UPDATE webhooks", timeout=TIMEOUT)

        started = time.monotonic()
        cur.execute("UPDATE webhooks SET consecutive_failures = consecutive_failures WHERE id = %s", (ids["b"],))
        # Had the engine taken b's row (its outcome came first) before a's, the two would wait for
        # each other until PostgreSQL's deadlock check (deadlock_timeout, 1 s) failed one of them.
        self.assertLess(time.monotonic() - started, 0.9)
        other.commit()
        wait_until(lambda: db_query(self.server.db, "SELECT count(*) FROM webhook_logs")[0][0] == 2, timeout=TIMEOUT)

if __name__ == "__main__":
    unittest.main()
