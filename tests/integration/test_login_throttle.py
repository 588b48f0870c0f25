"""Login throttling (issue 8, item 9): 10 wrong admin keys a minute per client address,
then 429 with Retry-After; other addresses log in as fast as before."""
import http.client
import json
import time
import unittest

from harness import ADMIN_KEY, ServerTestCase, wait_until


class LoginThrottleTest(ServerTestCase):
    def login_from(self, source, key):
        """POST /api/auth/login from the loopback address `source` (all of 127/8 is local)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10, source_address=(source, 0))
        conn.request("POST", "/api/auth/login", body=json.dumps({"key": key}),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = json.loads(resp.read().decode())
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body

    def test_ten_wrong_keys_then_429_for_that_address_only(self):
        for _ in range(10):
            self.assertError(self.login_from("127.0.0.2", "wrong"), 401, "Invalid admin key")
        for key in ("wrong", ADMIN_KEY):  # refused without looking at the key
            status, headers, body = self.login_from("127.0.0.2", key)
            self.assertEqual(status, 429, body)
            self.assertEqual(body["error"], "Too many failed login attempts; try again later")
            self.assertTrue(1 <= int(headers["retry-after"]) <= 60, headers)
            self.assertEqual(body["retryAfter"], int(headers["retry-after"]))
        # Another address is not slowed down, and has its own allowance.
        started = time.monotonic()
        status, _, body = self.login_from("127.0.0.3", ADMIN_KEY)
        self.assertEqual(status, 200, body)
        self.assertLess(time.monotonic() - started, 0.5)
        self.assertError(self.login_from("127.0.0.3", "wrong"), 401, "Invalid admin key")
        # The log is read on another thread: the line may arrive a moment after the reply.
        wait_until(lambda: [line for line in self.server.log_lines
                            if "login throttled" in line and "address=127.0.0.2" in line])

    def test_a_correct_key_clears_the_failures(self):
        for _ in range(9):
            self.assertError(self.login_from("127.0.0.4", "wrong"), 401, "Invalid admin key")
        self.assertEqual(self.login_from("127.0.0.4", ADMIN_KEY)[0], 200)
        for _ in range(9):
            self.assertError(self.login_from("127.0.0.4", "wrong"), 401, "Invalid admin key")


if __name__ == "__main__":
    unittest.main()
