#include "rooms/room_monitors.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <vector>

#include "domain/error.hpp"
#include "rooms/ecast_transport.hpp"
#include "rooms/room_monitor.hpp"
#include "store/store.hpp"

namespace gp::rooms {

class RoomMonitors::Timer {
public:
    explicit Timer(boost::asio::io_context& ioc) : timer(ioc) {}
    boost::asio::steady_timer timer;
};

RoomMonitors::RoomMonitors(boost::asio::io_context& ioc, store::Store& store, MonitorOptions options)
    : ioc_(ioc),
      store_(store),
      options_(std::move(options)),
      transport_(std::make_unique<EcastTransport>(ioc)),
      reconcile_timer_(std::make_unique<Timer>(ioc)) {
    if (!ecast::lookup_endpoint(options_.ecast_url, "ABCD"))
        throw std::invalid_argument("ECAST_URL must be an http:// or https:// URL, got '" + options_.ecast_url + "'");
    if (options_.reconcile_interval.count() > 0)
        store_.on_room_check_ended([this] {
            if (!monitors_.empty()) reconcile();
        });
}

RoomMonitors::~RoomMonitors() {
    if (options_.reconcile_interval.count() > 0) store_.on_room_check_ended(nullptr);
    shutdown();
}

bool RoomMonitors::can_start(domain::Id session_game_id) const {
    return monitors_.contains(session_game_id) || monitors_.size() < options_.max_monitors;
}

void RoomMonitors::start(const domain::SessionGame& sg) {
    if (!sg.room_code) return;
    if (auto it = monitors_.find(sg.id); it != monitors_.end()) {
        if (it->second->room_code() == *sg.room_code) return;
        stop(sg.id);
    }
    if (monitors_.size() >= options_.max_monitors)
        domain::conflict("Too many rooms are being monitored (at most " + std::to_string(options_.max_monitors) +
                         " at once); stop a player check first");
    RoomSnapshot initial;
    initial.session_id = sg.session_id;
    initial.session_game_id = sg.id;
    initial.room_code = *sg.room_code;
    initial.max_players = sg.max_players;
    initial.player_count = sg.player_count;
    auto monitor = std::make_shared<RoomMonitor>(ioc_, *transport_, store_, options_, std::move(initial),
                                                 [this](RoomMonitor& m) {
                                                     auto it = monitors_.find(m.session_game_id());
                                                     if (it != monitors_.end() && it->second.get() == &m) {
                                                         monitors_.erase(it);
                                                         release(m.session_game_id());
                                                     }
                                                 });
    // Listed at once (the cap counts it, stop() ends it), started once the store's claim is
    // held; on PostgreSQL the claim is taken off the loop, and a check stopped meanwhile is
    // released after it (the same lane, in order).
    monitors_.emplace(sg.id, monitor);
    store_.off_loop([this, id = sg.id, weak = std::weak_ptr<RoomMonitor>(monitor)](store::Store& s) {
        bool claimed = false;
        try {
            claimed = s.claim_room_monitor(id);
        } catch (const std::exception& e) {
            spdlog::warn("msg=\"room monitor not claimed\" session_game={} error=\"{}\"", id, e.what());
        }
        return std::function<void()>([this, id, weak, claimed] {
            auto m = weak.lock();
            auto it = monitors_.find(id);
            if (!m || it == monitors_.end() || it->second != m) return;  // stopped meanwhile
            if (claimed) return m->start();
            monitors_.erase(it);  // another instance runs it
        });
    });
}

void RoomMonitors::stop(domain::Id session_game_id, const char* reason) {
    auto it = monitors_.find(session_game_id);
    if (it == monitors_.end()) {
        // Another instance may run it: it ends it (with room.disconnected) once told.
        if (options_.reconcile_interval.count() > 0)
            store_.off_loop([](store::Store& s) {
                try {
                    s.announce_room_check_ended();
                } catch (const std::exception& e) {
                    spdlog::warn("msg=\"room check end not announced\" error=\"{}\"", e.what());
                }
                return std::function<void()>();
            });
        return;
    }
    auto monitor = std::move(it->second);
    monitors_.erase(it);
    monitor->stop(reason);
    release(session_game_id);
}

void RoomMonitors::release(domain::Id session_game_id) {
    store_.off_loop([session_game_id](store::Store& s) {
        try {
            s.release_room_monitor(session_game_id);
        } catch (const std::exception& e) {
            spdlog::warn("msg=\"room monitor claim not released\" session_game={} error=\"{}\"", session_game_id,
                         e.what());
        }
        return std::function<void()>();
    });
}

void RoomMonitors::stop_session(domain::Id session_id, domain::Id keep) {
    std::vector<domain::Id> ids;
    for (const auto& [id, m] : monitors_)
        if (id != keep && m->session_id() == session_id) ids.push_back(id);
    for (auto id : ids) stop(id);
}

void RoomMonitors::manual_count(domain::Id session_game_id) {
    if (auto it = monitors_.find(session_game_id); it != monitors_.end()) it->second->manual_count();
}

std::optional<RoomSnapshot> RoomMonitors::snapshot(domain::Id session_game_id) const {
    auto it = monitors_.find(session_game_id);
    if (it == monitors_.end()) return std::nullopt;
    return it->second->snapshot();
}

void RoomMonitors::resume() {
    watched_checks([this](std::vector<domain::SessionGame> wanted) {
        for (const auto& sg : wanted) {
            if (!can_start(sg.id)) break;
            start(sg);
        }
    });
    if (options_.reconcile_interval.count() > 0) schedule_reconcile();
}

void RoomMonitors::watched_checks(std::function<void(std::vector<domain::SessionGame>)> then) {
    store_.off_loop([then = std::move(then)](store::Store& s) -> std::function<void()> {
        std::vector<domain::SessionGame> wanted;
        try {
            if (auto session = s.active_session())
                for (auto& sg : s.session_games(session->id, {}))
                    if (sg.status == domain::PlayStatus::Playing && sg.player_check_active && sg.room_code)
                        wanted.push_back(std::move(sg));
        } catch (const std::exception& e) {
            spdlog::warn("msg=\"room checks not read\" error=\"{}\"", e.what());
            return nullptr;
        }
        return [then, wanted = std::move(wanted)]() mutable { then(std::move(wanted)); };
    });
}

void RoomMonitors::schedule_reconcile() {
    reconcile_timer_->timer.expires_after(options_.reconcile_interval);
    reconcile_timer_->timer.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        reconcile();
        schedule_reconcile();
    });
}

// Another instance's handlers change checks this instance watches: what the database says
// wins. A monitor whose check was ended or changed there ends with room.disconnected as a
// local stop (that instance wrote the check's state); checks nobody runs are adopted.
void RoomMonitors::reconcile() {
    // The read may come back after a monitor started: only those running before it are judged by it.
    std::vector<std::weak_ptr<RoomMonitor>> running;
    for (const auto& entry : monitors_) running.push_back(entry.second);
    watched_checks([this, running = std::move(running)](std::vector<domain::SessionGame> wanted) {
        reconcile_with(wanted, running);
    });
}

void RoomMonitors::reconcile_with(const std::vector<domain::SessionGame>& wanted,
                                  const std::vector<std::weak_ptr<RoomMonitor>>& running) {
    std::vector<domain::Id> ended;
    for (const auto& entry : monitors_) {
        const RoomMonitor& m = *entry.second;
        if (std::none_of(running.begin(), running.end(), [&](const auto& w) { return w.lock() == entry.second; }))
            continue;
        if (std::none_of(wanted.begin(), wanted.end(), [&](const domain::SessionGame& sg) {
                return sg.id == entry.first && *sg.room_code == m.room_code();
            }))
            ended.push_back(entry.first);
    }
    for (auto id : ended) {
        auto it = monitors_.find(id);
        auto monitor = std::move(it->second);
        monitors_.erase(it);
        monitor->stopped_elsewhere();
        release(id);
    }
    for (const auto& sg : wanted)
        if (!monitors_.contains(sg.id) && can_start(sg.id)) start(sg);
}
void RoomMonitors::shutdown() {
    reconcile_timer_->timer.cancel();
    for (auto& [id, m] : monitors_) m->close_quietly();
    monitors_.clear();
}

}  // namespace gp::rooms
