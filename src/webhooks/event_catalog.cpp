#include "webhooks/event_catalog.hpp"

#include <boost/json/parse.hpp>

#include "domain/time.hpp"
#include "events/payloads.hpp"
#include "rooms/room_events.hpp"

namespace gp::webhooks {

namespace json = boost::json;

namespace {

domain::Session example_session(bool active) {
    domain::Session s;
    s.id = 12;
    s.notes = "Friday game night";
    s.is_active = active;
    s.created_at = domain::parse_iso("2026-03-15T20:30:00.000Z").value_or(0);
    s.games_played = active ? 3 : 7;
    return s;
}

domain::Game example_game() {
    domain::Game g;
    g.id = 42;
    g.title = "Fibbage 4";
    g.pack_name = "The Jackbox Party Pack 9";
    g.min_players = 2;
    g.max_players = 8;
    g.upvotes = 5;
    g.downvotes = 1;
    g.popularity_score = 4;
    return g;
}

rooms::RoomSnapshot example_room() {
    rooms::RoomSnapshot r;
    r.session_id = 12;
    r.session_game_id = 87;
    r.room_code = "ABCD";
    r.app_tag = "fibbage4";
    r.max_players = 8;
    r.player_count = 3;
    r.players = {"Ana", "Ben", "Chloe"};
    r.lobby_state = "CanStart";
    r.game_state = "Lobby";
    r.monitoring = true;
    return r;
}

rooms::RoomSnapshot example_room_playing() {
    auto r = example_room();
    r.game_state = "Gameplay";
    r.game_started = true;
    return r;
}

constexpr ChatField kPack{"Pack", "{{game.pack_name}}"};
constexpr ChatField kRoom{"Room", "{{roomCode}}"};
constexpr ChatField kPlayers{"Players", "{{playerCount}} / {{maxPlayers}}"};

const EventTypeInfo kCatalog[] = {
    {"session.started", "A game night session was started.", "Game night", "🎉 Game night is starting!",
     {ChatField{"Session", "#{{session.id}}"}}, [] { return events::session_started(example_session(true)); }},
    {"game.added", "A game was added to the active session (picked or added by hand).", "Coming up next",
     "🎮 Coming up next: **{{game.title}}** ({{game.pack_name}})",
     {ChatField{"Players", "{{game.min_players}}–{{game.max_players}}"}, ChatField{"Games so far", "{{session.games_played}}"}},
     [] { return events::game_added(example_session(true), example_game(), false); }},
    {"session.ended", "The session was closed.", "Game night is over",
     "🏁 Game night is over: {{session.games_played}} games played", {ChatField{"Session", "#{{session.id}}"}},
     [] { return events::session_ended(example_session(false)); }},
    {"player-count.updated", "The player count of a session game was set.", "Player count",
     "👥 {{playerCount}} players in this game", {}, [] { return events::player_count_updated(12, 87, 6); }},
    {"vote.received", "A viewer voted for a game (chat import or live vote).", "New vote",
     "🗳️ **{{vote.username}}** voted {{vote.type}} on **{{game.title}}**",
     {ChatField{"👍", "{{totals.upvotes}}"}, ChatField{"👎", "{{totals.downvotes}}"}},
     [] {
         return events::vote_received(12, example_game(), "alice", domain::VoteType::Up, "2026-03-15T21:04:05.000Z");
     }},
    {"room.connected", "The room monitor joined a game's Jackbox room.", "Room open",
     "📡 Room **{{roomCode}}** is open: {{playerCount}} of {{maxPlayers}} players so far", {kRoom, kPlayers},
     [] { return rooms::room_connected(example_room()); }},
    {"lobby.player-joined", "A player joined the room's lobby.", "Player joined",
     "👋 **{{player}}** joined room **{{roomCode}}** ({{playerCount}}/{{maxPlayers}})", {kRoom, kPlayers},
     [] { return rooms::player_joined(example_room(), "Chloe"); }},
    {"lobby.updated", "The lobby's state changed (e.g. it can start, or is full).", "Lobby",
     "🛋️ Lobby of room **{{roomCode}}**: {{lobbyState}}", {kRoom, kPlayers},
     [] { return rooms::lobby_updated(example_room()); }},
    {"game.started", "The game in the room started.", "Game on",
     "🚀 The game in room **{{roomCode}}** has started with {{playerCount}} players", {kRoom, kPlayers},
     [] { return rooms::game_started(example_room_playing()); }},
    {"game.ended", "The game in the room ended.", "Game over", "🏆 The game in room **{{roomCode}}** is over",
     {kRoom, kPlayers}, [] { return rooms::game_ended(example_room_playing()); }},
    {"room.disconnected", "The room monitor left the room (it closed, or monitoring stopped).", "Room closed",
     "🔌 Room **{{roomCode}}** closed ({{reason}})", {kRoom},
     [] { return rooms::room_disconnected(example_room(), "room_closed"); }},
    {"game.status", "Periodic status of a monitored room.", "Room status",
     "ℹ️ Room **{{roomCode}}**: {{playerCount}}/{{maxPlayers}} players, {{gameState}}", {kRoom, kPlayers},
     [] { return rooms::game_status(example_room()); }},
};

void collect(const json::value& v, const std::string& path, std::vector<std::string>& out) {
    if (v.is_object()) {
        for (const auto& [k, child] : v.as_object())
            collect(child, path.empty() ? std::string(k) : path + "." + std::string(k), out);
    } else {
        out.push_back(path);
    }
}

}  // namespace

std::span<const EventTypeInfo> event_catalog() { return kCatalog; }

const EventTypeInfo* find_event_type(std::string_view type) {
    for (const auto& info : kCatalog)
        if (type == info.type) return &info;
    return nullptr;
}

std::vector<std::string> placeholders(const EventTypeInfo& info) {
    std::vector<std::string> out;
    collect(json::parse(info.example()), "", out);
    return out;
}

}  // namespace gp::webhooks
