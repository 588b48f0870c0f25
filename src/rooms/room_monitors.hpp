#pragma once
// The running room monitors, one per session game, at most max_monitors at once.
// Handlers start and stop them as session games change; everything runs on the event
// loop. Beast-free: the sockets live in rooms/ecast_transport.cpp.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "domain/models.hpp"
#include "rooms/monitor_options.hpp"
#include "rooms/room_events.hpp"

namespace boost::asio {
class io_context;
}
namespace gp::store {
class Store;
}

namespace gp::rooms {

class EcastTransport;
class RoomMonitor;

class RoomMonitors {
public:
    // Throws std::invalid_argument when options.ecast_url is not an http(s) URL.
    RoomMonitors(boost::asio::io_context& ioc, store::Store& store, MonitorOptions options);
    ~RoomMonitors();
    RoomMonitors(const RoomMonitors&) = delete;
    RoomMonitors& operator=(const RoomMonitors&) = delete;

    // Whether start(sg) would run (it already does, or there is room for one more).
    bool can_start(domain::Id session_game_id) const;
    // Watches the session game's room code (no-op if it is watched already; a monitor
    // of an older code is replaced). Conflict (409) past max_monitors; the caller
    // records player_check. Does nothing without a room code.
    void start(const domain::SessionGame& sg);
    // room.disconnected with `reason`, player check off. No-op if none runs.
    void stop(domain::Id session_game_id, const char* reason = "manually_stopped");
    // Stops every monitor of the session except `keep` (0: all).
    void stop_session(domain::Id session_id, domain::Id keep = 0);
    void manual_count(domain::Id session_game_id);
    std::optional<RoomSnapshot> snapshot(domain::Id session_game_id) const;
    std::size_t running() const { return monitors_.size(); }

    // At start: monitors of the active session's playing game whose player check was on
    // when the server stopped (and no other instance runs). With a reconcile_interval, again
    // that often, also ending monitors whose check is no longer on as they watch it.
    void resume();
    // Server shutdown: connections closed, nothing written (the checks resume at start).
    void shutdown();

private:
    class Timer;  // keeps Asio out of this header
    void reconcile();
    void reconcile_with(const std::vector<domain::SessionGame>& wanted,
                        const std::vector<std::weak_ptr<RoomMonitor>>& running);
    // Reads (off the loop on PostgreSQL) the active session's playing games whose player check
    // is on and that have a room code, then hands them to `then` on the loop.
    void watched_checks(std::function<void(std::vector<domain::SessionGame>)> then);
    void schedule_reconcile();
    void release(domain::Id session_game_id);  // the store's claim

    boost::asio::io_context& ioc_;
    store::Store& store_;
    MonitorOptions options_;
    std::unique_ptr<EcastTransport> transport_;
    std::unordered_map<domain::Id, std::shared_ptr<RoomMonitor>> monitors_;  // by session game id
    std::unique_ptr<Timer> reconcile_timer_;
};

}  // namespace gp::rooms
