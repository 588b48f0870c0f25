#include "ws/hub.hpp"

#include <boost/asio/system_timer.hpp>

#include <iterator>
#include <vector>

#include "domain/time.hpp"
#include "metrics/instruments.hpp"
#include "ws/connection.hpp"

namespace gp::ws {

namespace asio = boost::asio;

namespace {
constexpr std::string_view kBroadcastType = "session.started";  // the one event every authenticated client gets
constexpr std::size_t kReadBufferBytes = 64 * 1024;
}  // namespace

// One timer for every token on the feed, set for the soonest exp.
class Hub::ExpiryTimer {
public:
    explicit ExpiryTimer(asio::io_context& ioc) : timer(ioc) {}
    asio::system_timer timer;
    std::int64_t armed_for = 0;  // the exp (seconds) it waits for; 0 = not waiting
};

Hub::Hub(asio::io_context& ioc, store::Store& store, const http::TokenService& tokens, HubOptions options)
    : store_(store),
      tokens_(tokens),
      options_(options),
      expiry_timer_(std::make_unique<ExpiryTimer>(ioc)),
      read_buffer_(kReadBufferBytes) {}

Hub::~Hub() {
    // Connections still held by pending operations are destroyed with the
    // io_context, after the hub: they must not call back into it.
    for (Connection* c : connections_) c->detach();
}

void Hub::publish(const events::Event& event) {
    const std::unordered_set<Connection*>* audience = &authenticated_;
    if (event.type != kBroadcastType) {
        if (!event.session_id) return;
        auto it = subscribers_.find(*event.session_id);
        if (it == subscribers_.end()) return;
        audience = &it->second;
    }
    if (audience->empty()) return;
    // send() never changes the hub's sets (a connection it closes leaves later,
    // from its destructor), so iterating them here is safe.
    const Connection::Frame frame =
        std::make_shared<const std::string>(frame::encode(frame::Opcode::Text, event.ws_envelope()));
    // Each send is a system call that leaves the caches cold. While one runs, the next
    // recipient's connection and the set's node after that one are on their way in.
    const bool broadcast = audience == &authenticated_;
    for (auto it = audience->begin(), end = audience->end(); it != end;) {
        Connection* c = *it;
        if (++it != end) {
            (*it)->prefetch_for_send();
            if (auto after = std::next(it); after != end) __builtin_prefetch(&*after);
        }
        if (broadcast) c->send(frame);
        else c->deliver(*event.session_id, frame);
    }
}

void Hub::shutdown() {
    // close() only starts the closing handshake; connections leave from their destructors.
    for (Connection* c : connections_) c->close(frame::kGoingAway, "Server shutting down");
}

bool Hub::admit(Connection& c) {
    if (connections_.size() >= options_.max_connections) return false;
    connections_.insert(&c);
    metrics::instruments().ws_connections.inc();
    return true;
}

void Hub::leave(Connection& c) {
    deauthenticate(c);
    connections_.erase(&c);
    metrics::instruments().ws_connections.dec();
}

void Hub::authenticate(Connection& c, std::int64_t expires_at) {
    if (c.token_exp_ != 0) expiries_.erase({c.token_exp_, &c});
    c.token_exp_ = expires_at;
    authenticated_.insert(&c);
    expiries_.emplace(expires_at, &c);
    arm_expiry_timer();
}

void Hub::deauthenticate(Connection& c) {
    if (c.token_exp_ == 0) return;
    expiries_.erase({c.token_exp_, &c});
    authenticated_.erase(&c);
    c.token_exp_ = 0;
    while (!c.sessions_.empty()) unsubscribe(c, c.sessions_.back());
}

void Hub::subscribe(Connection& c, domain::Id session_id) {
    if (!subscribers_[session_id].insert(&c).second) return;
    c.sessions_.push_back(session_id);
    metrics::instruments().ws_subscriptions.inc();
}

void Hub::unsubscribe(Connection& c, domain::Id session_id) {
    auto it = subscribers_.find(session_id);
    if (it == subscribers_.end() || it->second.erase(&c) == 0) return;
    if (it->second.empty()) subscribers_.erase(it);
    std::erase(c.sessions_, session_id);
    metrics::instruments().ws_subscriptions.dec();
}

void Hub::arm_expiry_timer() {
    if (expiries_.empty()) return;  // a pending wait finds nothing to do and stops
    const std::int64_t soonest = expiries_.begin()->first;
    ExpiryTimer& t = *expiry_timer_;
    if (t.armed_for == soonest) return;
    t.armed_for = soonest;
    t.timer.expires_at(std::chrono::system_clock::time_point(std::chrono::seconds(soonest)));
    t.timer.async_wait([this](boost::system::error_code ec) {
        if (ec == asio::error::operation_aborted) return;  // re-armed for a sooner exp
        expiry_timer_->armed_for = 0;
        expire_tokens();
    });
}

void Hub::expire_tokens() {
    // A token is invalid once exp <= now (TokenService::verify).
    const std::int64_t now = domain::now_ms() / 1000;
    std::vector<Connection*> expired;
    for (auto it = expiries_.begin(); it != expiries_.end() && it->first <= now; ++it) expired.push_back(it->second);
    for (Connection* c : expired) c->token_expired();
    arm_expiry_timer();
}

}  // namespace gp::ws
