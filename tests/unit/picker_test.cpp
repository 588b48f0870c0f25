#include <gtest/gtest.h>

#include <map>
#include <random>

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

using PackFavor = std::vector<std::pair<std::string, int>>;

// How often each game id is picked in n draws.
std::map<Id, int> frequencies(const std::vector<Game>& games, const PackFavor& packs, int n,
                              const std::vector<Id>& played = {}, bool exclude_played = false) {
    std::mt19937_64 rng(42);
    std::map<Id, int> counts;
    for (int i = 0; i < n; ++i) {
        auto r = pick_game({games, packs, played, exclude_played}, rng);
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
    auto r = pick_game({{}, {}, {}, false}, rng);
    EXPECT_EQ(r.game, nullptr);
    EXPECT_EQ(r.pool_size, 0u);

    const std::vector<Game> games = {game(1), game(2)};
    const std::vector<Id> played = {1, 2};
    r = pick_game({games, {}, played, false}, rng);
    EXPECT_EQ(r.game, nullptr);
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
    EXPECT_EQ(pick_game({games, {}, played, false}, rng).pool_size, 3u);
    EXPECT_EQ(pick_game({games, {}, played, true}, rng).pool_size, 2u);
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
    const PackFavor packs = {{"Cold", -1}, {"Hot", 1}};
    const int n = 46000;
    auto c = frequencies(games, packs, n);
    EXPECT_NEAR(c[1] / double(n), 0.6 / 4.6, 0.015);
    EXPECT_NEAR(c[2] / double(n), 3.0 / 4.6, 0.015);
    EXPECT_NEAR(c[3] / double(n), 1.0 / 4.6, 0.015);
}

TEST(Picker, SameSeedSamePick) {
    const std::vector<Game> games = {game(1), game(2), game(3), game(4)};
    std::mt19937_64 a(99), b(99);
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(pick_game({games, {}, {}, false}, a).game->id, pick_game({games, {}, {}, false}, b).game->id);
}
