#include "rooms/room_tracker.hpp"

namespace gp::rooms {

namespace {

bool is_post_game(const std::optional<std::string>& lobby_state) {
    return lobby_state && (*lobby_state == "PostGame" || *lobby_state == "PostGameCountdown");
}

}  // namespace

std::vector<Change> RoomTracker::on_welcome(const ecast::Welcome& w) {
    std::vector<Change> out;
    const bool first = !welcomed_;
    welcomed_ = true;
    if (w.players) add_players(*w.players, !first, out);
    // A first welcome in mid-game or after a game: the phase is taken as it is, silently.
    if (w.room) apply_room(*w.room, !first, out);
    report_count(out);
    return out;
}

std::vector<Change> RoomTracker::on_room(const ecast::RoomState& s) {
    std::vector<Change> out;
    apply_room(s, true, out);
    return out;
}

std::vector<Change> RoomTracker::on_players(const std::vector<ecast::Player>& players) {
    std::vector<Change> out;
    add_players(players, true, out);
    report_count(out);
    return out;
}

std::vector<Change> RoomTracker::on_player_connected(const ecast::Player& p) { return on_players({p}); }

std::vector<Change> RoomTracker::on_lock() {
    std::vector<Change> out;
    if (!started_ && !finished_) {
        started_ = true;
        out.push_back({Change::Kind::GameStarted, {}});
    }
    return out;
}

std::vector<Change> RoomTracker::on_exit() {
    std::vector<Change> out;
    if (started_ && !finished_) {
        finished_ = true;
        out.push_back({Change::Kind::GameEnded, {}});
    }
    return out;
}

std::vector<std::string> RoomTracker::player_names() const {
    std::vector<std::string> names;
    names.reserve(players_.size());
    for (const auto& [id, name] : players_) names.push_back(name);
    return names;
}

void RoomTracker::add_players(const std::vector<ecast::Player>& players, bool announce, std::vector<Change>& out) {
    for (const auto& p : players) {
        auto [it, inserted] = players_.emplace(p.id, p.name);
        if (!inserted) {
            if (it->second.empty()) it->second = p.name;  // a later frame may carry the name
            continue;
        }
        if (announce) out.push_back({Change::Kind::PlayerJoined, p.name});
    }
}

void RoomTracker::apply_room(const ecast::RoomState& s, bool announce, std::vector<Change>& out) {
    if (s.version && room_version_ && *s.version < *room_version_) return;  // older than what we know
    if (s.version) room_version_ = s.version;
    // Updates may carry only some fields: what is absent keeps its last value. Games
    // that glue the lobby sub-state onto `state` ("Lobby_CanStart") say it there.
    std::optional<std::string> lobby_state = s.lobby_state;
    if (!lobby_state && s.state && s.state->starts_with("Lobby_")) lobby_state = s.state->substr(6);
    if (s.state) game_state_ = s.state;
    if (lobby_state && lobby_state != lobby_state_) {
        lobby_state_ = lobby_state;
        if (announce && !finished_) out.push_back({Change::Kind::LobbyUpdated, {}});
    }
    if (finished_) return;
    const bool in_lobby = game_state_ && ecast::is_lobby_state(*game_state_);
    if (!started_ && s.state && !in_lobby) {
        started_ = true;
        if (announce) out.push_back({Change::Kind::GameStarted, {}});
        return;
    }
    // Back in the lobby after a game: PostGame (and usually gameFinished). A first welcome
    // showing the post-game lobby of an earlier game is not this game's end.
    if (started_ && (s.game_finished == true || (in_lobby && is_post_game(lobby_state_)))) {
        finished_ = true;
        if (announce) out.push_back({Change::Kind::GameEnded, {}});
    }
}

void RoomTracker::report_count(std::vector<Change>& out) {
    if (reported_count_ == player_count()) return;
    reported_count_ = player_count();
    out.push_back({Change::Kind::CountChanged, {}});
}

}  // namespace gp::rooms
