#pragma once
// The `data` of the room monitor's events (camelCase, as the original's shard monitor):
// every one starts with {sessionId, gameId, roomCode, appTag, maxPlayers}; gameId is the
// session-game id, as in player-count.updated.
#include <optional>
#include <string>
#include <vector>

#include "domain/models.hpp"

namespace gp::rooms {

inline constexpr const char* kRoomConnected = "room.connected";
inline constexpr const char* kPlayerJoined = "lobby.player-joined";
inline constexpr const char* kLobbyUpdated = "lobby.updated";
inline constexpr const char* kGameStarted = "game.started";
inline constexpr const char* kGameEnded = "game.ended";
inline constexpr const char* kRoomDisconnected = "room.disconnected";
inline constexpr const char* kGameStatus = "game.status";

// What a monitor (or, without one, the database) knows about a session game's room.
struct RoomSnapshot {
    domain::Id session_id = 0;
    domain::Id session_game_id = 0;
    std::string room_code;
    std::optional<std::string> app_tag;  // null until the look-up answered
    int max_players = 0;
    std::optional<int> player_count;     // null when nothing counted it
    std::vector<std::string> players;
    std::optional<std::string> lobby_state;
    std::optional<std::string> game_state;
    bool game_started = false;
    bool game_finished = false;
    bool monitoring = false;
};

std::string room_connected(const RoomSnapshot& s);
std::string player_joined(const RoomSnapshot& s, const std::string& player);
std::string lobby_updated(const RoomSnapshot& s);
std::string game_started(const RoomSnapshot& s);
std::string game_ended(const RoomSnapshot& s);
std::string room_disconnected(const RoomSnapshot& s, const std::string& reason);
// game.status and GET …/status-live.
std::string game_status(const RoomSnapshot& s);

}  // namespace gp::rooms
