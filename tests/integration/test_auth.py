import base64
import json
import unittest

from harness import ADMIN_KEY, ServerTestCase, Server


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class AuthTest(ServerTestCase):
    def test_health(self):
        status, _, body = self.server.get("/health")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")

    def test_login_and_verify(self):
        status, _, body = self.server.post("/api/auth/login", {"key": ADMIN_KEY})
        self.assertEqual(status, 200)
        self.assertEqual(body["message"], "Authentication successful")
        self.assertEqual(body["expiresIn"], "24h")
        header = json.loads(base64.urlsafe_b64decode(body["token"].split(".")[0] + "=="))
        self.assertEqual(header["alg"], "HS256")
        status, _, body = self.server.post("/api/auth/verify", token=body["token"])
        self.assertEqual(status, 200)
        self.assertTrue(body["valid"])
        self.assertEqual(body["user"]["role"], "admin")
        self.assertEqual(body["user"]["exp"] - body["user"]["iat"], 24 * 3600)

    def test_login_errors(self):
        self.assertError(self.server.post("/api/auth/login", {}), 400, "Admin key is required")
        self.assertError(self.server.post("/api/auth/login", {"key": ""}), 400, "Admin key is required")
        self.assertError(self.server.post("/api/auth/login", {"key": "wrong"}), 401, "Invalid admin key")
        self.assertError(self.server.post("/api/auth/login", {"key": 12}), 400)
        self.assertError(self.server.request("POST", "/api/auth/login", raw="{not json"), 400)

    def test_bearer_middleware(self):
        self.assertError(self.server.post("/api/auth/verify"), 401, "Access token required")
        self.assertError(self.server.post("/api/auth/verify", token="garbage"), 403, "Invalid or expired token")
        # alg "none" and a token signed with another secret are refused.
        payload = b64url(json.dumps({"role": "admin", "iat": 1, "exp": 99999999999}).encode())
        none_token = b64url(b'{"alg":"none","typ":"JWT"}') + "." + payload + "."
        self.assertError(self.server.post("/api/auth/verify", token=none_token), 403, "Invalid or expired token")
        parts = self.token.split(".")
        tampered = parts[0] + "." + payload + "." + parts[2]
        self.assertError(self.server.post("/api/auth/verify", token=tampered), 403, "Invalid or expired token")
        # As the original: the token is the word after any scheme.
        status, _, body = self.server.post("/api/auth/verify", headers={"Authorization": "bearer " + self.token})
        self.assertEqual(status, 200, body)
        self.assertError(self.server.post("/api/auth/verify", headers={"Authorization": "Bearer"}), 401,
                         "Access token required")
        self.assertError(self.server.post("/api/auth/verify", headers={"Authorization": "Basic abc"}), 403,
                         "Invalid or expired token")


class StartupTest(unittest.TestCase):
    def test_refuses_empty_secret(self):
        server = Server(env={"JWT_SECRET": ""})
        with self.assertRaises(RuntimeError):
            server.start(timeout=5)
        server.cleanup()


if __name__ == "__main__":
    unittest.main()
