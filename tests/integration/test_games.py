"""The catalogue: GET/POST/PUT/DELETE /api/games..., packs, favor, toggles, CSV export/import."""
import csv
import io
import unittest
from urllib.parse import quote, urlencode

from harness import CATALOGUE, Server, ServerTestCase

FIELDS = ["id", "pack_name", "title", "min_players", "max_players", "length_minutes", "has_audience",
          "family_friendly", "game_type", "secondary_type", "play_count", "popularity_score", "upvotes",
          "downvotes", "enabled", "favor_bias", "created_at"]
CSV_COLUMNS = ["pack_name", "title", "min_players", "max_players", "length_minutes", "has_audience",
               "family_friendly", "game_type", "secondary_type"]
BAD_IDS = ["abc", "-1", "0", "1.5", "99999999999999999999999"]
# Stored and returned byte for byte.
TRICKY = "Ünïcødé 🎲 \"quoted\" 'single'; DROP TABLE games; -- %s _ \\ ,"


def matches(game, enabled=None, playerCount=None, drawing=None, length=None, familyFriendly=None, pack=None):
    """The documented filter rules, as a reference for the server's."""
    if enabled is not None and game["enabled"] != int(enabled):
        return False
    if playerCount is not None and not game["min_players"] <= playerCount <= game["max_players"]:
        return False
    if drawing == "only" and game["game_type"] != "Drawing":
        return False
    if drawing == "exclude" and game["game_type"] == "Drawing":
        return False
    minutes = game["length_minutes"]
    if length == "short" and not (minutes is None or minutes <= 15):
        return False
    if length == "medium" and not (minutes is not None and 16 <= minutes <= 25):
        return False
    if length == "long" and not (minutes is not None and minutes > 25):
        return False
    if familyFriendly is not None and game["family_friendly"] != int(familyFriendly):
        return False
    return pack is None or game["pack_name"] == pack


def new_game(**overrides):
    body = {"pack_name": "Test Pack", "title": "Test Game", "min_players": 2, "max_players": 6,
            "length_minutes": 20, "has_audience": True, "family_friendly": False, "game_type": "Trivia",
            "secondary_type": None}
    body.update(overrides)
    return body


def admin_routes(game_id):
    return [("GET", "/api/games/export/csv", None),
            ("POST", "/api/games", new_game()),
            ("PUT", "/api/games/%d" % game_id, new_game()),
            ("DELETE", "/api/games/%d" % game_id, None),
            ("PATCH", "/api/games/%d/toggle" % game_id, None),
            ("PATCH", "/api/games/%d/favor" % game_id, {"favor_bias": 1}),
            ("PATCH", "/api/games/packs/Standalone/favor", {"favor_bias": 1}),
            ("PATCH", "/api/games/packs/Standalone/toggle", {"enabled": False}),
            ("POST", "/api/games/import/csv", {"csvData": ",".join(CSV_COLUMNS) + "\n"})]


class CatalogueReadTest(ServerTestCase):
    """A freshly seeded server; nothing here changes it."""

    def games(self, **query):
        status, headers, body = self.server.get("/api/games" + ("?" + urlencode(query) if query else ""))
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        return body

    def test_seeded_catalogue_is_the_csv(self):
        with open(CATALOGUE, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 58)
        games = self.games()
        self.assertEqual(len(games), 58)

        def key(g):
            return (g["pack_name"], g["title"], int(g["min_players"]), int(g["max_players"]),
                    int(g["length_minutes"]) if g["length_minutes"] not in ("", None) else None,
                    int(g["has_audience"]), int(g["family_friendly"]), g["game_type"] or None,
                    g["secondary_type"] or None)
        self.assertEqual(sorted(map(key, games)), sorted(map(key, rows)))

    def test_game_shape_and_types(self):
        games = self.games()
        for g in games:
            self.assertEqual(list(g.keys()), FIELDS)
            for flag in ("has_audience", "family_friendly", "enabled"):
                self.assertIn(g[flag], (0, 1))
            self.assertEqual(g["enabled"], 1)
            self.assertEqual(g["favor_bias"], 0)
            self.assertEqual(g["play_count"], 0)
            self.assertRegex(g["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(games, sorted(games, key=lambda g: (g["pack_name"], g["title"])))

    def test_filters_match_the_documented_rules(self):
        everything = self.games()
        cases = [{"enabled": "true"}, {"enabled": "false"}, {"playerCount": 3}, {"playerCount": 9},
                 {"playerCount": 1}, {"drawing": "only"}, {"drawing": "exclude"}, {"length": "short"},
                 {"length": "medium"}, {"length": "long"}, {"familyFriendly": "true"},
                 {"familyFriendly": "false"}, {"pack": "Jackbox Party Pack 7"}, {"pack": "No Such Pack"},
                 {"playerCount": 4, "drawing": "exclude", "length": "short", "familyFriendly": "true"},
                 {"pack": "Jackbox Party Pack 3", "playerCount": 8, "enabled": "true"}]
        for query in cases:
            with self.subTest(query=query):
                ref = {k: (v == "true" if v in ("true", "false") else v) for k, v in query.items()}
                expected = [g for g in everything if matches(g, **ref)]
                self.assertEqual(self.games(**query), expected)
        # The rules are exercised, not vacuous.
        self.assertTrue(0 < len(self.games(drawing="only")) < 58)
        self.assertTrue(0 < len(self.games(length="medium")) < 58)
        self.assertEqual(len(self.games(pack="Jackbox Party Pack 7")), 5)
        # Repeated reads (served from the cache) are identical.
        self.assertEqual(self.games(playerCount=3), self.games(playerCount=3))

    def test_bad_filters(self):
        for query in ["enabled=yes", "playerCount=abc", "playerCount=-2", "playerCount=0", "playerCount=2.5",
                      "playerCount=99999999999999999999", "drawing=sometimes", "length=epic",
                      "familyFriendly=maybe", "enabled="]:
            with self.subTest(query=query):
                self.assertError(self.server.get("/api/games?" + query), 400)
        # Unknown query parameters are ignored.
        self.assertEqual(len(self.games(color="blue")), 58)

    def test_one_game(self):
        first = self.games()[0]
        status, _, body = self.server.get("/api/games/%d" % first["id"])
        self.assertEqual(status, 200)
        self.assertEqual(body, first)
        self.assertError(self.server.get("/api/games/999999"), 404, "Game not found")
        for bad in BAD_IDS:
            self.assertError(self.server.get("/api/games/" + bad), 400, "Invalid game id")

    def test_packs(self):
        status, _, packs = self.server.get("/api/games/packs")
        self.assertEqual(status, 200)
        names = [p["name"] for p in packs]
        self.assertEqual(names, sorted({g["pack_name"] for g in self.games()}))
        self.assertEqual(len(names), 12)
        for p in packs:
            self.assertEqual(set(p.keys()), {"id", "name", "favor_bias", "created_at"})
            self.assertEqual(p["favor_bias"], 0)

    def test_pack_meta(self):
        status, _, meta = self.server.get("/api/games/meta/packs")
        self.assertEqual(status, 200)
        games = self.games()
        self.assertEqual(len(meta), 12)
        for m in meta:
            in_pack = [g for g in games if g["pack_name"] == m["name"]]
            self.assertEqual(m["total_count"], len(in_pack))
            self.assertEqual(m["enabled_count"], len(in_pack))
            self.assertEqual(m["total_plays"], 0)
            self.assertEqual(m["favor_bias"], 0)
        self.assertEqual([m["name"] for m in meta], sorted(m["name"] for m in meta))

    def test_writes_need_a_valid_token(self):
        game_id = self.games()[0]["id"]
        for method, path, body in admin_routes(game_id):
            with self.subTest(method=method, path=path):
                self.assertError(self.server.request(method, path, body=body), 401, "Access token required")
                self.assertError(self.server.request(method, path, body=body, token="not.a.token"), 403,
                                 "Invalid or expired token")
        self.assertEqual(len(self.games()), 58)


class CatalogueWriteTest(ServerTestCase):
    def create(self, **overrides):
        status, _, body = self.server.post("/api/games", new_game(**overrides), token=self.token)
        self.assertEqual(status, 201, body)
        return body

    def patch(self, path, body=None):
        return self.server.request("PATCH", path, body=body, token=self.token)

    def put(self, path, body):
        return self.server.request("PUT", path, body=body, token=self.token)

    def test_create_returns_the_stored_game(self):
        game = self.create(pack_name="Create Pack", title="Created", extra_field="ignored", id=12345,
                           play_count=99, enabled=0)
        self.assertEqual(list(game.keys()), FIELDS)
        self.assertNotEqual(game["id"], 12345)
        self.assertEqual((game["pack_name"], game["title"], game["min_players"], game["max_players"]),
                         ("Create Pack", "Created", 2, 6))
        self.assertEqual((game["length_minutes"], game["has_audience"], game["family_friendly"]), (20, 1, 0))
        self.assertEqual((game["game_type"], game["secondary_type"]), ("Trivia", None))
        self.assertEqual((game["play_count"], game["enabled"], game["favor_bias"]), (0, 1, 0))
        self.assertEqual(self.server.get("/api/games/%d" % game["id"])[2], game)
        listed = self.server.get("/api/games?pack=Create%20Pack")[2]
        self.assertEqual(listed, [game])
        packs = [p["name"] for p in self.server.get("/api/games/packs")[2]]
        self.assertIn("Create Pack", packs)

    def test_lists_reflect_every_change(self):
        """GET /api/games is cached per filter; every write must show up at once."""
        self.assertEqual(self.server.get("/api/games?length=long")[2], [])
        game = self.create(pack_name="Long Pack", title="Marathon", length_minutes=40)
        self.assertEqual([g["id"] for g in self.server.get("/api/games?length=long")[2]], [game["id"]])
        steps = [lambda: self.patch("/api/games/%d/toggle" % game["id"]),
                 lambda: self.patch("/api/games/%d/favor" % game["id"], {"favor_bias": -1}),
                 lambda: self.put("/api/games/%d" % game["id"], {"title": "Ultra Marathon"}),
                 lambda: self.patch("/api/games/packs/Long%20Pack/toggle", {"enabled": True})]
        for step in steps:
            status, _, body = step()
            self.assertEqual(status, 200, body)
            self.assertEqual(self.server.get("/api/games?length=long")[2],
                             [self.server.get("/api/games/%d" % game["id"])[2]])
        self.server.request("DELETE", "/api/games/%d" % game["id"], token=self.token)
        self.assertEqual(self.server.get("/api/games?length=long")[2], [])

    def test_optional_fields_default(self):
        game = self.create(title="Minimal", pack_name="Minimal Pack", length_minutes=None, game_type="  ",
                           has_audience=1, family_friendly=0)
        self.assertIsNone(game["length_minutes"])
        self.assertIsNone(game["game_type"])
        self.assertEqual((game["has_audience"], game["family_friendly"]), (1, 0))
        status, _, game = self.server.post("/api/games", {"pack_name": "P", "title": "T", "min_players": 1,
                                                          "max_players": 1}, token=self.token)
        self.assertEqual(status, 201, game)
        self.assertEqual((game["length_minutes"], game["has_audience"], game["family_friendly"],
                          game["game_type"], game["secondary_type"]), (None, 0, 0, None, None))

    def test_text_is_stored_verbatim(self):
        game = self.create(pack_name=TRICKY, title=TRICKY + " title", game_type=TRICKY, secondary_type="ß")
        fetched = self.server.get("/api/games/%d" % game["id"])[2]
        self.assertEqual((fetched["pack_name"], fetched["title"], fetched["game_type"], fetched["secondary_type"]),
                         (TRICKY, TRICKY + " title", TRICKY, "ß"))
        self.assertEqual(self.server.get("/api/games?" + urlencode({"pack": TRICKY}))[2], [fetched])
        # The pack routes take the name from the path.
        status, _, pack = self.patch("/api/games/packs/%s/favor" % quote(TRICKY, safe=""), {"favor_bias": -1})
        self.assertEqual(status, 200, pack)
        self.assertEqual((pack["name"], pack["favor_bias"]), (TRICKY, -1))

    def test_create_validation(self):
        cases = [({"title": None}, "title is required"), ({"title": ""}, "title is required"),
                 ({"title": "   "}, "title is required"), ({"title": 5}, "title must be a string"),
                 ({"pack_name": None}, "pack_name is required"), ({"pack_name": ["x"]}, None),
                 ({"min_players": None}, "min_players is required"), ({"max_players": None}, None),
                 ({"min_players": "2"}, None), ({"min_players": 0}, None), ({"min_players": -3}, None),
                 ({"min_players": 2.5}, None), ({"max_players": 10 ** 30}, None), ({"max_players": True}, None),
                 ({"min_players": 7, "max_players": 3}, "min_players must not be greater than max_players"),
                 ({"length_minutes": -1}, None), ({"length_minutes": "20"}, None),
                 ({"has_audience": "yes"}, None), ({"has_audience": 2}, None), ({"family_friendly": "true"}, None),
                 ({"game_type": 3}, None), ({"secondary_type": {}}, None)]
        before = len(self.server.get("/api/games")[2])
        for overrides, message in cases:
            with self.subTest(overrides=overrides):
                body = new_game(**overrides)
                self.assertError(self.server.post("/api/games", body, token=self.token), 400, message)
        for raw in ["{not json", "[1,2]", "42"]:
            self.assertError(self.server.request("POST", "/api/games", raw=raw, token=self.token,
                                                 headers={"Content-Type": "application/json"}), 400)
        self.assertEqual(len(self.server.get("/api/games")[2]), before)

    def test_update(self):
        game = self.create(pack_name="Update Pack", title="Before")
        # A whole game, as GET returns it (flags as 0/1), is accepted.
        whole = dict(game, title="After", min_players=3, has_audience=0, length_minutes=None)
        status, _, updated = self.put("/api/games/%d" % game["id"], whole)
        self.assertEqual(status, 200, updated)
        self.assertEqual((updated["title"], updated["min_players"], updated["has_audience"],
                          updated["length_minutes"]), ("After", 3, 0, None))
        self.assertEqual((updated["id"], updated["created_at"]), (game["id"], game["created_at"]))
        # A partial body changes only what it names.
        status, _, partial = self.put("/api/games/%d" % game["id"], {"secondary_type": "Party", "junk": 1})
        self.assertEqual(status, 200, partial)
        self.assertEqual(partial, dict(updated, secondary_type="Party"))
        # Moving it to a new pack creates the pack.
        status, _, moved = self.put("/api/games/%d" % game["id"], {"pack_name": "Brand New Pack"})
        self.assertEqual(status, 200, moved)
        self.assertEqual(moved["pack_name"], "Brand New Pack")
        self.assertIn("Brand New Pack", [p["name"] for p in self.server.get("/api/games/packs")[2]])
        self.assertEqual(self.server.get("/api/games/%d" % game["id"])[2], moved)

    def test_update_errors(self):
        game = self.create(pack_name="Update Errors", title="X", min_players=2, max_players=4)
        path = "/api/games/%d" % game["id"]
        self.assertError(self.put(path, {"min_players": 5}), 400, "min_players must not be greater than max_players")
        self.assertError(self.put(path, {"title": ""}), 400, "title is required")
        self.assertError(self.put(path, {"max_players": None}), 400, "max_players is required")
        self.assertError(self.put(path, {"length_minutes": "long"}), 400)
        self.assertError(self.put("/api/games/999999", new_game()), 404, "Game not found")
        for bad in BAD_IDS:
            self.assertError(self.put("/api/games/" + bad, new_game()), 400, "Invalid game id")
        self.assertEqual(self.server.get(path)[2], game)

    def test_delete(self):
        game = self.create(pack_name="Delete Pack", title="Doomed")
        path = "/api/games/%d" % game["id"]
        status, _, body = self.server.request("DELETE", path, token=self.token)
        self.assertEqual(status, 200, body)
        self.assertIn("message", body)
        self.assertError(self.server.get(path), 404, "Game not found")
        self.assertError(self.server.request("DELETE", path, token=self.token), 404, "Game not found")
        self.assertNotIn(game["id"], [g["id"] for g in self.server.get("/api/games")[2]])
        for bad in BAD_IDS:
            self.assertError(self.server.request("DELETE", "/api/games/" + bad, token=self.token), 400)

    def test_toggle(self):
        game = self.create(pack_name="Toggle Pack", title="Flip")
        path = "/api/games/%d/toggle" % game["id"]
        status, _, off = self.patch(path)
        self.assertEqual(status, 200, off)
        self.assertEqual(off["enabled"], 0)
        self.assertEqual(self.server.get("/api/games?enabled=false&pack=Toggle%20Pack")[2], [off])
        self.assertEqual(self.server.get("/api/games?enabled=true&pack=Toggle%20Pack")[2], [])
        self.assertEqual(self.patch(path)[2]["enabled"], 1)
        self.assertEqual(self.server.get("/api/games?enabled=true&pack=Toggle%20Pack")[2][0]["enabled"], 1)
        self.assertError(self.patch("/api/games/999999/toggle"), 404, "Game not found")
        for bad in BAD_IDS:
            self.assertError(self.patch("/api/games/%s/toggle" % bad), 400, "Invalid game id")

    def test_game_favor(self):
        game = self.create(pack_name="Favor Pack", title="Liked")
        path = "/api/games/%d/favor" % game["id"]
        for bias in (1, -1, 0):
            status, _, body = self.patch(path, {"favor_bias": bias})
            self.assertEqual(status, 200, body)
            self.assertEqual(body["favor_bias"], bias)
            self.assertEqual(self.server.get("/api/games/%d" % game["id"])[2]["favor_bias"], bias)
        for bad in [{"favor_bias": 2}, {"favor_bias": -2}, {"favor_bias": "1"}, {"favor_bias": 0.5}, {}]:
            self.assertError(self.patch(path, bad), 400)
        self.assertError(self.patch("/api/games/999999/favor", {"favor_bias": 1}), 404, "Game not found")
        self.assertError(self.patch("/api/games/abc/favor", {"favor_bias": 1}), 400, "Invalid game id")

    def test_pack_favor(self):
        self.create(pack_name="Pack Favor", title="A")
        status, _, pack = self.patch("/api/games/packs/Pack%20Favor/favor", {"favor_bias": 1})
        self.assertEqual(status, 200, pack)
        self.assertEqual((pack["name"], pack["favor_bias"]), ("Pack Favor", 1))
        listed = {p["name"]: p for p in self.server.get("/api/games/packs")[2]}
        self.assertEqual(listed["Pack Favor"], pack)
        meta = {m["name"]: m for m in self.server.get("/api/games/meta/packs")[2]}
        self.assertEqual(meta["Pack Favor"]["favor_bias"], 1)
        self.assertError(self.patch("/api/games/packs/Pack%20Favor/favor", {"favor_bias": 5}), 400)
        self.assertError(self.patch("/api/games/packs/Pack%20Favor/favor", {"favor_bias": None}), 400)
        self.assertError(self.patch("/api/games/packs/No%20Such%20Pack/favor", {"favor_bias": 1}), 404,
                         "Pack not found")

    def test_pack_toggle(self):
        ids = [self.create(pack_name="Pack Toggle", title=t)["id"] for t in ("A", "B", "C")]
        status, _, body = self.patch("/api/games/packs/Pack%20Toggle/toggle", {"enabled": False})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["pack"], body["enabled"], body["gamesAffected"]), ("Pack Toggle", False, 3))
        self.assertEqual([g["enabled"] for g in self.server.get("/api/games?pack=Pack%20Toggle")[2]], [0, 0, 0])
        meta = {m["name"]: m for m in self.server.get("/api/games/meta/packs")[2]}
        self.assertEqual((meta["Pack Toggle"]["total_count"], meta["Pack Toggle"]["enabled_count"]), (3, 0))
        self.assertEqual(self.patch("/api/games/packs/Pack%20Toggle/toggle", {"enabled": 1})[0], 200)
        self.assertEqual(sorted(g["id"] for g in self.server.get("/api/games?pack=Pack%20Toggle&enabled=true")[2]),
                         ids)
        for bad in [{}, {"enabled": "no"}, {"enabled": 3}, {"enabled": None}]:
            self.assertError(self.patch("/api/games/packs/Pack%20Toggle/toggle", bad), 400)
        self.assertError(self.patch("/api/games/packs/No%20Such%20Pack/toggle", {"enabled": True}), 404,
                         "Pack not found")


class CsvTest(ServerTestCase):
    def export(self):
        status, headers, text = self.server.get("/api/games/export/csv", token=self.token)
        self.assertEqual(status, 200, text)
        self.assertTrue(headers["content-type"].startswith("text/csv"), headers)
        self.assertIn("attachment", headers.get("content-disposition", ""))
        return text

    def count(self):
        return len(self.server.get("/api/games")[2])

    def import_csv(self, text, as_json=False):
        if as_json:
            return self.server.post("/api/games/import/csv", {"csvData": text}, token=self.token)
        return self.server.request("POST", "/api/games/import/csv", raw=text.encode(), token=self.token,
                                   headers={"Content-Type": "text/csv"})

    def test_export_import_round_trip(self):
        status, _, odd = self.server.post("/api/games", new_game(pack_name=TRICKY, title="Multi\nline, \"x\"",
                                                                 length_minutes=None), token=self.token)
        self.assertEqual(status, 201, odd)
        before = self.server.get("/api/games")[2]
        text = self.export()
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        self.assertEqual(list(rows[0].keys()), CSV_COLUMNS)
        self.assertEqual(len(rows), len(before))
        self.assertIn(TRICKY, [r["pack_name"] for r in rows])

        def fields(g):
            return tuple(g[c] for c in CSV_COLUMNS)
        status, _, body = self.import_csv(text)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["imported"], len(before))
        self.assertIn("message", body)
        after = self.server.get("/api/games")[2]
        # Importing appends: every game is now there twice, with the same fields.
        self.assertEqual(sorted(map(fields, after)), sorted(list(map(fields, before)) * 2))
        # The JSON form ({"csvData": ...}) does the same.
        status, _, body = self.import_csv(text, as_json=True)
        self.assertEqual((status, body["imported"]), (200, len(before)))
        self.assertEqual(self.count(), 3 * len(before))

    def test_import_creates_packs(self):
        text = ",".join(CSV_COLUMNS) + "\nImported Pack,Imported Game,2,4,,1,1,Drawing,\n"
        status, _, body = self.import_csv(text)
        self.assertEqual((status, body["imported"]), (200, 1), body)
        self.assertIn("Imported Pack", [p["name"] for p in self.server.get("/api/games/packs")[2]])
        game = self.server.get("/api/games?pack=Imported%20Pack")[2][0]
        self.assertEqual((game["has_audience"], game["family_friendly"], game["game_type"], game["length_minutes"]),
                         (1, 1, "Drawing", None))

    def test_a_bad_row_imports_nothing_and_names_its_line(self):
        before = self.count()
        header = ",".join(CSV_COLUMNS)
        cases = [(header + "\nP,Good,2,4,10,0,0,,\nP,Bad,five,4,10,0,0,,\n", "CSV line 3"),
                 (header + "\nP,Good,2,4,10,0,0,,\nP,\"Two\nlines\",2,4,,0,0,,\nP,Short,2\n", "CSV line 5"),
                 (header + "\nP,Bad,6,4,10,0,0,,\n", "CSV line 2"),
                 ("pack_name,title\nP,T\n", "CSV line 1"),
                 ("", None), ("   ", None)]
        for text, where in cases:
            with self.subTest(text=text):
                status, _, body = self.import_csv(text)
                self.assertEqual(status, 400, body)
                if where:
                    self.assertIn(where, body["error"])
        self.assertError(self.server.post("/api/games/import/csv", {"csv": "x"}, token=self.token), 400,
                         "csvData is required")
        self.assertError(self.server.post("/api/games/import/csv", {"csvData": 3}, token=self.token), 400)
        self.assertEqual(self.count(), before)


class SeedTest(unittest.TestCase):
    def test_seeded_once_and_durable(self):
        server = Server().start()
        try:
            token = server.login()
            games = server.get("/api/games")[2]
            self.assertEqual(len(games), 58)
            for g in games:
                self.assertEqual(server.request("DELETE", "/api/games/%d" % g["id"], token=token)[0], 200)
            created = server.post("/api/games", new_game(title="Survivor"), token=token)[2]
            server.restart()
            # Deleting the seeded games does not bring them back on restart.
            self.assertEqual(server.get("/api/games")[2], [created])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
