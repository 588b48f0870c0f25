#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <tuple>

#include "domain/picker.hpp"

using namespace gp::domain;

namespace {

Game game(Id id, const std::string& pack = "Pack", int favor = 0) {
    Game g;
    g.id = id;
    g.pack_name = pack;
    g.title = "Game " + std::to_string(id);
    g.favor_bias = favor;
    return g;
}

using PackFavor = std::vector<Pack>;

const GameFilter kNoFilter{};

// A PickResult without its pointer into the (temporary) catalogue.
struct Picked {
    std::optional<Id> id;
    std::size_t matched = 0;
    std::size_t pool_size = 0;
};

Picked pick(const std::vector<Game>& games, const PackFavor& packs, std::mt19937_64& rng,
            const std::vector<Id>& played = {}, bool exclude_played = false, const GameFilter& filter = kNoFilter) {
    const PickCatalogue catalogue(games, packs);
    const PickResult r = pick_game(catalogue, {filter, played, exclude_played}, rng);
    return {r.game ? std::optional<Id>(r.game->id) : std::nullopt, r.matched, r.pool_size};
}

// How often each game id is picked in n draws.
std::map<Id, int> frequencies(const std::vector<Game>& games, const PackFavor& packs, int n,
                              const std::vector<Id>& played = {}, bool exclude_played = false) {
    std::mt19937_64 rng(42);
    const PickCatalogue catalogue(games, packs);
    std::map<Id, int> counts;
    for (int i = 0; i < n; ++i) {
        auto r = pick_game(catalogue, {kNoFilter, played, exclude_played}, rng);
        EXPECT_NE(r.game, nullptr);
        ++counts[r.game->id];
    }
    return counts;
}

}  // namespace

TEST(Picker, FavorFactors) {
    EXPECT_DOUBLE_EQ(favor_factor(1), 3.0);
    EXPECT_DOUBLE_EQ(favor_factor(0), 1.0);
    EXPECT_DOUBLE_EQ(favor_factor(-1), 0.2);
}

TEST(Picker, ExcludesTheLastTwoPlayedByDefault) {
    const std::vector<Id> played = {1, 2, 3, 4};
    EXPECT_EQ(repeat_exclusions(played, false), (std::vector<Id>{3, 4}));
    EXPECT_EQ(repeat_exclusions(played, true), (std::vector<Id>{1, 2, 3, 4}));
    EXPECT_EQ(repeat_exclusions(std::vector<Id>{7}, false), (std::vector<Id>{7}));
    EXPECT_TRUE(repeat_exclusions({}, false).empty());
    EXPECT_TRUE(repeat_exclusions({}, true).empty());
}

TEST(Picker, WeightedIndexSplitsTheUnitInterval) {
    const std::vector<double> w = {1.0, 3.0};  // [0, 0.25) -> 0, [0.25, 1) -> 1
    EXPECT_EQ(weighted_index(w, 0.0), 0u);
    EXPECT_EQ(weighted_index(w, 0.2499), 0u);
    EXPECT_EQ(weighted_index(w, 0.25), 1u);
    EXPECT_EQ(weighted_index(w, 0.9999), 1u);
    EXPECT_EQ(weighted_index(w, 1.0), 1u);  // a generator that returns 1.0 still lands in range
    EXPECT_EQ(weighted_index(std::vector<double>{0.2}, 0.7), 0u);
}

TEST(Picker, EmptyPoolPicksNothing) {
    std::mt19937_64 rng(1);
    auto r = pick({}, {}, rng);
    EXPECT_EQ(r.id, std::nullopt);
    EXPECT_EQ(r.matched, 0u);
    EXPECT_EQ(r.pool_size, 0u);

    const std::vector<Game> games = {game(1), game(2)};
    const std::vector<Id> played = {1, 2};
    r = pick(games, {}, rng, played);
    EXPECT_EQ(r.id, std::nullopt);
    EXPECT_EQ(r.matched, 2u);
    EXPECT_EQ(r.pool_size, 0u);
}

TEST(Picker, NeverPicksExcludedGames) {
    const std::vector<Game> games = {game(1), game(2), game(3), game(4), game(5)};
    const std::vector<Id> played = {1, 2, 3};
    auto recent = frequencies(games, {}, 2000, played, false);
    EXPECT_EQ(recent.count(2), 0u);
    EXPECT_EQ(recent.count(3), 0u);
    EXPECT_GT(recent[1], 0);
    EXPECT_GT(recent[4], 0);
    EXPECT_GT(recent[5], 0);

    auto all = frequencies(games, {}, 2000, played, true);
    EXPECT_EQ(all.size(), 2u);
    EXPECT_GT(all[4], 0);
    EXPECT_GT(all[5], 0);

    std::mt19937_64 rng(3);
    EXPECT_EQ(pick(games, {}, rng, played, false).pool_size, 3u);
    EXPECT_EQ(pick(games, {}, rng, played, true).pool_size, 2u);
}

TEST(Picker, GameFavorShiftsFrequencies) {
    const std::vector<Game> games = {game(1, "P", 1), game(2, "P", 0), game(3, "P", -1)};
    const int n = 42000;
    auto c = frequencies(games, {}, n);
    // Expected shares 3 : 1 : 0.2 of 4.2.
    EXPECT_NEAR(c[1] / double(n), 3.0 / 4.2, 0.02);
    EXPECT_NEAR(c[2] / double(n), 1.0 / 4.2, 0.02);
    EXPECT_NEAR(c[3] / double(n), 0.2 / 4.2, 0.01);
}

TEST(Picker, PackFavorMultipliesGameFavor) {
    // Weights: 3 * 0.2 = 0.6 (favored game, disfavored pack), 1 * 3 = 3 (neutral game,
    // favored pack), 1 (unknown pack counts as neutral).
    const std::vector<Game> games = {game(1, "Cold", 1), game(2, "Hot", 0), game(3, "Unlisted", 0)};
    const PackFavor packs = {{1, "Cold", -1, 0}, {2, "Hot", 1, 0}};
    const int n = 46000;
    auto c = frequencies(games, packs, n);
    EXPECT_NEAR(c[1] / double(n), 0.6 / 4.6, 0.015);
    EXPECT_NEAR(c[2] / double(n), 3.0 / 4.6, 0.015);
    EXPECT_NEAR(c[3] / double(n), 1.0 / 4.6, 0.015);
}

TEST(Picker, SameSeedSamePick) {
    const std::vector<Game> games = {game(1), game(2), game(3), game(4)};
    std::mt19937_64 a(99), b(99);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(pick(games, {}, a).id, pick(games, {}, b).id);
}

TEST(Picker, CatalogueLeavesOutDisabledGames) {
    std::vector<Game> games = {game(1), game(2), game(3)};
    games[1].enabled = false;
    const PickCatalogue catalogue(games, {});
    ASSERT_EQ(catalogue.games().size(), 2u);
    EXPECT_EQ(catalogue.games()[0].id, 1);
    EXPECT_EQ(catalogue.games()[1].id, 3);
    auto c = frequencies(games, {}, 500);
    EXPECT_EQ(c.count(2), 0u);
}

TEST(Picker, FiltersFollowTheCatalogueQuery) {
    Game g = game(1);
    g.min_players = 3;
    g.max_players = 8;
    GameFilter f;
    f.player_count = 3;
    EXPECT_TRUE(matches(f, g));
    f.player_count = 8;
    EXPECT_TRUE(matches(f, g));
    f.player_count = 9;
    EXPECT_FALSE(matches(f, g));
    f.player_count = 2;
    EXPECT_FALSE(matches(f, g));

    // Drawing: a game without a type is not a drawing game.
    f = {};
    f.drawing = DrawingFilter::Only;
    EXPECT_FALSE(matches(f, g));
    f.drawing = DrawingFilter::Exclude;
    EXPECT_TRUE(matches(f, g));
    g.game_type = "Drawing";
    EXPECT_FALSE(matches(f, g));
    f.drawing = DrawingFilter::Only;
    EXPECT_TRUE(matches(f, g));
    g.game_type = "Trivia";
    EXPECT_FALSE(matches(f, g));

    // Length: unknown counts as short; medium is 16-25, long above 25.
    f = {};
    f.length = LengthFilter::Short;
    EXPECT_TRUE(matches(f, g));
    for (auto [minutes, s, m, l] : {std::tuple{15, true, false, false}, std::tuple{16, false, true, false},
                                    std::tuple{25, false, true, false}, std::tuple{26, false, false, true}}) {
        g.length_minutes = minutes;
        f.length = LengthFilter::Short;
        EXPECT_EQ(matches(f, g), s) << minutes;
        f.length = LengthFilter::Medium;
        EXPECT_EQ(matches(f, g), m) << minutes;
        f.length = LengthFilter::Long;
        EXPECT_EQ(matches(f, g), l) << minutes;
    }
    g.length_minutes.reset();
    f.length = LengthFilter::Medium;
    EXPECT_FALSE(matches(f, g));
    f.length = LengthFilter::Long;
    EXPECT_FALSE(matches(f, g));

    f = {};
    f.family_friendly = true;
    EXPECT_FALSE(matches(f, g));
    g.family_friendly = true;
    EXPECT_TRUE(matches(f, g));
    f = {};
    f.pack = "Other";
    EXPECT_FALSE(matches(f, g));
    f.pack = "Pack";
    EXPECT_TRUE(matches(f, g));
}

TEST(Picker, FilteredPickCountsMatchesAndPool) {
    std::vector<Game> games = {game(1), game(2), game(3)};
    games[0].max_players = 4;
    games[1].max_players = 8;
    games[2].max_players = 8;
    GameFilter f;
    f.player_count = 6;
    std::mt19937_64 rng(5);
    auto r = pick(games, {}, rng, {3}, false, f);
    EXPECT_EQ(r.matched, 2u);
    EXPECT_EQ(r.pool_size, 1u);
    EXPECT_EQ(r.id, 2);
    f.player_count = 9;
    r = pick(games, {}, rng, {}, false, f);
    EXPECT_EQ(r.matched, 0u);
    EXPECT_EQ(r.id, std::nullopt);
}
