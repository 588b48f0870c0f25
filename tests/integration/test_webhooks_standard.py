"""Standard Webhooks, exactly: deliveries verified by the official library (npm standardwebhooks,
installed by the build into standardwebhooks/node_modules), whsec_ and plain secrets, generated
secrets shown once."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
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


class SecretRotationTest(WebhookMixin, ServerTestCase):
    server_env = {"WEBHOOK_RETRY_SCHEDULE": "100ms"}

    def rotate(self, wid, body):
        status, _, rotated = self.api("POST", "/api/webhooks/%d/rotate-secret" % wid, body)
        self.assertEqual(status, 200, rotated)
        return rotated

    def test_both_signatures_during_the_window_only_the_new_one_after(self):
        receiver = self.receiver()
        old = new_whsec()
        wid = self.webhook(receiver.url, secret=old)["id"]
        rotated = self.rotate(wid, {"previous_valid_for": 60})
        new = rotated.pop("secret")
        self.assertRegex(new, r"^whsec_")
        expires = time.mktime(time.strptime(rotated["previous_secret_expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertLess(abs(expires - time.mktime(time.gmtime()) - 60), 5)
        self.assertEqual(self.api("GET", "/api/webhooks/%d" % wid)[2], rotated)

        self.send_test(wid)
        request = receiver.wait_for(1)[0]
        self.assertEqual(len(request["headers"]["webhook-signature"].split(" ")), 2)
        self.assertEqual(official_verify([(new, False, request), (old, False, request), (new_whsec(), False, request)]),
                         ["ok", "ok", "No matching signature found"])
        self.assertEqual(request["headers"]["x-webhook-signature"],
                         "sha256=" + hmac.new(new.encode(), request["body"], hashlib.sha256).hexdigest())

        # A chosen secret, the one before valid for one more second.
        newest = "plain newest secret"
        self.assertEqual(self.rotate(wid, {"secret": newest, "previous_valid_for": 1})["secret"], newest)
        self.send_test(wid)
        request = receiver.wait_for(2)[1]
        self.assertEqual(official_verify([(newest, True, request), (new, False, request), (old, False, request)]),
                         ["ok", "ok", "No matching signature found"])
        time.sleep(1.2)
        self.assertIsNone(self.api("GET", "/api/webhooks/%d" % wid)[2]["previous_secret_expires_at"])
        self.send_test(wid)
        request = receiver.wait_for(3)[2]
        self.assertEqual(len(request["headers"]["webhook-signature"].split(" ")), 1)
        self.assertEqual(official_verify([(newest, True, request), (new, False, request)]),
                         ["ok", "No matching signature found"])

    def test_patching_the_secret_replaces_it_at_once(self):
        receiver = self.receiver()
        old = new_whsec()
        wid = self.webhook(receiver.url, secret=old)["id"]
        self.rotate(wid, {})
        replaced = new_whsec()
        status, _, patched = self.api("PATCH", "/api/webhooks/%d" % wid, {"secret": replaced})
        self.assertEqual(status, 200, patched)
        self.assertIsNone(patched["previous_secret_expires_at"])
        self.send_test(wid)
        request = receiver.wait_for(1)[0]
        self.assertEqual(official_verify([(replaced, False, request), (old, False, request)]),
                         ["ok", "No matching signature found"])

    def test_rotation_validation(self):
        wid = self.webhook("http://example.com/")["id"]
        for body, message in (({"previous_valid_for": -1}, None), ({"previous_valid_for": 2592001}, None),
                              ({"previous_valid_for": "60"}, None), ({"previous_valid_for": 1.5}, None),
                              ({"secret": ""}, "secret must not be empty"),
                              ({"secret": "whsec_?"}, "secret: after whsec_ must come the key in base64")):
            with self.subTest(body=body):
                self.assertError(self.api("POST", "/api/webhooks/%d/rotate-secret" % wid, body), 400, message)
        self.assertError(self.api("POST", "/api/webhooks/424242/rotate-secret", {}), 404, "Webhook not found")
        self.assertError(self.server.request("POST", "/api/webhooks/%d/rotate-secret" % wid), 401)


if __name__ == "__main__":
    unittest.main()
