"""PostgreSQL: writers that meet on the same rows lock them in one order, so none of them is
chosen as a deadlock's victim (a 500 for an API request). On SQLite one writer at a time
holds the whole database, so only PostgreSQL has this to get right."""
import threading
import time
import unittest

import psycopg2

from harness import Server, db_query, wait_for_lock_waiter

STORES = ("postgres",)

TIMEOUT = 20


class LockOrderTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()
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


if __name__ == "__main__":
    unittest.main()
