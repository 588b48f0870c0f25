#include "rooms/room_monitor.hpp"

#include <spdlog/spdlog.h>

#include <random>

#include "store/store.hpp"

namespace gp::rooms {

namespace {

constexpr std::chrono::milliseconds kAttemptTimeout{10000};  // one look-up or connect
constexpr std::chrono::seconds kIdleTimeout{60};              // no frame (not even a pong) for this long: dropped
constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kMaxBackoff{15000};

std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_real_distribution<double> f(1.0, 1.5);  // jackbox.tv waits 1000 + rand·500 ms, doubling
    return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(d.count()) * f(rng)));
}

}  // namespace

RoomMonitor::RoomMonitor(boost::asio::io_context& ioc, EcastTransport& transport, store::Store& store,
                         const MonitorOptions& options, RoomSnapshot initial, Ended on_ended)
    : ioc_(ioc),
      transport_(transport),
      store_(store),
      options_(options),
      initial_(std::move(initial)),
      on_ended_(std::move(on_ended)),
      retry_timer_(ioc),
      tick_timer_(ioc),
      probe_timer_(ioc) {}

void RoomMonitor::start() {
    failing_since_ = Clock::now();  // until the first welcome, the give-up clock runs
    spdlog::info("msg=\"room monitor started\" session={} session_game={} room={}", initial_.session_id,
                 initial_.session_game_id, initial_.room_code);
    lookup();
}

void RoomMonitor::stop(const std::string& reason) { finish(reason, false); }

void RoomMonitor::close_quietly() {
    done_ = true;
    if (lookup_op_) lookup_op_->cancel();
    if (watch_) watch_->cancel();
    if (probe_) probe_->cancel();
    retry_timer_.cancel();
    tick_timer_.cancel();
    probe_timer_.cancel();
}

void RoomMonitor::stopped_elsewhere() {
    if (done_) return;
    close_quietly();
    spdlog::info("msg=\"room monitor ended\" session_game={} room={} reason=manually_stopped elsewhere=true",
                 initial_.session_game_id, initial_.room_code);
    emit(kRoomDisconnected, room_disconnected(snapshot(), "manually_stopped"));
}

RoomSnapshot RoomMonitor::snapshot() const {
    RoomSnapshot s = initial_;
    if (room_) {
        s.app_tag = room_->app_tag;
        if (room_->max_players > 0) s.max_players = room_->max_players;
    }
    if (tracker_.welcomed()) {
        s.player_count = tracker_.player_count();
        s.players = tracker_.player_names();
    }
    s.lobby_state = tracker_.lobby_state();
    s.game_state = tracker_.game_state();
    s.game_started = tracker_.game_started();
    s.game_finished = tracker_.game_finished();
    s.monitoring = !done_;
    return s;
}

std::string RoomMonitor::user_id(bool probe) const {
    // The probe is another client: with the watch's user id it might take the watch's place.
    return "gamepicker-" + std::to_string(initial_.session_id) + (probe ? "-probe" : "");
}

// --- look-up --------------------------------------------------------------------------

void RoomMonitor::lookup() {
    auto ep = ecast::lookup_endpoint(options_.ecast_url, initial_.room_code);
    if (!ep) return finish("connection_failed", false);  // config is checked at start; belt and braces
    std::weak_ptr<RoomMonitor> weak = weak_from_this();
    lookup_op_ = transport_.get(*ep, std::min<std::chrono::milliseconds>(kAttemptTimeout, options_.give_up_after),
                                [weak](HttpReply reply) {
                                    if (auto self = weak.lock()) self->on_lookup(reply);
                                });
}

void RoomMonitor::on_lookup(const HttpReply& reply) {
    lookup_op_.reset();
    if (done_) return;
    if (reply.status == 0) return retry("look-up: " + reply.error);
    auto result = ecast::parse_lookup(reply.status, reply.body);
    switch (result.outcome) {
        case ecast::LookupOutcome::NotFound:
            // Once we were in the room, its disappearing from the directory means it closed.
            return connected_once_ ? room_gone("room_closed") : finish("room_not_found", false);
        case ecast::LookupOutcome::Retry:
            return retry("look-up: " + result.error);
        case ecast::LookupOutcome::Found:
            room_ = result.room;
            return connect_watch();
    }
}

// --- the watch connection ---------------------------------------------------------------

void RoomMonitor::connect_watch() {
    auto ep = ecast::watch_endpoint(options_.ecast_url, room_->host, initial_.room_code, user_id(false), resume_);
    if (!ep) return retry("look-up named an unusable host '" + room_->host + "'");
    std::weak_ptr<RoomMonitor> weak = weak_from_this();
    SocketHandlers handlers;
    handlers.on_message = [weak](std::string text) {
        if (auto self = weak.lock()) self->on_watch_message(text);
    };
    handlers.on_closed = [weak](SocketClosed closed) {
        if (auto self = weak.lock()) self->on_watch_closed(closed);
    };
    watching_ = false;
    watch_ = transport_.connect(*ep, kAttemptTimeout, kIdleTimeout, std::move(handlers));
}

void RoomMonitor::on_watch_message(const std::string& text) {
    if (done_) return;
    ecast::Frame frame = ecast::parse_frame(text);
    if (auto* w = std::get_if<ecast::Welcome>(&frame)) {
        watching_ = true;
        failing_since_.reset();
        backoff_ = std::chrono::milliseconds{0};
        if (!w->secret.empty()) resume_ = std::make_pair(w->id, w->secret);
        auto changes = tracker_.on_welcome(*w);
        if (!connected_once_) {
            connected_once_ = true;
            emit(kRoomConnected, room_connected(snapshot()));
            schedule_tick();
        }
        return apply(changes);
    }
    if (!watching_) {
        // Anything before the welcome is a failed connect (the official client's rule).
        if (auto* e = std::get_if<ecast::ErrorFrame>(&frame)) return on_error_frame(*e, false);
        spdlog::warn("msg=\"room frame before welcome\" room={} frame=\"{}\"", initial_.room_code, text.substr(0, 200));
        return;
    }
    std::visit(
        [this, &text](const auto& f) {
            using T = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<T, ecast::RoomUpdate>) {
                apply(tracker_.on_room(f.room));
            } else if constexpr (std::is_same_v<T, ecast::ClientConnected>) {
                apply(tracker_.on_player_connected(f.player));
            } else if constexpr (std::is_same_v<T, ecast::RoomLock>) {
                apply(tracker_.on_lock());
            } else if constexpr (std::is_same_v<T, ecast::RoomExit>) {
                room_gone("room_closed");
            } else if constexpr (std::is_same_v<T, ecast::ErrorFrame>) {
                on_error_frame(f, true);
            } else if constexpr (std::is_same_v<T, ecast::Malformed>) {
                spdlog::warn("msg=\"room frame ignored\" room={} why=\"{}\" frame=\"{}\"", initial_.room_code, f.why,
                             text.substr(0, 200));
            }
        },
        frame);
}

void RoomMonitor::on_error_frame(const ecast::ErrorFrame& e, bool welcomed) {
    spdlog::info("msg=\"room error frame\" room={} code={} text=\"{}\"", initial_.room_code, e.code, e.message);
    switch (e.code) {
        case ecast::kErrorRoomEnded:
            return room_gone("room_closed");
        case ecast::kErrorRoomNotFound:
            return connected_once_ ? room_gone("room_closed") : finish("room_not_found", false);
        case ecast::kErrorNoSuchRole:
        case ecast::kErrorPasswordRequired:
        case ecast::kErrorPermissionDenied:
            return finish("role_rejected", false);
        default:
            // After the welcome an error answers one of our requests (or is a rate limit
            // notice, 2420): the watch goes on. Before it, the connect failed.
            if (welcomed) return;
            resume_.reset();  // perhaps the secret is no longer valid: come back as a new client
            if (watch_) watch_->cancel();
            watch_.reset();
            return retry("error " + std::to_string(e.code) + " before the welcome");
    }
}

void RoomMonitor::on_watch_closed(const SocketClosed& closed) {
    watch_.reset();
    watching_ = false;
    if (done_) return;
    // Whether the room is gone (1000/1005 "room was destroyed" for jackbox.tv) or the
    // connection just dropped, the look-up tells: 404 ends the monitor, else we reconnect.
    retry("watch closed (code " + std::to_string(closed.code) + (closed.error.empty() ? "" : ", " + closed.error) +
          ")");
}

void RoomMonitor::retry(const std::string& why) {
    if (done_) return;
    const auto now = Clock::now();
    if (!failing_since_) failing_since_ = now;
    if (now - *failing_since_ >= options_.give_up_after) {
        spdlog::warn("msg=\"room monitor gave up\" room={} why=\"{}\"", initial_.room_code, why);
        return finish("connection_failed", false);
    }
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
    auto delay = jittered(backoff_);
    spdlog::info("msg=\"room monitor retrying\" room={} why=\"{}\" in_ms={}", initial_.room_code, why, delay.count());
    retry_timer_.expires_after(delay);
    std::weak_ptr<RoomMonitor> weak = weak_from_this();
    retry_timer_.async_wait([weak](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock(); self && !self->done_) self->lookup();
    });
}

// --- every status interval: game.status and the probe -----------------------------------

void RoomMonitor::schedule_tick() {
    tick_timer_.expires_after(options_.status_interval);
    std::weak_ptr<RoomMonitor> weak = weak_from_this();
    tick_timer_.async_wait([weak](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock(); self && !self->done_) self->tick();
    });
}

void RoomMonitor::tick() {
    emit(kGameStatus, game_status(snapshot()));
    if (watching_ && !probe_) probe();
    schedule_tick();
}

void RoomMonitor::probe() {
    // Join events may never reach an observer: a second, short-lived shard reads `here`.
    // It comes back as the same client each time, so it holds one slot, not one per probe.
    auto ep = ecast::watch_endpoint(options_.ecast_url, room_->host, initial_.room_code, user_id(true), probe_resume_);
    if (!ep) return;
    std::weak_ptr<RoomMonitor> weak = weak_from_this();
    SocketHandlers handlers;
    handlers.on_message = [weak](std::string text) {
        if (auto self = weak.lock()) self->on_probe_message(text);
    };
    handlers.on_closed = [weak](SocketClosed) {
        if (auto self = weak.lock()) self->probe_.reset();
    };
    probe_ = transport_.connect(*ep, kAttemptTimeout, kIdleTimeout, std::move(handlers));
    probe_timer_.expires_after(kAttemptTimeout);
    probe_timer_.async_wait([weak](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock(); self && self->probe_) {
            self->probe_->cancel();
            self->probe_.reset();
        }
    });
}

void RoomMonitor::on_probe_message(const std::string& text) {
    if (done_ || !probe_) return;
    ecast::Frame frame = ecast::parse_frame(text);
    if (auto* w = std::get_if<ecast::Welcome>(&frame)) {
        if (!w->secret.empty()) probe_resume_ = std::make_pair(w->id, w->secret);
        std::vector<Change> changes;
        if (w->players) changes = tracker_.on_players(*w->players);
        if (w->room) {
            auto more = tracker_.on_room(*w->room);
            changes.insert(changes.end(), more.begin(), more.end());
        }
        probe_->cancel();
        probe_.reset();
        probe_timer_.cancel();
        return apply(changes);
    }
    if (std::holds_alternative<ecast::ErrorFrame>(frame)) {
        probe_resume_.reset();  // next time as a new client
        probe_->cancel();
        probe_.reset();
        probe_timer_.cancel();
    }
}

// --- events -----------------------------------------------------------------------------

void RoomMonitor::apply(const std::vector<Change>& changes) {
    for (const auto& c : changes) {
        if (done_) return;
        switch (c.kind) {
            case Change::Kind::PlayerJoined:
                emit(kPlayerJoined, player_joined(snapshot(), c.player));
                break;
            case Change::Kind::CountChanged:
                if (manual_count_) break;
                store_.off_loop([room = initial_, count = tracker_.player_count()](store::Store& s) {
                    try {
                        s.set_player_count(room.session_id, room.session_game_id, count);
                    } catch (const std::exception& e) {
                        spdlog::warn("msg=\"room monitor could not store the count\" room={} error=\"{}\"",
                                     room.room_code, e.what());
                    }
                    return std::function<void()>();
                });
                break;
            case Change::Kind::LobbyUpdated:
                emit(kLobbyUpdated, lobby_updated(snapshot()));
                break;
            case Change::Kind::GameStarted:
                emit(kGameStarted, game_started(snapshot()));
                break;
            case Change::Kind::GameEnded:
                emit(kGameEnded, game_ended(snapshot()));
                // The game is over: the session game is played, nothing more to watch.
                return finish(std::nullopt, true);
        }
    }
}

void RoomMonitor::room_gone(const std::string& reason) {
    // A game still running ends with the room; the room's end is reported too.
    for (const auto& c : tracker_.on_exit())
        if (c.kind == Change::Kind::GameEnded) emit(kGameEnded, game_ended(snapshot()));
    finish(reason, connected_once_);  // a room never seen open says nothing about the game
}

// With each event, what status-live answers goes to the other instances too. The writes run
// off the loop, in order (Store::off_loop).
void RoomMonitor::emit(const char* type, std::string data) {
    std::optional<std::string> status;
    if (!done_) status = game_status(snapshot());
    store_.off_loop([room = initial_, type, data = std::move(data), status = std::move(status)](store::Store& s) {
        try {
            s.record_room_event(room.session_id, type, data);
            if (status) s.share_room_status(room.session_game_id, *status);
        } catch (const std::exception& e) {
            spdlog::error("msg=\"room event not stored\" type={} room={} error=\"{}\"", type, room.room_code, e.what());
        }
        return std::function<void()>();
    });
}

void RoomMonitor::finish(std::optional<std::string> reason, bool played) {
    if (done_) return;
    close_quietly();
    spdlog::info("msg=\"room monitor ended\" session_game={} room={} reason={}", initial_.session_game_id,
                 initial_.room_code, reason.value_or(played ? "game_ended" : "-"));
    if (reason) emit(kRoomDisconnected, room_disconnected(snapshot(), *reason));
    store_.off_loop([room = initial_, played](store::Store& s) {
        try {
            s.end_player_check(room.session_id, room.session_game_id, played);
        } catch (const std::exception& e) {
            spdlog::warn("msg=\"room monitor could not end the player check\" error=\"{}\"", e.what());
        }
        return std::function<void()>();
    });
    if (auto ended = std::move(on_ended_)) {
        on_ended_ = nullptr;
        ended(*this);
    }
}

}  // namespace gp::rooms
