"""The README's curl walkthrough ("A game night with curl") works as written: the block
is taken from README.md and run with bash, as one pasted block, against a fresh server."""
import json
import os
import re
import subprocess
import unittest

from harness import ADMIN_KEY, ServerTestCase

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../README.md")

# Stops at the first failing command; curl fails on an HTTP error (printing the body) and
# every answer ends its own line, so the output is one JSON document per request.
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --show-error "$@"; echo; }
"""


def walkthrough():
    text = open(README, encoding="utf-8").read()
    match = re.search(r"^## A game night with curl\n.*?^```bash\n(.*?)^```", text, re.S | re.M)
    if not match:
        raise AssertionError("README.md has no bash block under 'A game night with curl'")
    return match.group(1)


class ReadmeWalkthroughTest(ServerTestCase):
    def test_walkthrough_runs_as_pasted(self):
        script = walkthrough()
        env = dict(os.environ, BASE="http://127.0.0.1:%d" % self.server.port, ADMIN_KEY=ADMIN_KEY)
        done = subprocess.run(["bash", "-c", PRELUDE + script], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (done.stdout, done.stderr))
        answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        requests = len(re.findall(r"^curl ", script, re.M))
        self.assertEqual(len(answers), requests, done.stdout)
        for answer in answers:
            self.assertFalse(isinstance(answer, dict) and "error" in answer, answer)

        # The night it describes happened: one game, one up vote for it, the session closed.
        session = self.server.get("/api/sessions/1")[2]
        self.assertEqual((session["games_played"], session["is_active"]), (1, 0))
        votes = self.server.get("/api/sessions/1/votes")[2]["votes"]
        self.assertEqual([(v["game_id"], v["upvotes"], v["downvotes"]) for v in votes], [(42, 1, 0)])


if __name__ == "__main__":
    unittest.main()
