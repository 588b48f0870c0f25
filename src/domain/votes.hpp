#pragma once
// Votes (live and from chat logs): which session game a vote belongs to, and
// when two votes of one user count as a duplicate.
#include <cstddef>
#include <optional>
#include <span>

#include "domain/time.hpp"

namespace gp::domain {

// Bots stamp votes with their own clock, which may run a little ahead of ours.
inline constexpr Millis kClockSkewMs = 60'000;

// Where the last game's interval ends: when the session closed, or (active
// session) now, allowing for clock skew.
Millis voting_end(std::optional<Millis> closed_at, Millis now);

// A vote up to this long before the first game's start belongs to that game:
// clients stamp votes in whole seconds (the spec's own example does), which puts a
// vote cast just after the game was added in the second before its played_at.
inline constexpr Millis kFirstGameGraceMs = 1000;

// The time whose game a vote at t counts for: t itself, or the first game's start
// for a vote within kFirstGameGraceMs before it; none earlier, nor after end.
std::optional<Millis> vote_match_time(Millis first_start, Millis t, Millis end);

// Index of the session game a vote at time t counts for. starts are the games'
// played_at, ascending; game i covers [starts[i], starts[i+1]), the first one from
// kFirstGameGraceMs before its start, and the last one up to end.
std::optional<std::size_t> game_playing_at(std::span<const Millis> starts, Millis t, Millis end);

// Vote timestamps of one user that make a vote at t a duplicate: within one
// second of it, either side (both bounds inclusive).
struct TimeRange {
    Millis first = 0;
    Millis last = 0;
};
TimeRange duplicate_window(Millis t);

}  // namespace gp::domain
