"""Helpers for the sessions and votes tests: ISO timestamps, the outbox (`events`
table, read straight from the test server's database, SQLite or PostgreSQL) and a fresh active session."""
import json
import time
from datetime import datetime, timezone

from harness import db_query


def iso(ms):
    """Milliseconds since the epoch -> 2026-03-15T20:30:00.123Z."""
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def ms(text):
    """ISO 8601 as the server emits it -> milliseconds since the epoch."""
    dt = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return int(round(dt.timestamp() * 1000))


def now_ms():
    return int(time.time() * 1000)


def last_event_id(db):
    return db_query(db, "SELECT COALESCE(MAX(id), 0) FROM events")[0][0]


def events_after(db, after_id):
    """[(type, session_id, data dict)] of the outbox rows after after_id, oldest first."""
    rows = db_query(db, "SELECT type, session_id, data FROM events WHERE id > ? ORDER BY id", (after_id,))
    return [(t, s, json.loads(d)) for t, s, d in rows]


def db_count(db, table, where="1 = 1", args=()):
    return db_query(db, "SELECT COUNT(*) FROM %s WHERE %s" % (table, where), args)[0][0]


class SessionMixin:
    """For ServerTestCase subclasses."""

    def fresh_session(self, notes=None):
        """Closes the active session (if any) and starts a new one; returns it."""
        status, _, body = self.server.get("/api/sessions/active")
        self.assertEqual(status, 200, body)
        if body.get("id"):
            status, _, body = self.server.post("/api/sessions/%d/close" % body["id"], token=self.token)
            self.assertEqual(status, 200, body)
        status, _, body = self.server.post("/api/sessions", {"notes": notes} if notes else {}, token=self.token)
        self.assertEqual(status, 201, body)
        return body

    def add_game(self, session_id, game_id, **extra):
        body = dict(extra, game_id=game_id)
        status, _, sg = self.server.post("/api/sessions/%d/games" % session_id, body, token=self.token)
        self.assertEqual(status, 201, sg)
        return sg

    def game(self, game_id):
        status, _, body = self.server.get("/api/games/%d" % game_id)
        self.assertEqual(status, 200, body)
        return body

    def game_ids(self):
        status, _, games = self.server.get("/api/games")
        self.assertEqual(status, 200, games)
        return [g["id"] for g in games]
