#pragma once
#include <vector>

#include "domain/models.hpp"

namespace gp::domain {

struct Stats {
    int games_count = 0;
    int games_enabled = 0;
    int packs_count = 0;
    int sessions_count = 0;
    int active_sessions = 0;
    int games_played = 0;  // session_games rows
    int total_votes = 0;   // live votes
    std::vector<Game> most_played;  // by play_count, top 10
    std::vector<Game> top_rated;    // by popularity_score, top 10
};

}  // namespace gp::domain
