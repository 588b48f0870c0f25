#pragma once
// Votes (live and from chat logs): which session game a vote belongs to, and
// when two votes of one user count as a duplicate.
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "domain/time.hpp"

namespace gp::domain {

// Longest username accepted with a vote (live or in a chat log); longer is a 400.
inline constexpr std::size_t kMaxUsernameLength = 100;
void check_username_length(std::string_view username);

// Bots stamp votes with their own clock, which may run a little ahead of ours.
inline constexpr Millis kClockSkewMs = 60'000;

// Where the last game's interval ends: when the session closed, or (active
// session) now, allowing for clock skew.
Millis voting_end(std::optional<Millis> closed_at, Millis now);

// Index of the session game being played at time t. starts are the games'
// played_at, ascending; game i covers [starts[i], starts[i+1]) and the last one
// [starts.back(), end].
std::optional<std::size_t> game_playing_at(std::span<const Millis> starts, Millis t, Millis end);

// Vote timestamps of one user that make a vote at t a duplicate: within one
// second of it, either side (both bounds inclusive).
struct TimeRange {
    Millis first = 0;
    Millis last = 0;
};
TimeRange duplicate_window(Millis t);

}  // namespace gp::domain
