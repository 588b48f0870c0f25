"""POST /api/pick: filters, repeat avoidance within a session, favor weights, errors."""
import collections
import datetime
import unittest
from urllib.parse import urlencode

from harness import ServerTestCase
from test_games import matches, new_game

NO_MATCH = "No games match the current filters"


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PickerTestCase(ServerTestCase):
    def pick(self, body=None):
        status, _, result = self.server.post("/api/pick", body if body is not None else {})
        self.assertEqual(status, 200, result)
        self.assertEqual(set(result.keys()), {"game", "poolSize"})
        return result

    def pick_counts(self, body, n):
        return collections.Counter(self.pick(body)["game"]["id"] for _ in range(n))

    def patch(self, path, body=None):
        status, _, result = self.server.request("PATCH", path, body=body, token=self.token)
        self.assertEqual(status, 200, result)
        return result

    def only_these_games(self, pack, titles):
        """Disables every other pack and creates `titles` in `pack`; returns the new games."""
        for p in self.server.get("/api/games/packs")[2]:
            self.patch("/api/games/packs/%s/toggle" % p["name"].replace(" ", "%20"), {"enabled": False})
        games = []
        for title in titles:
            status, _, game = self.server.post("/api/games", new_game(pack_name=pack, title=title), token=self.token)
            self.assertEqual(status, 201, game)
            games.append(game)
        return games


class PickerFilterTest(PickerTestCase):
    """The seeded catalogue, unchanged."""

    def test_pick_without_filters(self):
        result = self.pick()
        self.assertEqual(result["poolSize"], 58)
        self.assertEqual(self.server.get("/api/games/%d" % result["game"]["id"])[2], result["game"])

    def test_filters_are_respected(self):
        everything = self.server.get("/api/games")[2]
        cases = [{"playerCount": 3}, {"playerCount": 10}, {"drawing": "only"}, {"drawing": "exclude"},
                 {"length": "short"}, {"length": "medium"}, {"familyFriendly": True}, {"familyFriendly": False},
                 {"playerCount": 4, "drawing": "exclude", "length": "medium", "familyFriendly": True},
                 {"playerCount": 8, "familyFriendly": 1}]
        for body in cases:
            with self.subTest(body=body):
                expected = {g["id"] for g in everything if matches(g, **body)}
                self.assertTrue(expected)
                # The picker and GET /api/games agree on the filters.
                query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in body.items()}
                listed = self.server.get("/api/games?" + urlencode(query))[2]
                self.assertEqual({g["id"] for g in listed}, expected)
                seen = set()
                for _ in range(60):
                    result = self.pick(body)
                    self.assertIn(result["game"]["id"], expected)
                    self.assertEqual(result["poolSize"], len(expected))
                    seen.add(result["game"]["id"])
                # Random, not stuck on one game.
                if len(expected) > 2:
                    self.assertGreater(len(seen), 1)

    def test_nothing_matches(self):
        self.assertError(self.server.post("/api/pick", {"playerCount": 5000}), 404, NO_MATCH)
        self.assertError(self.server.post("/api/pick", {"length": "long"}), 404, NO_MATCH)

    def test_bad_input(self):
        for body in [{"playerCount": "4"}, {"playerCount": 0}, {"playerCount": -3}, {"playerCount": 2.5},
                     {"playerCount": 10 ** 20}, {"drawing": "sometimes"}, {"drawing": 1}, {"length": "epic"},
                     {"length": 15}, {"familyFriendly": "yes"}, {"familyFriendly": 2}, {"sessionId": "1"},
                     {"sessionId": -1}, {"sessionId": 0}, {"sessionId": 1.5}, {"excludePlayed": "true"}]:
            with self.subTest(body=body):
                self.assertError(self.server.post("/api/pick", body), 400)
        for raw in ["{oops", "[]", "\"x\""]:
            self.assertError(self.server.request("POST", "/api/pick", raw=raw,
                                                 headers={"Content-Type": "application/json"}), 400)

    def test_unknown_fields_and_nulls_are_ignored(self):
        result = self.pick({"playerCount": None, "drawing": None, "colour": "red", "pack": "ignored"})
        self.assertEqual(result["poolSize"], 58)

    def test_unknown_session(self):
        self.assertError(self.server.post("/api/pick", {"sessionId": 999999}), 404, "Session not found")


class PickerSessionTest(PickerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, _, cls.session = cls.server.post("/api/sessions", {"notes": "picker test"}, token=cls.token)
        assert status == 201, cls.session

    def add_to_session(self, game):
        status, _, body = self.server.post("/api/sessions/%d/games" % self.session["id"], {"game_id": game["id"]},
                                           token=self.token)
        self.assertEqual(status, 201, body)

    def test_repeat_avoidance(self):
        a, b, c, d = self.only_these_games("Session Pack", ["A", "B", "C", "D"])
        sid = self.session["id"]
        self.assertEqual(self.pick({"sessionId": sid})["poolSize"], 4)
        for game in (a, b, c):
            self.add_to_session(game)
        # By default the last two games played (B, C) are excluded.
        counts = self.pick_counts({"sessionId": sid}, 80)
        self.assertEqual(set(counts), {a["id"], d["id"]})
        self.assertEqual(self.pick({"sessionId": sid})["poolSize"], 2)
        # excludePlayed excludes all of them.
        counts = self.pick_counts({"sessionId": sid, "excludePlayed": True}, 20)
        self.assertEqual(set(counts), {d["id"]})
        self.assertEqual(self.pick({"sessionId": sid, "excludePlayed": True})["poolSize"], 1)
        # Without a session nothing is excluded.
        self.assertEqual(self.pick({})["poolSize"], 4)

        self.add_to_session(d)
        self.assertEqual(set(self.pick_counts({"sessionId": sid}, 60)), {a["id"], b["id"]})
        status, _, body = self.server.post("/api/pick", {"sessionId": sid, "excludePlayed": True})
        self.assertEqual(status, 404, body)
        self.assertIn("played", body["error"])

        # A disabled game is never picked.
        self.patch("/api/games/%d/toggle" % a["id"])
        self.assertEqual(set(self.pick_counts({"sessionId": sid}, 30)), {b["id"]})


class PickerSnapshotTest(PickerTestCase):
    """Picks are served from an in-memory copy of the catalogue: every change must reach
    the very next pick."""

    def test_every_catalogue_change_reaches_the_next_pick(self):
        one, two = self.only_these_games("Snapshot Pack", ["One", "Two"])
        body = {"playerCount": 5}
        self.assertEqual(self.pick(body)["poolSize"], 2)
        # Edited so the filter no longer matches it.
        status, _, edited = self.server.request("PUT", "/api/games/%d" % one["id"],
                                                body=new_game(pack_name="Snapshot Pack", title="One", max_players=4),
                                                token=self.token)
        self.assertEqual(status, 200, edited)
        self.assertEqual(set(self.pick_counts(body, 20)), {two["id"]})
        # Created.
        status, _, three = self.server.post("/api/games", new_game(pack_name="Snapshot Pack", title="Three"),
                                            token=self.token)
        self.assertEqual(status, 201, three)
        self.assertEqual(self.pick(body)["poolSize"], 2)
        # Deleted.
        status, _, _ = self.server.request("DELETE", "/api/games/%d" % two["id"], token=self.token)
        self.assertEqual(status, 200)
        self.assertEqual(set(self.pick_counts(body, 20)), {three["id"]})
        # The whole pack disabled, then enabled again.
        self.patch("/api/games/packs/Snapshot%20Pack/toggle", {"enabled": False})
        self.assertError(self.server.post("/api/pick", body), 404, NO_MATCH)
        self.patch("/api/games/packs/Snapshot%20Pack/toggle", {"enabled": True})
        self.assertEqual(self.pick({})["poolSize"], 2)
        # A play and a vote change the picked game's counters: the pick shows them at once.
        status, _, session = self.server.post("/api/sessions", {}, token=self.token)
        self.assertEqual(status, 201, session)
        status, _, _ = self.server.post("/api/sessions/%d/games" % session["id"], {"game_id": three["id"]},
                                        token=self.token)
        self.assertEqual(status, 201)
        status, _, vote = self.server.post("/api/votes/live", {"username": "v", "vote": "up",
                                                               "timestamp": now_iso()},
                                           token=self.token)
        self.assertEqual(status, 200, vote)
        picked = self.pick({"playerCount": 5})["game"]
        self.assertEqual(picked["id"], three["id"])
        self.assertEqual(picked, self.server.get("/api/games/%d" % three["id"])[2])
        self.assertEqual((picked["play_count"], picked["upvotes"]), (1, 1))


class PickerFavorTest(PickerTestCase):
    def share(self, counts, game):
        return counts[game["id"]] / sum(counts.values())

    def test_favor_weights_shift_frequencies(self):
        liked, other = self.only_these_games("Favor Pack", ["Liked", "Other"])
        n = 300
        # Neutral: about half each (expected 0.5, sd 0.03).
        self.assertTrue(0.35 < self.share(self.pick_counts({}, n), liked) < 0.65)
        # Favored (3x) against disfavored (0.2x): expected share 3 / 3.2 = 0.94.
        self.patch("/api/games/%d/favor" % liked["id"], {"favor_bias": 1})
        self.patch("/api/games/%d/favor" % other["id"], {"favor_bias": -1})
        self.assertGreater(self.share(self.pick_counts({}, n), liked), 0.8)
        # Back to neutral, then the same through pack favor.
        self.patch("/api/games/%d/favor" % liked["id"], {"favor_bias": 0})
        self.patch("/api/games/%d/favor" % other["id"], {"favor_bias": 0})
        status, _, body = self.server.request("PUT", "/api/games/%d" % other["id"], {"pack_name": "Cold Pack"},
                                              token=self.token)
        self.assertEqual(status, 200, body)
        self.patch("/api/games/packs/Favor%20Pack/favor", {"favor_bias": 1})
        self.patch("/api/games/packs/Cold%20Pack/favor", {"favor_bias": -1})
        self.assertGreater(self.share(self.pick_counts({}, n), liked), 0.8)
        # Game and pack factors multiply: a favored game in the disfavored pack (3 * 0.2 = 0.6)
        # against a neutral game in the favored pack (1 * 3 = 3): expected share 0.6 / 3.6 = 0.17.
        self.patch("/api/games/%d/favor" % other["id"], {"favor_bias": 1})
        self.assertTrue(0.05 < self.share(self.pick_counts({}, n), other) < 0.3)


if __name__ == "__main__":
    unittest.main()
