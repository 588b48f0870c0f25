#include "ws/connection.hpp"

#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "http/tokens.hpp"
#include "store/store.hpp"
#include "ws/hub.hpp"
#include "ws/protocol.hpp"
#include "ws/upgrade.hpp"

namespace gp::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {
// Bounds the opening handshake and, once the close frame is out, the closing one.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// How long a connection we close has to read its close frame (a client that
// stopped reading never does); then the socket is closed under it.
constexpr auto kCloseGrace = std::chrono::seconds(5);
// Most outbox rows read per query while replaying.
constexpr std::size_t kReplayPage = 256;
}  // namespace

Connection::Connection(Hub& hub, Socket&& socket) : ws_(std::move(socket)), hub_(&hub) {}

Connection::~Connection() {
    if (hub_ && admitted_) hub_->leave(*this);
}

void Connection::start(std::shared_ptr<Request> request) {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = hub_->options().idle_timeout;
    timeouts.keep_alive_pings = true;  // ping after idle_timeout / 2 of silence, close after idle_timeout
    ws_.set_option(timeouts);
    ws_.read_message_max(hub_->options().max_message_bytes);
    ws_.auto_fragment(false);
    // The request only has to outlive the handshake.
    ws_.async_accept(*request, [self = shared_from_this(), request](beast::error_code ec) { self->on_accept(ec); });
}

void Connection::on_accept(beast::error_code ec) {
    if (ec) {
        spdlog::debug("msg=\"websocket handshake failed\" error=\"{}\"", ec.message());
        return;
    }
    if (!hub_->admit(*this)) {
        spdlog::warn("msg=\"websocket refused: too many connections\" remote={} max={}", remote(),
                     hub_->options().max_connections);
        close(websocket::close_code::try_again_later, "Too many connections");
    } else {
        admitted_ = true;
    }
    read();  // also drives the closing handshake
}

void Connection::read() {
    ws_.async_read(read_buffer_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void Connection::on_read(beast::error_code ec) {
    if (ec) {
        if (ec == websocket::error::message_too_big)
            spdlog::info("msg=\"websocket message too big, closed with 1009\" limit={}",
                         hub_->options().max_message_bytes);
        else
            spdlog::debug("msg=\"websocket closed\" error=\"{}\"", ec.message());
        return;  // the connection ends when its last pending operation completes
    }
    if (!closing_) {
        const auto data = read_buffer_.cdata();
        handle({static_cast<const char*>(data.data()), data.size()});
    }
    // Idle connections keep no message-sized buffer.
    read_buffer_.clear();
    read_buffer_.shrink_to_fit();
    read();
}

void Connection::handle(std::string_view text) {
    using protocol::Kind;
    try {
        const protocol::ClientMessage m = protocol::parse(text);
        switch (m.kind) {
            case Kind::Invalid: return reply(protocol::error(m.error));
            case Kind::Ping: return reply(protocol::pong());
            case Kind::Auth: return handle_auth(m);
            case Kind::Subscribe: return handle_subscribe(m);
            case Kind::Unsubscribe: return handle_unsubscribe(m);
        }
    } catch (const std::exception& e) {
        spdlog::error("msg=\"websocket message failed\" error=\"{}\"", e.what());
        reply(protocol::error("Something went wrong!"));
    }
}

void Connection::handle_auth(const protocol::ClientMessage& m) {
    if (!m.error.empty()) return reply(protocol::auth_error(m.error));
    // A failed attempt leaves an earlier, still valid authentication in place.
    auto claims = hub_->tokens().verify(m.token);
    if (!claims) return reply(protocol::auth_error(protocol::kInvalidToken));
    hub_->authenticate(*this, claims->exp);
    reply(protocol::auth_success());
}

void Connection::handle_subscribe(const protocol::ClientMessage& m) {
    if (token_exp_ == 0) return reply(protocol::error(protocol::kNotAuthenticated));
    if (!m.error.empty()) return reply(protocol::error(m.error));
    // Any positive id is accepted, as in the original: a client may wait for a
    // session that does not exist yet. Subscribing again changes nothing.
    if (subscribed_to(m.session_id)) return reply(protocol::subscribed(m.session_id));
    const std::size_t max = hub_->options().max_subscriptions;
    if (sessions_.size() + replays_.size() >= max)
        return reply(protocol::error("Too many subscriptions (at most " + std::to_string(max) + " per connection)"));
    reply(protocol::subscribed(m.session_id));
    if (!m.since) return hub_->subscribe(*this, m.session_id);
    replays_.push_back({m.session_id, *m.since});
    continue_replays();
}

void Connection::handle_unsubscribe(const protocol::ClientMessage& m) {
    if (token_exp_ == 0) return reply(protocol::error(protocol::kNotAuthenticated));
    if (!m.error.empty()) return reply(protocol::error(m.error));
    std::erase_if(replays_, [&](const Replay& r) { return r.session_id == m.session_id; });
    hub_->unsubscribe(*this, m.session_id);
    reply(protocol::unsubscribed(m.session_id));
}

void Connection::token_expired() {
    hub_->deauthenticate(*this);
    replays_.clear();
    reply(protocol::auth_error(protocol::kTokenExpired));
}

bool Connection::subscribed_to(domain::Id session_id) const {
    return std::find(sessions_.begin(), sessions_.end(), session_id) != sessions_.end() ||
           std::any_of(replays_.begin(), replays_.end(), [&](const Replay& r) { return r.session_id == session_id; });
}

void Connection::continue_replays() {
    // Replays fill at most half the queue so live events keep room beside them.
    // Everything runs on the event-loop thread and events are published right
    // after their commit, so between reading the outbox's tail and joining the
    // live subscribers no event can slip through: no gap, no duplicate.
    const std::size_t fill = std::max<std::size_t>(1, hub_->options().send_queue_limit / 2);
    const std::size_t fill_bytes = hub_->options().send_queue_bytes / 2;
    while (!replays_.empty() && !closing_ && queue_.size() < fill && queued_bytes_ < fill_bytes) {
        Replay& r = replays_.front();
        const std::size_t want = std::min(kReplayPage, fill - queue_.size());
        const auto events = hub_->store().events_after(r.after, r.session_id, static_cast<int>(want));
        std::size_t queued = 0;
        for (const auto& e : events) {
            if (queued_bytes_ >= fill_bytes) break;  // the rest is read again once the queue drains
            r.after = e.id;
            send(std::make_shared<const std::string>(e.ws_envelope()));
            ++queued;
        }
        if (queued == events.size() && events.size() < want) {
            hub_->subscribe(*this, r.session_id);
            replays_.erase(replays_.begin());
        }
    }
}

void Connection::reply(std::string text) { send(std::make_shared<const std::string>(std::move(text))); }

void Connection::send(std::shared_ptr<const std::string> message) {
    if (closing_) return;
    const auto& limits = hub_->options();
    if (queue_.size() >= limits.send_queue_limit || queued_bytes_ + message->size() > limits.send_queue_bytes) {
        spdlog::warn(
            "msg=\"websocket client too slow: send queue full, closing with 1008\" remote={} queued={} "
            "queued_bytes={}",
            remote(), queue_.size(), queued_bytes_);
        return close(websocket::close_code::policy_error, "Send queue full: client too slow");
    }
    queued_bytes_ += message->size();
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) write_next();
}

void Connection::write_next() {
    ws_.async_write(asio::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void Connection::on_write(beast::error_code ec) {
    if (ec) {
        closing_ = true;  // the pending read fails too, and the connection ends
        return;
    }
    queued_bytes_ -= queue_.front()->size();
    queue_.erase(queue_.begin());
    if (!queue_.empty()) {
        write_next();
    } else if (queue_.capacity() > 16) {
        queue_.shrink_to_fit();  // a burst is over: idle connections stay small
    }
    try {
        continue_replays();
    } catch (const std::exception& e) {
        spdlog::error("msg=\"websocket replay failed\" error=\"{}\"", e.what());
        close(websocket::close_code::internal_error, "Replay failed");
    }
}

void Connection::close(websocket::close_code code, std::string_view reason) {
    if (closing_) return;
    closing_ = true;
    replays_.clear();
    if (queue_.size() > 1) {  // keep only the frame being written
        queue_.resize(1);
        queued_bytes_ = queue_.front()->size();
    }
    if (!ws_.is_open()) return;               // already closing from the other side
    ws_.async_close(websocket::close_reason(code, reason), [self = shared_from_this()](beast::error_code) {});
    // The close frame waits behind the frame being written; a client that
    // stopped reading takes neither, so close the socket under it after a grace.
    auto timer = std::make_shared<asio::steady_timer>(ws_.get_executor(), kCloseGrace);
    timer->async_wait([weak = weak_from_this(), timer](beast::error_code ec) {
        auto self = weak.lock();
        if (ec || !self) return;
        beast::error_code ignored;
        self->ws_.next_layer().close(ignored);
    });
}

std::string Connection::remote() const {
    beast::error_code ec;
    const auto ep = ws_.next_layer().remote_endpoint(ec);
    return ec ? std::string("unknown") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

void accept_upgrade(Hub& hub, beast::tcp_stream stream, beast::http::request<beast::http::string_body> request) {
    beast::error_code ec;
    asio::ip::tcp::socket& plain = stream.socket();
    const auto protocol = plain.local_endpoint(ec).protocol();
    Connection::Socket socket(hub.io_context());
    if (!ec) {
        const auto fd = plain.release(ec);
        if (!ec) {
            socket.assign(protocol, fd, ec);
            if (ec) ::close(fd);
        }
    }
    if (ec) return;  // the peer is already gone
    auto conn = std::make_shared<Connection>(hub, std::move(socket));
    conn->start(std::make_shared<Connection::Request>(std::move(request)));
}

}  // namespace gp::ws
