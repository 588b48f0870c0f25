"""Recovery after an outage (POST /api/webhooks/{id}/recover) and ordered delivery."""
import json
import time
import unittest

from harness import PG_STATE, ServerTestCase, db_execute_many, wait_until
from test_webhooks import WebhookMixin


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


class RecoverTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "100ms", "WEBHOOK_DISABLE_AFTER": "4"}

    def recover(self, wid, since):
        return self.api("POST", "/api/webhooks/%d/recover" % wid, {"since": since})

    def failed_deliveries(self, wid, count):
        ids = [self.send_test(wid) for _ in range(count)]
        wait_until(lambda: sum(1 for row in self.logs(wid, limit=500) if row["delivery_id"] in ids) == 2 * count)
        return ids

    def test_recover_after_an_outage(self):
        receiver = self.receiver([500])
        wid = self.webhook(receiver.url)["id"]
        before = self.failed_deliveries(wid, 1)
        time.sleep(0.05)
        since = time.time()
        outage = self.failed_deliveries(wid, 3)  # the fourth failed delivery disables it
        hook = wait_until(lambda: (lambda h: h if not h["enabled"] else None)(self.api("GET", "/api/webhooks/%d" % wid)[2]))
        self.assertEqual(hook["disabled_reason"], "4 failed deliveries in a row")
        self.assertError(self.recover(wid, iso(since)), 409, "Webhook is disabled; enable it to recover its deliveries")
        bodies = {row["delivery_id"]: row["payload"] for row in self.logs(wid, limit=500)}
        sent = len(receiver.requests)

        receiver.responses = [200]
        self.assertEqual(self.api("PATCH", "/api/webhooks/%d" % wid, {"enabled": True})[0], 200)
        status, _, body = self.recover(wid, iso(since))
        self.assertEqual((status, body["recovered"]), (202, 3), body)
        # Sent concurrently (the webhook is not ordered): in event order means their ids are.
        recovered = sorted(receiver.wait_for(sent + 3)[sent:], key=lambda r: int(r["headers"]["webhook-id"][4:]))
        time.sleep(0.3)
        self.assertEqual(len(receiver.requests), sent + 3)  # the delivery before `since` stays failed
        self.assertEqual([r["body"].decode() for r in recovered], [bodies[i] for i in outage])
        new_ids = [int(r["headers"]["webhook-id"][4:]) for r in recovered]
        self.assertTrue(all(i > max(before + outage) for i in new_ids), new_ids)
        for r in recovered:
            self.verify(r)
        # Delivered now: nothing failed since then is left to recover.
        wait_until(lambda: sum(1 for row in self.logs(wid, limit=500) if row["success"]) == 3)
        self.assertEqual(self.recover(wid, iso(time.time() - 0.2))[2]["recovered"], 0)

    def test_recover_validation(self):
        wid = self.webhook("http://example.com/")["id"]
        for body, message in (({}, "since is required"), ({"since": "yesterday"}, "since must be an ISO 8601 date-time"),
                              ({"since": 5}, "since must be a string")):
            with self.subTest(body=body):
                self.assertError(self.api("POST", "/api/webhooks/%d/recover" % wid, body), 400, message)
        self.assertError(self.recover(424242, iso(time.time())), 404, "Webhook not found")
        self.assertError(self.server.request("POST", "/api/webhooks/%d/recover" % wid), 401)
        self.assertEqual(self.recover(wid, "2020-01-01T00:00:00Z")[2]["recovered"], 0)


class OrderedDeliveryTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "200ms,200ms,200ms"}

    def test_a_failing_delivery_holds_back_the_next(self):
        receiver = self.receiver([200, 500, 500, 200])  # the second event fails twice
        status, _, hook = self.api("POST", "/api/webhooks", {"name": "o", "url": receiver.url, "secret": "s",
                                                             "events": ["game.added"], "ordered": True})
        self.assertEqual((status, hook["ordered"]), (201, True), hook)
        ids = ["msg_%d" % self.send_test(hook["id"]) for _ in range(3)]
        requests = receiver.wait_for(5)
        time.sleep(0.3)
        self.assertEqual([r["headers"]["webhook-id"] for r in receiver.requests],
                         [ids[0], ids[1], ids[1], ids[1], ids[2]])
        self.assertGreater(requests[4]["time"] - requests[1]["time"], 0.3)  # waited for both retries

    def test_unordered_by_default_and_patchable(self):
        receiver = self.receiver([500, 200])
        hook = self.webhook(receiver.url)
        self.assertFalse(hook["ordered"])
        ids = ["msg_%d" % self.send_test(hook["id"]) for _ in range(2)]
        got = [r["headers"]["webhook-id"] for r in receiver.wait_for(3)]
        self.assertEqual((sorted(got[:2]), got[2]), (sorted(ids), got[0]))  # both sent before the retry
        status, _, patched = self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"ordered": True})
        self.assertEqual((status, patched["ordered"]), (200, True), patched)
        self.assertError(self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"ordered": "yes"}), 400,
                         "ordered must be a boolean")
        self.assertError(self.api("POST", "/api/webhooks", {"name": "n", "url": receiver.url, "events": ["game.added"],
                                                           "ordered": 1}), 400, "ordered must be a boolean")


class LogWriteFailureTest(WebhookMixin, ServerTestCase):
    """The database refuses the attempt log for a while (as during a deadlock, a restart of
    PostgreSQL or a full disk): the engine keeps the outcome and writes it once it can, so the
    attempt is logged and the delivery is not sent again."""

    # Refuses new attempt-log rows until removed: a constraint (PostgreSQL) or a trigger (SQLite).
    HOLD = (["ALTER TABLE webhook_logs ADD CONSTRAINT held CHECK (false) NOT VALID"] if PG_STATE else
            ["CREATE TRIGGER held BEFORE INSERT ON webhook_logs BEGIN SELECT RAISE(ABORT, 'held'); END"])
    RELEASE = ["ALTER TABLE webhook_logs DROP CONSTRAINT held"] if PG_STATE else ["DROP TRIGGER held"]

    def test_an_attempt_whose_log_could_not_be_written_is_logged_later_and_not_sent_again(self):
        receiver = self.receiver()
        wid = self.webhook(receiver.url)["id"]
        db_execute_many(self.server.db, [(sql, [()]) for sql in self.HOLD])
        delivery = self.send_test(wid)
        wait_until(lambda: len(receiver.requests) == 1)
        self.server.wait_for_log(lambda line: "storing webhook attempts failed, trying again" in line)
        self.assertEqual(self.logs(wid), [])
        db_execute_many(self.server.db, [(sql, [()]) for sql in self.RELEASE])
        logged = wait_until(lambda: self.logs(wid))
        self.assertEqual([(row["delivery_id"], row["attempt"], row["success"]) for row in logged], [(delivery, 1, True)])
        self.assertEqual(len(receiver.requests), 1)


if __name__ == "__main__":
    unittest.main()
