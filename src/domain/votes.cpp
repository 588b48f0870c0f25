#include "domain/votes.hpp"

#include <algorithm>
#include <string>

#include "domain/error.hpp"

namespace gp::domain {

void check_username_length(std::string_view username) {
    // Characters, not bytes: UTF-8 continuation bytes do not count.
    auto chars = std::count_if(username.begin(), username.end(),
                               [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    if (static_cast<std::size_t>(chars) > kMaxUsernameLength)
        bad_request("username must be at most " + std::to_string(kMaxUsernameLength) + " characters");
}

Millis voting_end(std::optional<Millis> closed_at, Millis now) {
    return closed_at ? *closed_at : now + kClockSkewMs;
}

std::optional<std::size_t> game_playing_at(std::span<const Millis> starts, Millis t, Millis end) {
    if (starts.empty() || t < starts.front() || t > end) return std::nullopt;
    // The last start at or before t; equal starts resolve to the later game.
    auto after = std::upper_bound(starts.begin(), starts.end(), t);
    return static_cast<std::size_t>(after - starts.begin()) - 1;
}

TimeRange duplicate_window(Millis t) { return {t - 999, t + 999}; }

}  // namespace gp::domain
