"""The binary runs from any directory (issue 8, item 10): the catalogue is compiled in,
the default database goes to ./data/gamepicker.db (folder created), --version says what
was built."""
import csv
import os
import re
import sqlite3
import subprocess
import tempfile
import unittest

from harness import BIN, CATALOGUE, PG_STATE, Server, db_query, pg_create_database, sqlite_only


class StandaloneTest(unittest.TestCase):
    def start_in(self, cwd, **kw):
        server = Server(db_dir=cwd, cwd=cwd, **kw).start()
        self.addCleanup(server.cleanup)
        return server

    def test_seeds_the_bundled_catalogue_into_the_default_database_from_an_empty_directory(self):
        with open(CATALOGUE, newline="") as f:
            bundled = list(csv.DictReader(f))
        with tempfile.TemporaryDirectory(prefix="gamepicker-cwd-") as cwd:
            server = self.start_in(cwd, catalogue=None, db_flag=False)
            status, _, games = server.get("/api/games")
            self.assertEqual(status, 200, games)
            self.assertEqual(sorted(g["title"] for g in games), sorted(r["title"] for r in bundled))
            self.assertTrue([line for line in server.log_lines if "catalogue seeded" in line and "from=bundled" in line],
                            server.log_lines)
            self.assertTrue(os.path.isfile(os.path.join(cwd, "data", "gamepicker.db")))
            server.stop()

    def test_migrate_brings_the_schema_up_to_date_and_exits(self):
        server = Server()  # only for its database: a new SQLite file or PostgreSQL database
        self.addCleanup(server.cleanup)
        if PG_STATE:
            pg_create_database(server.db)
        for command in (["migrate"], ["--migrate-only"]):  # the second finds nothing to do
            done = subprocess.run([BIN] + command + ["--db", server.db], env=dict(os.environ, DEV_MODE="1"),
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn('msg="schema up to date"', done.stderr)
            self.assertNotIn("msg=listening", done.stderr)
        self.assertEqual(done.stderr.count('msg="schema migrated"'), 0, done.stderr)
        versions = db_query(server.db, "SELECT COUNT(*) FROM schema_migrations")[0][0]
        self.assertGreater(versions, 0)
        self.assertEqual(db_query(server.db, "SELECT COUNT(*) FROM games")[0][0], 0)  # nothing seeded

    @sqlite_only("SQLite checks IN lists through a temporary b-tree per row")
    def test_status_checks_are_written_without_in_lists_and_still_refuse_other_values(self):
        server = Server().start()
        self.addCleanup(server.cleanup)
        token = server.login()
        session = server.post("/api/sessions", {}, token=token)[2]
        self.assertEqual(server.post(f"/api/sessions/{session['id']}/games", {"game_id": 1}, token=token)[0], 201)
        server.stop()
        tables = ("session_games", "webhook_deliveries")
        in_lists = {"session_games": "CHECK (status IN ('playing', 'played', 'skipped'))",
                    "webhook_deliveries": "CHECK (status IN ('pending', 'delivered', 'failed'))"}

        def schema():
            return dict(db_query(server.db, "SELECT name, sql FROM sqlite_schema WHERE name IN (?, ?)", tables))

        for name, sql in schema().items():
            self.assertNotIn(in_lists[name], sql)
            self.assertIn("CHECK (status = ", sql)
        with self.assertRaisesRegex(sqlite3.IntegrityError, "CHECK constraint failed"):
            db_query(server.db, "UPDATE session_games SET status = 'bogus'")
        # A database from before: the IN lists back in its schema, as the first migration wrote them.
        conn = sqlite3.connect(server.db, isolation_level=None)
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute("BEGIN")
        conn.execute("PRAGMA writable_schema = ON")
        for name in tables:
            sql = conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (name,)).fetchone()[0]
            ors = re.search(r"CHECK \(status = [^)]*\)", sql).group(0)
            conn.execute("UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE name = ?", (ors, in_lists[name], name))
        conn.execute(f"PRAGMA schema_version = {version + 1}")
        conn.execute("PRAGMA writable_schema = OFF")
        conn.execute("COMMIT")
        conn.close()
        for name, sql in schema().items():
            self.assertIn(in_lists[name], sql)
        server.start()
        self.assertTrue(server.wait_for_log(lambda line: "status checks rewritten" in line), server.log_lines)
        for name, sql in schema().items():
            self.assertNotIn(in_lists[name], sql)
        self.assertEqual(db_query(server.db, "PRAGMA integrity_check"), [("ok",)])
        token = server.login()
        self.assertEqual(server.post(f"/api/sessions/{session['id']}/games", {"game_id": 2}, token=token)[0], 201)
        played = db_query(server.db, "SELECT status FROM session_games ORDER BY id")
        self.assertEqual(played, [("played",), ("playing",)])
        server.stop()

    def test_a_catalogue_file_overrides_the_bundled_one(self):
        with tempfile.TemporaryDirectory(prefix="gamepicker-cwd-") as cwd:
            path = os.path.join(cwd, "mine.csv")
            with open(path, "w") as f:
                f.write("pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,"
                        "game_type,secondary_type\nHome Pack,Only Game,2,4,10,0,1,Trivia,\n")
            server = self.start_in(cwd, catalogue="mine.csv")
            self.assertEqual([g["title"] for g in server.get("/api/games")[2]], ["Only Game"])
            server.stop()

    def test_version(self):
        with tempfile.TemporaryDirectory(prefix="gamepicker-cwd-") as cwd:
            env = {k: v for k, v in os.environ.items() if k not in ("ADMIN_KEY", "JWT_SECRET")}
            result = subprocess.run([os.path.abspath(BIN), "--version"], cwd=cwd, env=env,
                                    capture_output=True, text=True, timeout=10)
        self.assertEqual(result.returncode, 0, result.stderr)
        # e.g. "gamepicker 0.1.0 (6d18f3b-dirty, Release)"
        self.assertRegex(result.stdout.strip(),
                         r"^gamepicker \d+\.\d+\.\d+ \((\S+|unknown commit), (Release|Debug|RelWithDebInfo|MinSizeRel)\)$")


if __name__ == "__main__":
    unittest.main()
