"""Per-webhook delivery options: Ed25519 signing (verified with Node's crypto, not our code),
custom headers, timeout_ms, rate_limit (observed at the receiver), a 429's Retry-After holding
back the webhook's other deliveries, and the record's stats."""
import base64
import hashlib
import hmac
import json
import subprocess
import time
import unittest

from harness import ServerTestCase, db_execute_many, db_query, wait_until
from test_webhooks import SECRET, WebhookMixin

# Node's own Ed25519 (OpenSSL inside Node, not this server's code): verdicts per case.
NODE_VERIFY = r"""
const crypto = require('crypto');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map(c => {
  const raw = Buffer.from(c.public_key.replace(/^whpk_/, ''), 'base64');
  const key = crypto.createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url')}, format: 'jwk'});
  const msg = Buffer.concat([Buffer.from(c.id + '.' + c.timestamp + '.'), Buffer.from(c.body, 'base64')]);
  return c.signatures.split(' ').some(s => s.startsWith('v1a,') &&
    crypto.verify(null, msg, key, Buffer.from(s.slice(4), 'base64')));
})));
"""


def node_verify(cases):
    """cases: (public_key, request) -> whether an Ed25519 v1a signature verifies for each."""
    payload = [{"public_key": key, "id": r["headers"]["webhook-id"], "timestamp": r["headers"]["webhook-timestamp"],
                "signatures": r["headers"]["webhook-signature"], "body": base64.b64encode(r["body"]).decode()}
               for key, r in cases]
    out = subprocess.run(["node", "-e", NODE_VERIFY], input=json.dumps(payload), capture_output=True, text=True,
                         timeout=60, check=True)
    return json.loads(out.stdout)


class OptionsTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "100ms,100ms"}

    def create(self, receiver, **fields):
        body = {"name": "opt", "url": receiver.url, "secret": SECRET, "events": ["game.added"], **fields}
        status, _, hook = self.api("POST", "/api/webhooks", body)
        self.assertEqual(status, 201, hook)
        return hook

    def patch(self, wid, fields, expect=200):
        status, _, body = self.api("PATCH", "/api/webhooks/%d" % wid, fields)
        self.assertEqual(status, expect, body)
        return body

    def test_ed25519_signature_verifies_with_node_crypto(self):
        receiver = self.receiver()
        hook = self.create(receiver, signature_scheme="ed25519")
        self.assertEqual(hook["signature_scheme"], "ed25519")
        self.assertRegex(hook["public_key"], r"^whpk_[A-Za-z0-9+/]{43}=$")
        self.assertEqual(len(base64.b64decode(hook["public_key"][5:])), 32)
        other = self.create(self.receiver(), signature_scheme="ed25519")
        self.assertNotEqual(other["public_key"], hook["public_key"])
        self.send_test(hook["id"])
        [request] = receiver.wait_for(1)
        self.assertRegex(request["headers"]["webhook-signature"], r"^v1a,[A-Za-z0-9+/]{86}==$")
        self.assertEqual(node_verify([(hook["public_key"], request), (other["public_key"], request)]), [True, False])
        tampered = dict(request, body=request["body"].replace(b"Test Game", b"Test Gamf"))
        self.assertEqual(node_verify([(hook["public_key"], tampered)]), [False])
        # The documented header stays the HMAC of the secret.
        self.assertEqual(request["headers"]["x-webhook-signature"],
                         "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest())
        self.assertNotIn("signing_key", json.dumps(self.api("GET", "/api/webhooks/%d" % hook["id"])[2]))

    def test_scheme_switches_keep_the_key(self):
        receiver = self.receiver()
        hook = self.create(receiver)
        self.assertEqual((hook["signature_scheme"], hook["public_key"]), ("hmac-sha256", None))
        key = self.patch(hook["id"], {"signature_scheme": "ed25519"})["public_key"]
        self.assertTrue(key.startswith("whpk_"))
        back = self.patch(hook["id"], {"signature_scheme": "hmac-sha256"})
        self.assertEqual((back["signature_scheme"], back["public_key"]), ("hmac-sha256", None))
        self.send_test(hook["id"])
        self.assertTrue(receiver.wait_for(1)[0]["headers"]["webhook-signature"].startswith("v1,"))
        self.assertEqual(self.patch(hook["id"], {"signature_scheme": "ed25519"})["public_key"], key)
        for bad in ("rsa", 1, "ED25519"):
            self.assertError(self.api("POST", "/api/webhooks", {"name": "x", "url": receiver.url, "events": ["game.added"],
                                                                "signature_scheme": bad}),
                             400, "signature_scheme must be one of hmac-sha256, ed25519")

    def test_custom_headers_are_sent_and_reserved_ones_refused(self):
        receiver = self.receiver()
        hook = self.create(receiver, headers={"Authorization": "Bearer abc", "X-Team": "night \"crew\""})
        self.assertEqual(hook["headers"], {"Authorization": "Bearer abc", "X-Team": "night \"crew\""})
        self.send_test(hook["id"])
        [request] = receiver.wait_for(1)
        self.assertEqual(request["headers"]["authorization"], "Bearer abc")
        self.assertEqual(request["headers"]["x-team"], "night \"crew\"")
        self.assertEqual(request["headers"]["content-type"], "application/json")
        for name in ("webhook-id", "Webhook-Signature", "X-Webhook-Event", "x-webhook-anything", "Content-Type",
                     "content-length", "Host", "Connection", "Transfer-Encoding", "TE", "Upgrade", "Keep-Alive",
                     "Proxy-Authorization", "Trailer", "Expect"):
            self.assertError(self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"headers": {name: "x"}}), 400,
                             "headers: %s is reserved and cannot be set" % name)
        self.assertError(self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"headers": {"X-A": "a\r\nX-B: b"}}),
                         400, "headers: the value of X-A must not contain control characters")
        self.assertError(self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"headers": {"Bad Name": "x"}}), 400,
                         "headers: invalid header name: Bad Name")
        self.assertError(self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"headers": ["X-A"]}), 400)
        self.assertEqual(self.patch(hook["id"], {"headers": None})["headers"], {})

    def test_timeout_ms_is_per_webhook_and_bounded(self):
        receiver = self.receiver(delay=1.5)
        hook = self.create(receiver, timeout_ms=300)
        self.assertEqual(hook["timeout_ms"], 300)
        self.send_test(hook["id"])
        rows = wait_until(lambda: (lambda l: l if l else None)(self.logs(hook["id"])))
        self.assertFalse(rows[-1]["success"])
        self.assertRegex(rows[-1]["error"], "(?i)timeout|timed out")
        for bad in (99, 60001, "300", 1.5):
            self.assertError(self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"timeout_ms": bad}), 400,
                             "timeout_ms must be an integer between 100 and 60000")
        self.assertIsNone(self.patch(hook["id"], {"timeout_ms": None})["timeout_ms"])

    def test_rate_limit_spreads_a_burst(self):
        receiver = self.receiver()
        hook = self.create(receiver, rate_limit=4)
        self.assertEqual(hook["rate_limit"], 4)
        for _ in range(6):
            self.send_test(hook["id"])
        requests = receiver.wait_for(6, timeout=15)
        times = [r["time"] for r in requests]
        gaps = [b - a for a, b in zip(times, times[1:])]
        # 4/s: one every 250 ms. Arrival times: a request slow on its way (a loaded machine)
        # shortens one gap and lengthens the next, so the median gap is what is checked.
        self.assertGreater(sorted(gaps)[len(gaps) // 2], 0.2, gaps)
        self.assertGreater(times[-1] - times[0], 1.0, gaps)
        self.assertEqual(self.patch(hook["id"], {"rate_limit": 0.5})["rate_limit"], 0.5)
        for bad in (0, -1, 1001, "fast", True):
            self.assertError(self.api("PATCH", "/api/webhooks/%d" % hook["id"], {"rate_limit": bad}), 400)

    def test_retry_after_on_429_holds_back_the_webhooks_other_deliveries(self):
        receiver = self.receiver([(429, {"Retry-After": "2"}), 200])
        hook = self.create(receiver)
        self.send_test(hook["id"])
        receiver.wait_for(1)
        wait_until(lambda: self.logs(hook["id"]))  # the engine has read the 429
        pushed_back = time.monotonic()
        self.send_test(hook["id"])
        self.send_test(hook["id"])
        requests = receiver.wait_for(4, timeout=15)
        self.assertGreater(min(r["time"] for r in requests[1:]) - pushed_back, 1.5)

    def test_stats_count_attempts(self):
        receiver = self.receiver([500, 200])
        hook = self.create(receiver)
        self.assertEqual(hook["stats"], {"delivered_24h": 0, "failed_24h": 0, "p50_ms": None, "p99_ms": None,
                                         "last_success_at": None, "last_failure_at": None})
        # A row of two days ago is outside the window; it goes once the webhook starts an hour.
        hour = 3600 * 1000
        old = (int(time.time() * 1000) // hour - 48) * hour
        db_execute_many(self.server.db, [("INSERT INTO webhook_stats (webhook_id, hour, delivered, failed, latency) "
                                          "VALUES (?, ?, ?, ?, ?)", [(hook["id"], old, 100, 100, "20:200")])])
        self.send_test(hook["id"])
        self.send_test(hook["id"])
        receiver.wait_for(3)

        def stats():
            # The record and the list say the same (read twice: an outcome may be stored between).
            s = self.api("GET", "/api/webhooks/%d" % hook["id"])[2]["stats"]
            [listed] = [w for w in self.api("GET", "/api/webhooks")[2] if w["id"] == hook["id"]]
            return s if s["delivered_24h"] == 2 and listed["stats"] == s else None
        s = wait_until(stats)
        self.assertEqual(s["failed_24h"], 1)
        self.assertGreaterEqual(s["p99_ms"], s["p50_ms"])
        self.assertIsNotNone(s["last_success_at"])
        self.assertIsNotNone(s["last_failure_at"])
        self.assertEqual(len(receiver.requests), 3)  # counted once each: nothing sent twice
        self.assertEqual(db_query(self.server.db, "SELECT COUNT(*) FROM webhook_stats WHERE hour = ?", [old]), [(0,)])


if __name__ == "__main__":
    unittest.main()
