"""Receivers that push back: Retry-After on 429/503 is honoured, 410 Gone disables a webhook at
once, and a webhook failing for longer than WEBHOOK_DISABLE_AFTER_HOURS is disabled."""
import email.utils
import time
import unittest

from harness import ServerTestCase, wait_until
from test_webhooks import WebhookMixin


class RetryAfterTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "100ms,100ms"}

    def gap_before_retry(self, first_answer):
        receiver = self.receiver([first_answer, 200])
        wid = self.webhook(receiver.url)["id"]
        self.send_test(wid)
        first, second = receiver.wait_for(2, timeout=15)
        self.assertEqual(first["headers"]["webhook-id"], second["headers"]["webhook-id"])
        wait_until(lambda: len(self.logs(wid)) == 2)
        self.assertEqual([row["status_code"] for row in self.logs(wid)], [200, first_answer[0]])
        return second["time"] - first["time"]

    def test_429_retry_after_seconds_is_honoured(self):
        self.assertGreater(self.gap_before_retry((429, {"Retry-After": "2"})), 1.9)

    def test_503_retry_after_http_date_is_honoured(self):
        at = email.utils.formatdate(time.time() + 3, usegmt=True)
        self.assertGreater(self.gap_before_retry((503, {"Retry-After": at})), 1.5)

    def test_retry_after_never_shortens_the_schedule_and_other_statuses_ignore_it(self):
        self.assertGreater(self.gap_before_retry((429, {"Retry-After": "0"})), 0.07)
        self.assertLess(self.gap_before_retry((500, {"Retry-After": "30"})), 1.5)
        self.assertLess(self.gap_before_retry((429, {"Retry-After": "soon"})), 1.5)

    def test_410_gone_disables_at_once(self):
        receiver = self.receiver([410])
        wid = self.webhook(receiver.url)["id"]
        self.send_test(wid)
        hook = wait_until(lambda: (lambda h: h if not h["enabled"] else None)(self.api("GET", "/api/webhooks/%d" % wid)[2]))
        self.assertEqual(hook["disabled_reason"], "the receiver answered 410 Gone")
        self.assertIsNotNone(hook["disabled_at"])
        time.sleep(0.5)
        self.assertEqual(len(receiver.requests), 1)  # not retried
        [row] = self.logs(wid)
        self.assertEqual((row["status_code"], row["success"]), (410, False))
        status, _, enabled = self.api("PATCH", "/api/webhooks/%d" % wid, {"enabled": True})
        self.assertEqual(status, 200, enabled)
        self.assertEqual((enabled["enabled"], enabled["disabled_reason"], enabled["disabled_at"]), (True, None, None))


class DisableAfterHoursTest(WebhookMixin, ServerTestCase):
    # 0.0005 h = 1.8 s of nothing but failed attempts; far fewer failed deliveries than 20.
    server_env = {"WEBHOOK_RETRY_SCHEDULE": ",".join(["300ms"] * 30), "WEBHOOK_DISABLE_AFTER_HOURS": "0.0005"}

    def test_failing_for_longer_than_the_limit_disables(self):
        receiver = self.receiver([500])
        wid = self.webhook(receiver.url)["id"]
        started = time.monotonic()
        self.send_test(wid)
        hook = wait_until(lambda: (lambda h: h if not h["enabled"] else None)(self.api("GET", "/api/webhooks/%d" % wid)[2]),
                          timeout=15)
        self.assertGreater(time.monotonic() - started, 1.7)
        self.assertRegex(hook["disabled_reason"], r"^every attempt failed for \d+ s$")
        self.assertEqual(hook["consecutive_failures"], 0)  # its one delivery still had retries left

    def test_a_success_restarts_the_clock(self):
        # Fails twice (0.3 s apart), succeeds, and fails again 2 s after its first failure: had
        # the success not restarted the clock, that failure would end 1.8 s of failing.
        receiver = self.receiver([500, 500, 200, 500])
        wid = self.webhook(receiver.url)["id"]
        self.send_test(wid)
        first_failure = receiver.wait_for(3)[0]["time"]
        wait_until(lambda: len(self.logs(wid)) == 3)
        self.assertTrue(self.api("GET", "/api/webhooks/%d" % wid)[2]["enabled"])
        time.sleep(max(0.0, first_failure + 2.0 - time.monotonic()))
        self.send_test(wid)
        # Checked once that failure is stored: its retries would disable it only 1.8 s later.
        wait_until(lambda: len(self.logs(wid)) == 4)
        self.assertTrue(self.api("GET", "/api/webhooks/%d" % wid)[2]["enabled"])

if __name__ == "__main__":
    unittest.main()
