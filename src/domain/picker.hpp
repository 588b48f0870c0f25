#pragma once
// The choice behind POST /api/pick: repeat avoidance and favor-weighted random
// selection. Pure logic: the caller supplies the candidates and the random generator.
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "domain/models.hpp"

namespace gp::domain {

// How many of a session's most recent games are excluded when excludePlayed is not set.
inline constexpr std::size_t kRecentGamesExcluded = 2;

// Weight factor of a favor bias: 1 -> 3, 0 -> 1, -1 -> 0.2. A game's weight is its own
// factor times its pack's, so the pack bias uses the same scale (a favored game in a
// disfavored pack weighs 3 * 0.2 = 0.6).
double favor_factor(int favor_bias);

// The game ids a pick may not return: the last kRecentGamesExcluded entries of `played`
// (oldest first), or all of them when exclude_played.
std::vector<Id> repeat_exclusions(std::span<const Id> played, bool exclude_played);

// The index u in [0, 1) lands on when [0, 1) is split proportionally to `weights`
// (all positive, at least one).
std::size_t weighted_index(std::span<const double> weights, double u);

struct PickRequest {
    std::span<const Game> candidates;                         // enabled games that passed the filters
    std::span<const std::pair<std::string, int>> pack_favor;  // pack name -> favor bias
    std::span<const Id> played;                               // the session's game ids, oldest first
    bool exclude_played = false;
};

struct PickResult {
    const Game* game = nullptr;  // points into candidates; null when nothing is left
    std::size_t pool_size = 0;   // candidates left after repeat avoidance
};

PickResult pick_game(const PickRequest& request, std::mt19937_64& rng);

}  // namespace gp::domain
