"""Standard Webhooks, exactly: deliveries verified by the official library (npm standardwebhooks,
installed by the build into standardwebhooks/node_modules), whsec_ and plain secrets, generated
secrets shown once."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import unittest

from harness import ServerTestCase
from test_webhooks import SECRET, WebhookMixin

VERIFIER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "standardwebhooks", "verify.mjs")


def official_verify(cases):
    """cases: (secret, raw, request) -> the library's verdict for each: "ok" or its error."""
    payload = [{"secret": secret, "raw": raw, "headers": request["headers"],
                "body_base64": base64.b64encode(request["body"]).decode()} for secret, raw, request in cases]
    out = subprocess.run(["node", VERIFIER], input=json.dumps(payload), capture_output=True, text=True, timeout=60,
                         check=True)
    return json.loads(out.stdout)


def new_whsec():
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


class StandardWebhooksTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "100ms"}

    def delivery(self, secret=SECRET, **kw):
        receiver = self.receiver()
        hook = self.webhook(receiver.url, secret=secret, **kw)
        self.send_test(hook["id"])
        return receiver.wait_for(1)[0]

    def test_whsec_secret_verifies_with_the_official_library(self):
        secret = new_whsec()
        request = self.delivery(secret)
        self.assertEqual(official_verify([(secret, False, request), (new_whsec(), False, request),
                                          (secret, True, request)]),
                         ["ok", "No matching signature found", "No matching signature found"])
        # The documented signature keeps the secret string as its key.
        self.assertEqual(request["headers"]["x-webhook-signature"],
                         "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest())

    def test_plain_secret_verifies_with_the_official_library_as_raw_key(self):
        request = self.delivery(SECRET)
        self.verify(request)  # both signatures keyed with the string's bytes, as before
        self.assertEqual(official_verify([(SECRET, True, request), (SECRET + "x", True, request)]),
                         ["ok", "No matching signature found"])

    def test_generated_secret_is_returned_once(self):
        receiver = self.receiver()
        status, _, created = self.api("POST", "/api/webhooks", {"name": "gen", "url": receiver.url,
                                                                 "events": ["game.added"]})
        self.assertEqual(status, 201, created)
        secret = created.pop("secret")
        self.assertRegex(secret, r"^whsec_[A-Za-z0-9+/]+={0,2}$")
        self.assertEqual(len(base64.b64decode(secret[6:])), 32)
        self.assertEqual(self.api("GET", "/api/webhooks/%d" % created["id"])[2], created)
        self.assertNotIn(secret, json.dumps(self.api("GET", "/api/webhooks")[2]))
        status, _, null_secret = self.api("POST", "/api/webhooks", {"name": "gen", "url": receiver.url,
                                                                     "secret": None, "events": ["game.added"]})
        self.assertEqual(status, 201, null_secret)
        self.assertNotEqual(null_secret["secret"], secret)
        self.send_test(created["id"])
        self.assertEqual(official_verify([(secret, False, receiver.wait_for(1)[0])]), ["ok"])
        # A secret given by the client is not echoed.
        self.assertNotIn("secret", self.webhook(receiver.url, secret=new_whsec()))

    def test_whsec_secret_must_carry_base64(self):
        good = {"name": "n", "url": "http://example.com/", "events": ["game.added"]}
        for secret in ("whsec_", "whsec_not base64", "whsec_abc", "whsec_YWJj\n"):
            with self.subTest(secret=secret):
                self.assertError(self.api("POST", "/api/webhooks", dict(good, secret=secret)), 400,
                                 "secret: after whsec_ must come the key in base64")
        wid = self.webhook("http://example.com/")["id"]
        self.assertError(self.api("PATCH", "/api/webhooks/%d" % wid, {"secret": "whsec_!!!!"}), 400,
                         "secret: after whsec_ must come the key in base64")
        self.assertError(self.api("POST", "/api/webhooks", dict(good, secret="")), 400, "secret must not be empty")


if __name__ == "__main__":
    unittest.main()
