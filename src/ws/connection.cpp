#include "ws/connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <functional>
#include <optional>

#include "http/tokens.hpp"
#include "store/store.hpp"
#include "ws/hub.hpp"
#include "ws/protocol.hpp"
#include "ws/upgrade.hpp"

namespace gp::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using frame::Event;
using frame::Opcode;

namespace {
// Bounds the opening handshake.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// How long a connection has, once our close frame is queued, to finish the closing
// handshake (a client that stopped reading never does); then the socket is closed.
constexpr auto kCloseGrace = std::chrono::seconds(5);
// Most outbox rows read per query while replaying.
constexpr std::size_t kReplayPage = 256;
// Frames handed to one write (one sendmsg): Asio's limit per call.
constexpr std::size_t kMaxGather = 64;
// Reads in a row from one client before the others get their turn.
constexpr int kReadsPerTurn = 4;

bool would_block(const beast::error_code& ec) {
    return ec == asio::error::would_block || ec == asio::error::try_again;
}

// A buffer sequence over the first `count` of an array, for one gathered write.
struct Gather {
    const asio::const_buffer* first;
    std::size_t count;
    const asio::const_buffer* begin() const { return first; }
    const asio::const_buffer* end() const { return first + count; }
};

}  // namespace

Connection::Connection(Hub& hub, Socket&& socket)
    : socket_(std::move(socket)),
      hub_(&hub),
      timer_(socket_.get_executor()),
      reader_(hub.options().max_message_bytes) {}

Connection::~Connection() {
    if (hub_ && admitted_) hub_->leave(*this);
}

void Connection::start(std::shared_ptr<Request> request) {
    // Beast answers the upgrade (and refuses a bad one); then the socket is ours again.
    auto handshake = std::make_shared<websocket::stream<Socket, false>>(std::move(socket_));  // no permessage-deflate
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    handshake->set_option(timeouts);
    handshake->async_accept(*request, [self = shared_from_this(), handshake, request](beast::error_code ec) {
        if (ec) {
            spdlog::debug("msg=\"websocket handshake failed\" error=\"{}\"", ec.message());
            return;
        }
        self->socket_ = std::move(handshake->next_layer());
        self->on_accept();
    });
}

void Connection::on_accept() {
    beast::error_code ec;
    socket_.non_blocking(true, ec);  // reads and writes are tried first, then waited for
    if (ec) return end();
    last_read_ = Clock::now();
    arm_timer(last_read_ + hub_->options().idle_timeout / 2);
    if (!hub_->admit(*this)) {
        spdlog::warn("msg=\"websocket refused: too many connections\" remote={} max={}", remote(),
                     hub_->options().max_connections);
        close(frame::kTryAgainLater, "Too many connections");
    } else {
        admitted_ = true;
    }
    on_readable();  // the client may have written before the handshake completed
}

// --- reading -----------------------------------------------------------------

void Connection::on_readable() {
    const std::span<char> buffer = hub_->read_buffer();
    for (int reads = 0; reads < kReadsPerTurn; ++reads) {
        beast::error_code ec;
        const std::size_t n = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
        if (would_block(ec)) return wait_readable();
        if (ec) {
            spdlog::debug("msg=\"websocket closed\" error=\"{}\"", ec.message());
            return end();
        }
        last_read_ = Clock::now();
        ping_sent_ = false;
        // After the client's close frame or a violation, what follows is discarded.
        if (!failed_ && !peer_closed_) received(buffer.first(n));
        if (!socket_.is_open()) return;
    }
    // A client that keeps sending: the others get their turn first.
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->socket_.is_open()) self->on_readable();
    });
}

void Connection::wait_readable() {
    socket_.async_wait(Socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
        if (ec == asio::error::operation_aborted) return;  // the socket was closed
        self->on_readable();                              // a socket error surfaces in the read
    });
}

void Connection::received(std::span<char> bytes) {
    if (partial_.empty()) {
        const std::size_t used = handle_frames(bytes);
        if (used < bytes.size()) partial_.assign(bytes.data() + used, bytes.size() - used);
    } else {
        partial_.append(bytes.data(), bytes.size());
        partial_.erase(0, handle_frames({partial_.data(), partial_.size()}));
    }
    if (failed_ || peer_closed_) partial_.clear();
    // Idle connections keep no buffer.
    if (partial_.empty() && partial_.capacity() > std::string().capacity()) std::string().swap(partial_);
}

std::size_t Connection::handle_frames(std::span<char> bytes) {
    std::size_t used = 0;
    while (!failed_ && !peer_closed_) {
        const auto step = reader_.next(bytes.subspan(used));
        used += step.consumed;
        switch (step.event.kind) {
            case Event::None:
                if (step.consumed == 0) return used;  // the rest has not arrived yet
                break;
            case Event::Message:
                if (!closing_) handle(step.event.payload);
                break;
            case Event::Ping:
                if (!closing_) send(std::make_shared<const std::string>(frame::encode(Opcode::Pong, step.event.payload)));
                break;
            case Event::Pong: break;
            case Event::Close: on_close_frame(step.event.code); break;
            case Event::Fail: fail(step.event.code); break;
        }
    }
    return used;
}

void Connection::on_close_frame(std::uint16_t code) {
    peer_closed_ = true;
    // The client started the closing handshake: answer with its code (or none).
    if (!closing_) queue_close(code ? frame::encode_close(code, {}) : frame::encode(Opcode::Close, {}));
    maybe_teardown();
}

void Connection::fail(std::uint16_t code) {
    if (code == frame::kTooBig)
        spdlog::info("msg=\"websocket message too big, closed with 1009\" limit={}", hub_->options().max_message_bytes);
    else
        spdlog::debug("msg=\"websocket protocol error, closing\" code={}", code);
    failed_ = true;
    if (!closing_) queue_close(frame::encode_close(code, {}));
    maybe_teardown();
}

// --- messages ------------------------------------------------------------------

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
    if (sessions_.size() >= max)
        return reply(protocol::error("Too many subscriptions (at most " + std::to_string(max) + " per connection)"));
    reply(protocol::subscribed(m.session_id));
    // Live from now on; with `since`, the replay of what the loop has published up to now
    // comes first, and the live events wait behind it (deliver()).
    hub_->subscribe(*this, m.session_id);
    if (!m.since) return;
    replays_.push_back({m.session_id, *m.since, hub_->store().published_up_to(), ++replays_started_, {}, 0});
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
    return std::find(sessions_.begin(), sessions_.end(), session_id) != sessions_.end();
}

void Connection::continue_replays() {
    if (replays_.empty() || closing_ || replay_reading_) return;
    // Replays fill at most half the queue so live events keep room beside them.
    const std::size_t fill = std::max<std::size_t>(1, hub_->options().send_queue_limit / 2);
    const std::size_t fill_bytes = hub_->options().send_queue_bytes / 2;
    corked_ = true;  // one write for the whole round
    in_replay_round_ = true;
    while (!replays_.empty() && !closing_ && !replay_reading_ && queue_.size() < fill && queued_bytes_ < fill_bytes)
        read_replay_page(std::min(kReplayPage, fill - queue_.size()));
    in_replay_round_ = false;
    corked_ = false;
    flush();
    // Written at once: the next round comes after the other clients had their turn.
    if (!replays_.empty() && !closing_ && !replay_reading_ && !awaiting_writable_)
        asio::post(socket_.get_executor(), [self = shared_from_this()] { self->continue_replays(); });
}

void Connection::read_replay_page(std::size_t want) {
    const Replay& r = replays_.front();
    replay_reading_ = true;
    hub_->store().off_loop([weak = weak_from_this(), session_id = r.session_id, after = r.after, up_to = r.up_to,
                            serial = r.serial, want](store::Store& s) -> std::function<void()> {
        std::optional<std::vector<events::Event>> page;
        try {
            page = s.events_after(after, session_id, static_cast<int>(want));
            std::erase_if(*page, [up_to](const events::Event& e) { return e.id > up_to; });
        } catch (const std::exception& e) {
            spdlog::error("msg=\"websocket replay failed\" error=\"{}\"", e.what());
            page.reset();
        }
        return [weak, read = Replay{session_id, after, up_to, serial, {}, 0}, want, page = std::move(page)] {
            if (auto self = weak.lock()) self->replay_page_read(read, want, page ? &*page : nullptr);
        };
    });
}

void Connection::replay_page_read(const Replay& read, std::size_t want, const std::vector<events::Event>* events) {
    replay_reading_ = false;
    if (!hub_ || closing_) return;
    if (!events) return close(frame::kInternalError, "Replay failed");
    // Still the replay that asked (not unsubscribed, or subscribed anew, meanwhile)?
    if (!replays_.empty() && replays_.front().serial == read.serial && replays_.front().after == read.after) {
        Replay& r = replays_.front();
        const std::size_t fill_bytes = hub_->options().send_queue_bytes / 2;
        const bool corked = corked_;
        corked_ = true;
        std::size_t queued = 0;
        for (const auto& e : *events) {
            if (queued_bytes_ >= fill_bytes) break;  // the rest is read again once the queue drains
            r.after = e.id;
            send(std::make_shared<const std::string>(frame::encode(Opcode::Text, e.ws_envelope())));
            ++queued;
        }
        // Caught up with what the loop had published at the subscribe (or when the held events
        // were dropped): the live events held meanwhile (all newer) follow, and from now on
        // they are sent at once.
        if (queued == events->size() && events->size() < want && read.up_to == r.up_to) {
            const auto held = std::move(r.held);
            replays_.erase(replays_.begin());
            for (const auto& f : held) send(f);
        }
        corked_ = corked;
    }
    if (in_replay_round_) return;
    flush();  // the read came back later (PostgreSQL)
    continue_replays();
}

void Connection::deliver(domain::Id session_id, const Frame& frame) {
    for (auto& r : replays_) {
        if (r.session_id != session_id) continue;
        const auto& limits = hub_->options();
        if (r.held.size() >= limits.send_queue_limit || r.held_bytes + frame->size() > limits.send_queue_bytes) {
            // Too many to hold: the replay reads them (this one included) from the outbox.
            r.held.clear();
            r.held_bytes = 0;
            r.up_to = hub_->store().published_up_to();
            return;
        }
        r.held_bytes += frame->size();
        r.held.push_back(frame);
        return;
    }
    send(frame);
}

// --- writing -------------------------------------------------------------------

void Connection::reply(std::string_view text) {
    send(std::make_shared<const std::string>(frame::encode(Opcode::Text, text)));
}

void Connection::send(const Frame& frame) {
    if (closing_) return;
    const auto& limits = hub_->options();
    if (queue_.size() >= limits.send_queue_limit || queued_bytes_ + frame->size() > limits.send_queue_bytes) {
        spdlog::warn(
            "msg=\"websocket client too slow: send queue full, closing with 1008\" remote={} queued={} "
            "queued_bytes={}",
            remote(), queue_.size(), queued_bytes_);
        return close(frame::kPolicyViolation, "Send queue full: client too slow");
    }
    if (queue_.empty() && !corked_ && !awaiting_writable_) {
        // Nothing ahead of it: straight to the socket (the same bytes every recipient
        // gets; nothing is copied or allocated), queued only if the socket is full.
        beast::error_code ec;
        std::size_t written = socket_.write_some(asio::buffer(*frame), ec);
        if (would_block(ec)) {
            written = 0;
        } else if (ec) {
            spdlog::debug("msg=\"websocket write failed\" error=\"{}\"", ec.message());
            return end();
        }
        if (written == frame->size()) return;
        written_ = written;
        queued_bytes_ = frame->size() - written;
        queue_.push_back(frame);
        return wait_writable();
    }
    queue_.push_back(frame);
    queued_bytes_ += frame->size();
    flush();
}

void Connection::flush() {
    std::array<asio::const_buffer, kMaxGather> buffers;
    while (!corked_ && !awaiting_writable_ && !queue_.empty() && socket_.is_open()) {
        const std::size_t count = std::min(queue_.size(), kMaxGather);
        std::size_t offered = 0;
        for (std::size_t i = 0; i < count; ++i) {
            buffers[i] = asio::buffer(*queue_[i]) + (i == 0 ? written_ : 0);
            offered += buffers[i].size();
        }
        beast::error_code ec;
        std::size_t n = socket_.write_some(Gather{buffers.data(), count}, ec);
        if (would_block(ec)) {
            n = 0;
        } else if (ec) {
            spdlog::debug("msg=\"websocket write failed\" error=\"{}\"", ec.message());
            return end();
        }
        queued_bytes_ -= n;
        written_ += n;
        std::size_t done = 0;  // frames written whole
        while (done < queue_.size() && written_ >= queue_[done]->size()) written_ -= queue_[done++]->size();
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(done));
        if (n < offered) return wait_writable();  // the socket is full
    }
    if (!queue_.empty()) return;
    if (queue_.capacity() > 16) std::vector<Frame>().swap(queue_);  // a burst is over: idle connections stay small
    if (closing_ && !close_sent_ && socket_.is_open()) {
        close_sent_ = true;  // the close frame is always the last one queued
        maybe_teardown();
    }
}

void Connection::wait_writable() {
    awaiting_writable_ = true;
    socket_.async_wait(Socket::wait_write, [self = shared_from_this()](beast::error_code ec) {
        self->awaiting_writable_ = false;
        if (ec) return;  // the socket was closed
        self->on_writable();
    });
}

void Connection::on_writable() {
    flush();
    continue_replays();
}

// --- closing -------------------------------------------------------------------

void Connection::close(std::uint16_t code, std::string_view reason) {
    if (closing_) return;
    queue_close(frame::encode_close(code, reason));
}

void Connection::queue_close(std::string close_frame) {
    closing_ = true;
    replays_.clear();
    queue_.resize(!queue_.empty() && written_ > 0 ? 1 : 0);  // a frame partly written must be finished first
    queued_bytes_ = queue_.empty() ? 0 : queue_.front()->size() - written_;
    queued_bytes_ += close_frame.size();
    queue_.push_back(std::make_shared<const std::string>(std::move(close_frame)));
    arm_timer(Clock::now() + kCloseGrace);
    flush();
}

void Connection::maybe_teardown() {
    if (!close_sent_ || torn_down_ || !(peer_closed_ || failed_)) return;
    torn_down_ = true;
    // The server closes the TCP connection: its half now, then reading until the
    // client closes its own (bounded by the close grace).
    beast::error_code ignored;
    socket_.shutdown(Socket::shutdown_send, ignored);
}

void Connection::arm_timer(Clock::time_point at) {
    timer_.expires_at(at);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (ec) return;  // re-armed or cancelled
        if (auto self = weak.lock()) self->on_timer();
    });
}

void Connection::on_timer() {
    if (Clock::now() < timer_.expiry()) return;  // re-armed after this expiry was queued
    if (closing_) return end();                   // the close grace is over
    // Liveness: a ping after half the idle timeout of silence, closed after all of it.
    const auto half = std::chrono::duration_cast<Clock::duration>(hub_->options().idle_timeout) / 2;
    const auto now = Clock::now();
    if (ping_sent_ && now >= last_read_ + 2 * half) {
        spdlog::debug("msg=\"websocket idle timeout\" remote={}", remote());
        return end();
    }
    if (!ping_sent_ && now >= last_read_ + half) {
        static const Frame ping = std::make_shared<const std::string>(frame::encode(Opcode::Ping, {}));
        ping_sent_ = true;
        send(ping);
    }
    arm_timer(last_read_ + (ping_sent_ ? 2 * half : half));
}

void Connection::end() {
    closing_ = true;
    replays_.clear();
    queue_.clear();
    queued_bytes_ = 0;
    beast::error_code ignored;
    socket_.close(ignored);  // pending waits complete and let go of the connection
    timer_.cancel();
}

std::string Connection::remote() const {
    beast::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    return ec ? std::string("unknown") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

void accept_upgrade(Hub& hub, Socket socket, beast::http::request<beast::http::string_body> request) {
    auto conn = std::make_shared<Connection>(hub, std::move(socket));
    conn->start(std::make_shared<Connection::Request>(std::move(request)));
}

}  // namespace gp::ws
