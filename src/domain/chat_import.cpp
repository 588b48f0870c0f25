#include "domain/chat_import.hpp"

#include <algorithm>

#include "domain/votes.hpp"

namespace gp::domain {

namespace {
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool contains_ignoring_case(std::string_view text, std::string_view lower_needle) {
    auto it = std::search(text.begin(), text.end(), lower_needle.begin(), lower_needle.end(),
                          [](char a, char b) { return ascii_lower(a) == b; });
    return it != text.end();
}
}  // namespace

std::optional<VoteType> parse_chat_vote(std::string_view message) {
    const bool up = contains_ignoring_case(message, "thisgame++");
    const bool down = contains_ignoring_case(message, "thisgame--");
    if (up == down) return std::nullopt;
    return up ? VoteType::Up : VoteType::Down;
}

ChatVotes match_chat_votes(const std::vector<ChatMessage>& log, std::span<const Millis> game_starts, Millis end) {
    ChatVotes out;
    for (std::size_t i = 0; i < log.size(); ++i) {
        auto type = parse_chat_vote(log[i].message);
        if (!type) continue;
        ++out.found;
        if (auto game = game_playing_at(game_starts, log[i].timestamp, end))
            out.matched.push_back({i, *type, *game});
        else
            ++out.unmatched;
    }
    return out;
}

}  // namespace gp::domain
