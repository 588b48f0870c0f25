#pragma once
// The one event type. It is written to the outbox (events table) in the same
// transaction as the change that caused it; `id` is the outbox row id.
#include <cstdint>
#include <optional>
#include <string>

#include "domain/time.hpp"

namespace gp::events {

struct Event {
    std::int64_t id = 0;
    std::string type;                        // "game.added", ...
    std::optional<std::int64_t> session_id;  // audience on the WebSocket feed
    domain::Millis timestamp = 0;
    std::string data;  // serialised JSON object, exactly as sent

    // The WebSocket envelope: {"type","timestamp","data","id"}.
    std::string ws_envelope() const;
    // The webhook body: {"event","timestamp","data"}, byte-identical to JSON.stringify.
    std::string webhook_body() const;
};

// The room monitor's types (rooms/room_events.hpp) follow the original's five.
inline constexpr const char* kAllTypes[] = {"session.started",  "game.added",          "session.ended",
                                            "player-count.updated", "vote.received",   "room.connected",
                                            "lobby.player-joined",  "lobby.updated",   "game.started",
                                            "game.ended",           "room.disconnected", "game.status"};
bool is_known_type(std::string_view type);

}  // namespace gp::events
