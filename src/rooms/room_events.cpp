#include "rooms/room_events.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace gp::rooms {

namespace json = boost::json;

namespace {

json::value opt(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

json::object head(const RoomSnapshot& s) {
    return json::object{{"sessionId", s.session_id},
                        {"gameId", s.session_game_id},
                        {"roomCode", s.room_code},
                        {"appTag", opt(s.app_tag)},
                        {"maxPlayers", s.max_players}};
}

json::value count(const RoomSnapshot& s) { return s.player_count ? json::value(*s.player_count) : json::value(nullptr); }

json::array names(const RoomSnapshot& s) {
    json::array out;
    for (const auto& n : s.players) out.push_back(json::string(n));
    return out;
}

json::object with_players(const RoomSnapshot& s) {
    json::object o = head(s);
    o["playerCount"] = count(s);
    o["players"] = names(s);
    return o;
}

}  // namespace

std::string room_connected(const RoomSnapshot& s) { return json::serialize(with_players(s)); }

std::string player_joined(const RoomSnapshot& s, const std::string& player) {
    json::object o = head(s);
    o["player"] = player;
    o["playerCount"] = count(s);
    o["players"] = names(s);
    return json::serialize(o);
}

std::string lobby_updated(const RoomSnapshot& s) {
    json::object o = head(s);
    o["lobbyState"] = opt(s.lobby_state);
    o["playerCount"] = count(s);
    return json::serialize(o);
}

std::string game_started(const RoomSnapshot& s) { return json::serialize(with_players(s)); }

std::string game_ended(const RoomSnapshot& s) { return json::serialize(with_players(s)); }

std::string room_disconnected(const RoomSnapshot& s, const std::string& reason) {
    json::object o = head(s);
    o["reason"] = reason;
    return json::serialize(o);
}

std::string game_status(const RoomSnapshot& s) {
    json::object o = with_players(s);
    o["lobbyState"] = opt(s.lobby_state);
    o["gameState"] = opt(s.game_state);
    o["gameStarted"] = s.game_started;
    o["gameFinished"] = s.game_finished;
    o["monitoring"] = s.monitoring;
    return json::serialize(o);
}

}  // namespace gp::rooms
