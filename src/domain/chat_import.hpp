#pragma once
// Chat-log import: finding thisgame++ / thisgame-- votes in chat messages.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/models.hpp"

namespace gp::domain {

struct ChatMessage {
    std::string username;
    std::string message;
    Millis timestamp = 0;
};

// "thisgame++" anywhere in the message is an up vote, "thisgame--" a down vote
// (case-insensitive). A message holding both counts as neither.
std::optional<VoteType> parse_chat_vote(std::string_view message);

// A vote found in a chat log and the session game it falls in.
struct ChatVote {
    std::size_t message_index = 0;  // into the log
    VoteType type = VoteType::Up;
    std::size_t game_index = 0;  // into the session's games, ordered by played_at
};

struct ChatVotes {
    std::vector<ChatVote> matched;
    int found = 0;      // messages that hold a vote
    int unmatched = 0;  // votes outside every game's interval
};

// The votes of a chat log, each matched to the game playing at its time
// (game_starts and end as for domain::game_playing_at).
ChatVotes match_chat_votes(const std::vector<ChatMessage>& log, std::span<const Millis> game_starts, Millis end);

struct ChatGameTally {
    Id session_game_id = 0;
    Id game_id = 0;
    std::string title;
    int upvotes = 0;
    int downvotes = 0;
};

struct ChatImportResult {
    int messages = 0;         // messages in the log
    int votes_found = 0;      // messages that hold a vote
    int votes_recorded = 0;   // new votes counted
    int duplicates = 0;       // already imported (same user, time and vote)
    int unmatched = 0;        // no game was playing at that time
    std::vector<ChatGameTally> games;  // votes counted by this import, per session game
};

}  // namespace gp::domain
