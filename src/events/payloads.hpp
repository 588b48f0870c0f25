#pragma once
// The `data` of each event type, exactly as documented (field order and types
// included: is_active is 1/0 in session events but true in game.added).
#include <string>

#include "domain/models.hpp"

namespace gp::events {

std::string session_started(const domain::Session& s);
std::string session_ended(const domain::Session& s);
std::string game_added(const domain::Session& s, const domain::Game& g, bool manually_added);
// gameId is the session-game row id (the id the player-count route takes).
std::string player_count_updated(domain::Id session_id, domain::Id session_game_id, int player_count);
std::string vote_received(domain::Id session_id, const domain::Game& g, const std::string& username,
                          domain::VoteType type, const std::string& vote_timestamp);

}  // namespace gp::events
