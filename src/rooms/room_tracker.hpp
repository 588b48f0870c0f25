#pragma once
// What an observer knows about one Jackbox room, and what changed with each frame:
// the players holding a slot, the lobby state, and the game's phase
// (lobby -> started -> ended). Pure logic, fed with parsed ecast frames by the
// monitor and by the unit tests. Rules: ECAST.md §4.4 and §5, decisions in docs/ROOMS.md.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rooms/ecast_protocol.hpp"

namespace gp::rooms {

struct Change {
    enum class Kind {
        PlayerJoined,  // `player` is the name
        CountChanged,  // the number of players differs from the last one reported (or none was)
        LobbyUpdated,  // lobbyState changed
        GameStarted,
        GameEnded,
    };
    Kind kind;
    std::string player;
};

class RoomTracker {
public:
    // A welcome (first or after a reconnect). Players already in the room at the first
    // welcome are not "joined" events: room.connected lists them.
    std::vector<Change> on_welcome(const ecast::Welcome& w);
    std::vector<Change> on_room(const ecast::RoomState& s);
    // A fresh `here` list (probe connection). Players are never removed: ecast keeps a
    // player's slot after a disconnect, and so does the count.
    std::vector<Change> on_players(const std::vector<ecast::Player>& players);
    std::vector<Change> on_player_connected(const ecast::Player& p);
    // room/lock: games without a room entity only say "locked" when they start.
    std::vector<Change> on_lock();
    // room/exit: the game, if one was running, is over.
    std::vector<Change> on_exit();

    bool welcomed() const { return welcomed_; }
    int player_count() const { return static_cast<int>(players_.size()); }
    std::vector<std::string> player_names() const;  // in joining (id) order
    const std::optional<std::string>& lobby_state() const { return lobby_state_; }
    const std::optional<std::string>& game_state() const { return game_state_; }
    bool game_started() const { return started_; }
    bool game_finished() const { return finished_; }

private:
    void add_players(const std::vector<ecast::Player>& players, bool announce, std::vector<Change>& out);
    void apply_room(const ecast::RoomState& s, bool announce, std::vector<Change>& out);
    void report_count(std::vector<Change>& out);

    bool welcomed_ = false;
    std::map<std::int64_t, std::string> players_;  // id -> name
    std::optional<int> reported_count_;
    std::optional<std::string> lobby_state_;
    std::optional<std::string> game_state_;
    std::optional<std::int64_t> room_version_;  // of the last room state applied
    bool started_ = false;
    bool finished_ = false;
};

}  // namespace gp::rooms
