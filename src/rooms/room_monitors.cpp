#include "rooms/room_monitors.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
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
            if (monitors_.empty()) return;
            try {
                reconcile();
            } catch (const std::exception& e) {
                spdlog::warn("msg=\"room monitors not reconciled\" error=\"{}\"", e.what());
            }
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
    if (!store_.claim_room_monitor(sg.id)) return;  // another instance runs it
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
    monitors_.emplace(sg.id, monitor);
    monitor->start();
}

void RoomMonitors::stop(domain::Id session_game_id, const char* reason) {
    auto it = monitors_.find(session_game_id);
    if (it == monitors_.end()) {
        // Another instance may run it: it ends it (with room.disconnected) once told.
        if (options_.reconcile_interval.count() > 0) try {
                store_.announce_room_check_ended();
            } catch (const std::exception& e) {
                spdlog::warn("msg=\"room check end not announced\" error=\"{}\"", e.what());
            }
        return;
    }
    auto monitor = std::move(it->second);
    monitors_.erase(it);
    monitor->stop(reason);
    release(session_game_id);
}

void RoomMonitors::release(domain::Id session_game_id) {
    try {
        store_.release_room_monitor(session_game_id);
    } catch (const std::exception& e) {
        spdlog::warn("msg=\"room monitor claim not released\" session_game={} error=\"{}\"", session_game_id, e.what());
    }
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
    auto session = store_.active_session();
    if (session)
        for (const auto& sg : store_.session_games(session->id, {})) {
            if (sg.status != domain::PlayStatus::Playing || !sg.player_check_active || !sg.room_code) continue;
            if (!can_start(sg.id)) break;
            start(sg);
        }
    if (options_.reconcile_interval.count() > 0) schedule_reconcile();
}

void RoomMonitors::schedule_reconcile() {
    reconcile_timer_->timer.expires_after(options_.reconcile_interval);
    reconcile_timer_->timer.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        try {
            reconcile();
        } catch (const std::exception& e) {
            spdlog::warn("msg=\"room monitors not reconciled\" error=\"{}\"", e.what());
        }
        schedule_reconcile();
    });
}

// Another instance's handlers change checks this instance watches: what the database says
// wins. A monitor whose check was ended or changed there ends with room.disconnected as a
// local stop (that instance wrote the check's state); checks nobody runs are adopted.
void RoomMonitors::reconcile() {
    std::vector<domain::SessionGame> wanted;
    if (auto session = store_.active_session())
        for (auto& sg : store_.session_games(session->id, {}))
            if (sg.status == domain::PlayStatus::Playing && sg.player_check_active && sg.room_code)
                wanted.push_back(std::move(sg));
    std::vector<domain::Id> ended;
    for (const auto& entry : monitors_) {
        const RoomMonitor& m = *entry.second;
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
