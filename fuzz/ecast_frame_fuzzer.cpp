// libFuzzer target for what the room service sends: each input line is a WebSocket
// frame fed to a room tracker the way the monitor does, and the whole input is also a
// look-up reply body. Nothing may crash, hang or throw, whatever the bytes.
#include <cstdint>
#include <string_view>
#include <variant>

#include "rooms/ecast_protocol.hpp"
#include "rooms/room_tracker.hpp"

using namespace gp::rooms;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)ecast::parse_lookup(200, input);
    RoomTracker tracker;
    std::size_t start = 0;
    while (start <= input.size()) {
        std::size_t end = input.find('\n', start);
        if (end == std::string_view::npos) end = input.size();
        ecast::Frame frame = ecast::parse_frame(input.substr(start, end - start));
        if (auto* w = std::get_if<ecast::Welcome>(&frame)) {
            tracker.on_welcome(*w);
            if (w->players) tracker.on_players(*w->players);
        } else if (auto* u = std::get_if<ecast::RoomUpdate>(&frame)) {
            tracker.on_room(u->room);
        } else if (auto* c = std::get_if<ecast::ClientConnected>(&frame)) {
            tracker.on_player_connected(c->player);
        } else if (std::holds_alternative<ecast::RoomLock>(frame)) {
            tracker.on_lock();
        } else if (std::holds_alternative<ecast::RoomExit>(frame)) {
            tracker.on_exit();
        }
        start = end + 1;
    }
    if (tracker.player_count() != static_cast<int>(tracker.player_names().size())) __builtin_trap();
    return 0;
}
