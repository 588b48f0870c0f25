#include "rooms/room_monitors.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "domain/error.hpp"
#include "rooms/ecast_transport.hpp"
#include "rooms/room_monitor.hpp"
#include "store/store.hpp"

namespace gp::rooms {

RoomMonitors::RoomMonitors(boost::asio::io_context& ioc, store::Store& store, MonitorOptions options)
    : ioc_(ioc), store_(store), options_(std::move(options)), transport_(std::make_unique<EcastTransport>(ioc)) {
    if (!ecast::lookup_endpoint(options_.ecast_url, "ABCD"))
        throw std::invalid_argument("ECAST_URL must be an http:// or https:// URL, got '" + options_.ecast_url + "'");
}

RoomMonitors::~RoomMonitors() { shutdown(); }

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
                                                     if (it != monitors_.end() && it->second.get() == &m)
                                                         monitors_.erase(it);
                                                 });
    monitors_.emplace(sg.id, monitor);
    monitor->start();
}

void RoomMonitors::stop(domain::Id session_game_id, const char* reason) {
    auto it = monitors_.find(session_game_id);
    if (it == monitors_.end()) return;
    auto monitor = std::move(it->second);
    monitors_.erase(it);
    monitor->stop(reason);
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
    if (!session) return;
    for (const auto& sg : store_.session_games(session->id, {})) {
        if (sg.status != domain::PlayStatus::Playing || !sg.player_check_active || !sg.room_code) continue;
        if (!can_start(sg.id)) break;
        start(sg);
    }
}

void RoomMonitors::shutdown() {
    for (auto& [id, m] : monitors_) m->close_quietly();
    monitors_.clear();
}

}  // namespace gp::rooms
