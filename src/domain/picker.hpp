#pragma once
// The choice behind POST /api/pick: catalogue filters, repeat avoidance and
// favor-weighted random selection. Pure logic: the caller supplies the catalogue
// snapshot, the session's recent games and the random generator.
#include <cstddef>
#include <random>
#include <span>
#include <vector>

#include "domain/models.hpp"

namespace gp::domain {

// How many of a session's most recent games are excluded when excludePlayed is not set.
inline constexpr std::size_t kRecentGamesExcluded = 2;

// Weight factor of a favor bias: 1 -> 3, 0 -> 1, -1 -> 0.2. A game's weight is its own
// factor times its pack's, so the pack bias uses the same scale (a favored game in a
// disfavored pack weighs 3 * 0.2 = 0.6).
double favor_factor(int favor_bias);

// Whether a game passes the filters: the rules of the store's catalogue query (a game
// without a type is not a drawing game; an unknown length counts as short).
bool matches(const GameFilter& filter, const Game& game);

// The game ids a pick may not return: the last kRecentGamesExcluded entries of `played`
// (oldest first), or all of them when exclude_played.
std::vector<Id> repeat_exclusions(std::span<const Id> played, bool exclude_played);

// The index u in [0, 1) lands on when [0, 1) is split proportionally to `weights`
// (all positive, at least one).
std::size_t weighted_index(std::span<const double> weights, double u);

// What the picker draws from: the enabled games, in the order given (the catalogue's:
// pack, title, id), each with its weight (game favor x pack favor) worked out once.
// Immutable: a changed catalogue is a new PickCatalogue.
class PickCatalogue {
public:
    // Disabled games are left out; a pack missing from `packs` counts as neutral.
    PickCatalogue(std::vector<Game> games, std::span<const Pack> packs);

    std::span<const Game> games() const { return games_; }
    std::span<const double> weights() const { return weights_; }

private:
    std::vector<Game> games_;
    std::vector<double> weights_;  // per game
};

struct PickRequest {
    const GameFilter& filter;   // `enabled` is ignored: only enabled games are picked
    std::span<const Id> played;  // the session's game ids, oldest first (at least its last kRecentGamesExcluded)
    bool exclude_played = false;
};

struct PickResult {
    const Game* game = nullptr;  // points into the catalogue; null when nothing is left
    std::size_t matched = 0;     // games that passed the filters
    std::size_t pool_size = 0;   // of those, left after repeat avoidance
};

PickResult pick_game(const PickCatalogue& catalogue, const PickRequest& request, std::mt19937_64& rng);

}  // namespace gp::domain
