#pragma once
// One session game's room, watched as a shard: look-up, the watch connection, a
// short-lived probe connection every status interval, reconnection with backoff, and
// the events all of that produces (through the store's outbox). Runs on the event
// loop; included only by rooms/ sources.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rooms/ecast_transport.hpp"
#include "rooms/monitor_options.hpp"
#include "rooms/room_events.hpp"
#include "rooms/room_tracker.hpp"

namespace gp::store {
class Store;
}

namespace gp::rooms {

class RoomMonitor : public std::enable_shared_from_this<RoomMonitor> {
public:
    // Called once when the monitor has ended by itself (room gone, game over, gave up).
    using Ended = std::function<void(RoomMonitor&)>;

    RoomMonitor(boost::asio::io_context& ioc, EcastTransport& transport, store::Store& store,
                const MonitorOptions& options, RoomSnapshot initial, Ended on_ended);

    void start();
    // Ends it from outside: room.disconnected with `reason`, the player check is off.
    void stop(const std::string& reason);
    // Server shutdown: close the connections, write nothing.
    void close_quietly();
    // The check was ended through another instance, which wrote its state: room.disconnected
    // as a local stop sends it, nothing written.
    void stopped_elsewhere();
    // A manual PATCH …/player-count wins: this monitor stops writing the stored count.
    void manual_count() { manual_count_ = true; }

    RoomSnapshot snapshot() const;
    const std::string& room_code() const { return initial_.room_code; }
    domain::Id session_game_id() const { return initial_.session_game_id; }
    domain::Id session_id() const { return initial_.session_id; }

private:
    using Clock = std::chrono::steady_clock;

    void lookup();
    void on_lookup(const HttpReply& reply);
    void connect_watch();
    void on_watch_message(const std::string& text);
    void on_watch_closed(const SocketClosed& closed);
    void on_error_frame(const ecast::ErrorFrame& e, bool welcomed);
    void retry(const std::string& why);
    void schedule_tick();
    void tick();
    void probe();
    void on_probe_message(const std::string& text);
    void apply(const std::vector<Change>& changes);
    void room_gone(const std::string& reason);
    void emit(const char* type, std::string data);
    void finish(std::optional<std::string> reason, bool played);
    std::string user_id(bool probe) const;

    boost::asio::io_context& ioc_;
    EcastTransport& transport_;
    store::Store& store_;
    const MonitorOptions& options_;
    RoomSnapshot initial_;  // ids, code, the catalogue's max players, the stored count
    Ended on_ended_;

    RoomTracker tracker_;
    std::optional<ecast::RoomInfo> room_;  // from the last look-up
    bool connected_once_ = false;          // room.connected was sent
    bool watching_ = false;                // the watch connection got its welcome
    bool manual_count_ = false;
    bool done_ = false;
    std::optional<std::pair<std::int64_t, std::string>> resume_;        // the watch's id, secret
    std::optional<std::pair<std::int64_t, std::string>> probe_resume_;  // the probe's
    std::optional<Clock::time_point> failing_since_;
    std::chrono::milliseconds backoff_{0};

    std::shared_ptr<Operation> lookup_op_;
    std::shared_ptr<Operation> watch_;
    std::shared_ptr<Operation> probe_;
    boost::asio::steady_timer retry_timer_;
    boost::asio::steady_timer tick_timer_;
    boost::asio::steady_timer probe_timer_;
};

}  // namespace gp::rooms
