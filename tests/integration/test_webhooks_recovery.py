"""Recovery after an outage (POST /api/webhooks/{id}/recover) and ordered delivery."""
import json
import time
import unittest

from harness import ServerTestCase, wait_until
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
        recovered = receiver.wait_for(sent + 3)[sent:]
        time.sleep(0.3)
        self.assertEqual(len(receiver.requests), sent + 3)  # the delivery before `since` stays failed
        self.assertEqual([r["body"].decode() for r in recovered], [bodies[i] for i in outage])
        new_ids = [int(r["headers"]["webhook-id"][4:]) for r in recovered]
        self.assertTrue(all(i > max(before + outage) for i in new_ids), new_ids)
        self.assertEqual(new_ids, sorted(new_ids))
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


if __name__ == "__main__":
    unittest.main()
