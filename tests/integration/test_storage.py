"""Disk trouble (issue 8, F8): writes that the disk refuses answer 503 with Retry-After
while reads go on, and the server refuses at start-up a database it cannot write."""
import os
import resource
import subprocess
import sys
import tempfile
import unittest

from harness import ADMIN_KEY, BIN, CATALOGUE, JWT_SECRET, Server

STORES = ("sqlite",)  # SQLite's files on a full or read-only disk

NOBODY = 65534


def mount_tmpfs(path, size):
    """Mounts a tmpfs of `size` on `path`; returns why it could not, or None."""
    if os.geteuid() != 0:
        return "needs root to mount a tmpfs"
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path],
                            capture_output=True, text=True)
    return None if result.returncode == 0 else "mount failed: " + result.stderr.strip()


def tmpfs_or_skip(test, size):
    path = tempfile.mkdtemp(prefix="gamepicker-tmpfs-")
    reason = mount_tmpfs(path, size)
    if reason:
        os.rmdir(path)
        print("skipped: " + reason, file=sys.stderr)
        test.skipTest(reason)
    test.addCleanup(os.rmdir, path)
    test.addCleanup(subprocess.run, ["umount", "-l", path], check=True)
    return path


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def csv_rows(count):
    return "pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly," \
           "game_type,secondary_type\n" + "".join(
               "Filler Pack,Filler game %05d with a longish title to take room,2,8,15,1,1,Drawing,\n" % i
               for i in range(count))


class WritesFailTest(unittest.TestCase):
    def assert_storage_unavailable(self, response):
        status, headers, body = response
        self.assertEqual(status, 503, body)
        self.assertEqual(body["error"], "Storage unavailable")
        self.assertGreater(int(headers["retry-after"]), 0)

    def assert_reads_work(self, server, games):
        self.assertEqual(server.get("/health")[0], 200)
        status, _, body = server.get("/api/games")
        self.assertEqual((status, len(body)), (200, games))
        self.assertEqual(server.get("/api/sessions")[0], 200)
        self.assertEqual(server.get("/api/stats")[0], 200)

    def test_writes_answer_503_past_the_file_size_limit_and_reads_go_on(self):
        # Every write to a file fails with EFBIG (SQLITE_IOERR) while the limit is 0,
        # as when a disk starts failing; works as any user.
        server = Server().start()
        self.addCleanup(server.cleanup)
        token = server.login()
        games = len(server.get("/api/games")[2])
        pid = server.proc.pid
        limit = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, limit[1]))
        try:
            for _ in range(3):
                self.assert_storage_unavailable(server.post("/api/sessions", {"notes": "x"}, token=token))
                self.assert_storage_unavailable(server.request("POST", "/api/games/import/csv", raw=csv_rows(5),
                                                               token=token, headers={"Content-Type": "text/csv"}))
                self.assert_reads_work(server, games)
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, limit)
        self.assertIsNone(server.proc.poll(), "the server exited")
        failures = server.wait_for_log(lambda line: "storage unavailable" in line)
        self.assertIn("disk I/O error", failures[0])
        self.assertIn("path=/api/sessions", failures[0])
        # Once the disk takes writes again, so does the server.
        status, _, session = server.post("/api/sessions", {"notes": "after"}, token=token)
        self.assertEqual(status, 201, session)
        self.assertEqual(server.get("/api/sessions/active")[2]["id"], session["id"])

    def test_a_full_disk_answers_503_reads_go_on_and_writes_resume_when_space_is_back(self):
        mount = tmpfs_or_skip(self, "4m")
        server = Server(db_dir=mount).start()
        self.addCleanup(server.cleanup)
        token = server.login()
        games = len(server.get("/api/games")[2])
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as f:
            try:
                for chunk in (65536, 4096):
                    while True:
                        f.write(b"\0" * chunk)
                        f.flush()
            except OSError:
                pass
        rows = csv_rows(3000)  # ~230 KB: more than the WAL has room for
        import_rows = lambda: server.request("POST", "/api/games/import/csv", raw=rows, token=token,
                                             headers={"Content-Type": "text/csv"})
        self.assert_storage_unavailable(import_rows())
        self.assert_reads_work(server, games)
        server.wait_for_log(lambda line: "storage unavailable" in line and "database or disk is full" in line)
        os.remove(filler)
        status, _, body = import_rows()
        self.assertEqual(status, 200, body)
        self.assertEqual(len(server.get("/api/games")[2]), games + 3000)


class StartupRefusalTest(unittest.TestCase):
    """A database the process cannot write is refused at start-up, with the reason."""

    def start_expecting_refusal(self, db, preexec_fn=None):
        env = dict(os.environ, ADMIN_KEY=ADMIN_KEY, JWT_SECRET=JWT_SECRET)
        cmd = [os.path.abspath(BIN), "--port", "0", "--host", "127.0.0.1", "--db", db, "--catalogue", CATALOGUE]
        try:
            result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=10, preexec_fn=preexec_fn)
        except subprocess.TimeoutExpired:
            self.fail("the server started on a database it cannot write")
        self.assertNotEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("msg=listening", result.stderr)
        return result.stderr

    def make_database(self, folder):
        server = Server(db_dir=folder).start()
        server.stop()
        return server.db

    def test_refuses_a_database_file_it_cannot_write(self):
        folder = tempfile.mkdtemp(prefix="gamepicker-test-")
        self.addCleanup(subprocess.run, ["rm", "-rf", folder])
        db = self.make_database(folder)
        if os.geteuid() == 0:  # root writes anything: run as nobody on root's 0644 file
            os.chmod(folder, 0o777)
            os.chmod(db, 0o644)
            stderr = self.start_expecting_refusal(db, as_nobody)
        else:
            os.chmod(db, 0o444)
            stderr = self.start_expecting_refusal(db)
        self.assertRegex(stderr, "cannot write the database file '%s(-wal|-shm)?': Permission denied" % db)

    def test_refuses_a_folder_it_cannot_create_files_in(self):
        parent = tempfile.mkdtemp(prefix="gamepicker-test-")
        self.addCleanup(subprocess.run, ["rm", "-rf", parent])
        folder = os.path.join(parent, "db")
        os.mkdir(folder)
        os.chmod(parent, 0o755)
        if os.geteuid() == 0:
            stderr = self.start_expecting_refusal(os.path.join(folder, "test.db"), as_nobody)
        else:
            os.chmod(folder, 0o555)
            self.addCleanup(os.chmod, folder, 0o755)
            stderr = self.start_expecting_refusal(os.path.join(folder, "test.db"))
        self.assertIn("cannot create files in the database folder '%s': Permission denied" % folder, stderr)

    def test_refuses_a_read_only_file_system(self):
        mount = tmpfs_or_skip(self, "4m")
        db = self.make_database(mount)
        subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
        stderr = self.start_expecting_refusal(db)
        self.assertIn("cannot write the database file '%s': Read-only file system" % db, stderr)


if __name__ == "__main__":
    unittest.main()
