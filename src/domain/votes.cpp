#include "domain/votes.hpp"

#include <algorithm>

namespace gp::domain {

Millis voting_end(std::optional<Millis> closed_at, Millis now) {
    return closed_at ? *closed_at : now + kClockSkewMs;
}

std::optional<Millis> vote_match_time(Millis first_start, Millis t, Millis end) {
    if (t < first_start - kFirstGameGraceMs || t > end) return std::nullopt;
    return std::max(t, first_start);
}

std::optional<std::size_t> game_playing_at(std::span<const Millis> starts, Millis t, Millis end) {
    if (starts.empty()) return std::nullopt;
    const auto match = vote_match_time(starts.front(), t, end);
    if (!match) return std::nullopt;
    // The last start at or before it; equal starts resolve to the later game.
    auto after = std::upper_bound(starts.begin(), starts.end(), *match);
    return static_cast<std::size_t>(after - starts.begin()) - 1;
}

TimeRange duplicate_window(Millis t) { return {t - 999, t + 999}; }

}  // namespace gp::domain
