#pragma once
// Plain records of the domain. No I/O, no JSON: the store fills them, handlers serialise them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/time.hpp"

namespace gp::domain {

using Id = std::int64_t;

// Bounds the API and the catalogue CSV accept for player counts and game lengths.
inline constexpr int kMaxPlayers = 10000;
inline constexpr int kMaxLengthMinutes = 10000;

// Catalogue fields a client may set (create, update, CSV import).
struct GameFields {
    std::string pack_name;
    std::string title;
    int min_players = 1;
    int max_players = 1;
    std::optional<int> length_minutes;
    bool has_audience = false;
    bool family_friendly = false;
    std::optional<std::string> game_type;
    std::optional<std::string> secondary_type;
};

// Each text field within its cap (domain/text.hpp); BadRequest naming the field.
void check_text_lengths(const GameFields& fields);

struct Game : GameFields {
    Id id = 0;
    int play_count = 0;
    int popularity_score = 0;
    int upvotes = 0;
    int downvotes = 0;
    bool enabled = true;
    int favor_bias = 0;  // -1 disfavor, 0 neutral, 1 favor
    Millis created_at = 0;
};

struct Pack {
    Id id = 0;
    std::string name;
    int favor_bias = 0;
    Millis created_at = 0;
};

struct PackMeta {
    std::string name;
    int favor_bias = 0;
    int total_count = 0;
    int enabled_count = 0;
    int total_plays = 0;
};

enum class LengthFilter { Short, Medium, Long };
enum class DrawingFilter { Only, Exclude };

// Filters shared by GET /api/games and POST /api/pick.
struct GameFilter {
    std::optional<bool> enabled;
    std::optional<int> player_count;
    std::optional<DrawingFilter> drawing;
    std::optional<LengthFilter> length;
    std::optional<bool> family_friendly;
    std::optional<std::string> pack;
};

struct Session {
    Id id = 0;
    std::optional<std::string> notes;
    bool is_active = false;
    Millis created_at = 0;
    std::optional<Millis> closed_at;
    int games_played = 0;
};

enum class PlayStatus { Playing, Played, Skipped };
const char* to_string(PlayStatus s);
std::optional<PlayStatus> parse_play_status(std::string_view s);

struct SessionGame {
    Id id = 0;  // the sessionGameId of the sub-routes
    Id session_id = 0;
    Id game_id = 0;
    Millis played_at = 0;
    bool manually_added = false;
    PlayStatus status = PlayStatus::Playing;
    std::optional<std::string> room_code;
    std::optional<int> player_count;
    bool player_check_active = false;
    // Joined from the catalogue.
    std::string title;
    std::string pack_name;
    int min_players = 0;
    int max_players = 0;
    std::optional<std::string> game_type;
    std::optional<int> length_minutes;
    bool has_audience = false;
    bool family_friendly = false;
    int popularity_score = 0;
    int upvotes = 0;
    int downvotes = 0;
};

enum class VoteType { Up, Down };
inline const char* to_string(VoteType v) { return v == VoteType::Up ? "up" : "down"; }

struct LiveVote {
    Id id = 0;
    Id session_id = 0;
    Id game_id = 0;
    std::string game_title;
    std::string pack_name;
    std::string username;
    VoteType type = VoteType::Up;
    Millis timestamp = 0;
    Millis created_at = 0;
};

}  // namespace gp::domain
