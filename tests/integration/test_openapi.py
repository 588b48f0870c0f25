"""GET /api/openapi.json against the real server: every operation it describes is
answered by a route (not the router's 404 or 405), with a status the document lists and,
for JSON answers, a body that matches the documented schema; admin operations refuse a
request without a token with 401.
tests/unit/openapi_test.cpp checks the other direction (every registered route is described)."""
import re
import unittest
import urllib.parse

from harness import ServerTestCase
from session_helpers import SessionMixin


class OpenApiTest(SessionMixin, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, headers, cls.doc = cls.server.get("/api/openapi.json")
        assert status == 200 and headers["content-type"].startswith("application/json"), (status, headers)

    def resolve(self, value):
        ref = value.get("$ref") if isinstance(value, dict) else None
        if not ref:
            return value
        _, _, kind, name = ref.split("/")
        return self.doc["components"][kind][name]

    TYPES = {"integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
             "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
             "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
             "null": lambda v: v is None, "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list)}

    def mismatches(self, schema, value, at="body"):
        """Where `value` breaks `schema` (the JSON Schema keywords docs/openapi.json uses)."""
        schema = self.resolve(schema)
        if "oneOf" in schema:
            matching = [s for s in schema["oneOf"] if not self.mismatches(s, value, at)]
            return [] if len(matching) == 1 else ["%s matches %d of the oneOf schemas" % (at, len(matching))]
        if "const" in schema and value != schema["const"]:
            return ["%s is %r, not %r" % (at, value, schema["const"])]
        if "enum" in schema and value not in schema["enum"]:
            return ["%s is %r, not one of %r" % (at, value, schema["enum"])]
        types = schema.get("type")
        if types is not None:
            types = types if isinstance(types, list) else [types]
            if not any(self.TYPES[t](value) for t in types):
                return ["%s is %r, not of type %s" % (at, value, "/".join(types))]
        problems = []
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value:
                    problems.append("%s has no %s" % (at, name))
            for name, sub in schema.get("properties", {}).items():
                if name in value:
                    problems += self.mismatches(sub, value[name], "%s.%s" % (at, name))
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                problems += self.mismatches(schema["items"], item, "%s[%d]" % (at, i))
        return problems

    def operations(self):
        """(method, path template, operation), DELETEs last so that the others find their records."""
        ops = [(method.upper(), path, op) for path, item in self.doc["paths"].items()
               for method, op in item.items() if method in ("get", "put", "post", "delete", "patch")]
        return sorted(ops, key=lambda o: o[0] == "DELETE")

    def concrete(self, path, op):
        """The path with each {param} replaced by its documented example."""
        examples = {}
        for p in op.get("parameters", []):
            p = self.resolve(p)
            if p["in"] == "path":
                examples[p["name"]] = urllib.parse.quote(str(p["example"]), safe="")
        return re.sub(r"\{([^}]+)\}", lambda m: examples[m.group(1)], path)

    def is_admin_only(self, op):
        return op.get("security") == [{"bearerAuth": []}]

    def test_it_is_the_documented_version(self):
        self.assertEqual(self.doc["openapi"], "3.1.0")
        self.assertGreater(len(self.doc["paths"]), 30)

    def test_every_described_operation_answers_with_a_described_status(self):
        # Records with id 1 exist, so the examples reach the handlers' main paths.
        session = self.fresh_session()
        self.add_game(session["id"], self.game_ids()[0])
        status, _, _ = self.server.post("/api/webhooks", {"name": "doc", "url": "http://127.0.0.1:9/hook", "secret": "s",
                                                          "events": ["game.added"]}, token=self.token)
        self.assertEqual(status, 201)
        answered = []
        for method, template, op in self.operations():
            path = self.concrete(template, op)
            with self.subTest(operation="%s %s" % (method, template)):
                if template == "/api/sessions/live":  # the WebSocket upgrade
                    status, _, _ = self.server.get(path)
                    self.assertEqual(status, 426)
                    continue
                body = {} if method in ("POST", "PUT", "PATCH") else None
                status, headers, answer = self.server.request(method, path, body=body, token=self.token)
                unrouted = status == 405 or (status == 404 and isinstance(answer, dict)
                                             and answer.get("error", "").startswith("Not found:"))
                self.assertFalse(unrouted, "%s %s is described but no route answers it: %s" % (method, path, answer))
                self.assertFalse(headers.get("content-type", "").startswith("text/html"),
                                 "%s %s fell through to the web app" % (method, path))
                self.assertIn(str(status), op["responses"],
                              "%s %s answered %d, which docs/openapi.json does not list: %s"
                              % (method, path, status, answer))
                content = self.resolve(op["responses"][str(status)]).get("content", {})
                if isinstance(answer, (dict, list)) and "application/json" in content:
                    self.assertEqual(self.mismatches(content["application/json"]["schema"], answer), [],
                                     "%s %s answered %d with a body docs/openapi.json does not describe"
                                     % (method, path, status))
                answered.append(status)

        # Most operations reached their handler's success path, so their bodies were checked.
        self.assertGreater(sum(200 <= s < 300 for s in answered), 25, answered)

    def test_admin_operations_refuse_a_request_without_a_token(self):
        for method, template, op in self.operations():
            if not self.is_admin_only(op):
                continue
            with self.subTest(operation="%s %s" % (method, template)):
                path = self.concrete(template, op)
                status, _, answer = self.server.request(method, path, body={} if method != "GET" else None)
                self.assertEqual(status, 401, answer)
                self.assertIn("401", op["responses"])


if __name__ == "__main__":
    unittest.main()
