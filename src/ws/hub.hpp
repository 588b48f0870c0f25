#pragma once
// The WebSocket feed's shared state: who is connected, authenticated and
// subscribed to which session, and the fan-out of committed events to them.
// Everything runs on the event-loop thread, so there are no locks. Connections
// own themselves (their pending operations hold them); they register here when
// admitted and unregister in their destructor, so the raw pointers below are
// always live. See docs/WEBSOCKET.md for the protocol.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "domain/models.hpp"
#include "events/event.hpp"

namespace boost::asio {
class io_context;
}
namespace gp::http {
class TokenService;
}
namespace gp::store {
class Store;
}

namespace gp::ws {

class Connection;

struct HubOptions {
    std::size_t max_connections = 20000;
    std::size_t max_subscriptions = 100;        // sessions per connection
    std::size_t max_message_bytes = 64 * 1024;  // larger incoming messages close with 1009
    std::size_t send_queue_limit = 1024;        // messages; past it the connection closes with 1008
    std::size_t send_queue_bytes = 1024 * 1024;  // bytes of those messages; past it too
    // Silence (no frame of any kind) after which a connection is closed; the
    // server sends a ping frame after half of it.
    std::chrono::seconds idle_timeout{60};
};

class Hub {
public:
    Hub(boost::asio::io_context& ioc, store::Store& store, const http::TokenService& tokens, HubOptions options);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // Serialises and frames the event once and sends the same bytes to its audience:
    // session.started to every authenticated connection, any other type to the
    // live subscribers of event.session_id.
    void publish(const events::Event& event);
    // Server shutdown: every connection gets a close frame with 1001 (going away).
    void shutdown();
    std::size_t connection_count() const { return connections_.size(); }  // admitted, not yet destroyed

    store::Store& store() { return store_; }
    const http::TokenService& tokens() const { return tokens_; }
    const HubOptions& options() const { return options_; }
    // Where connections read incoming bytes (one buffer: every read is handled at
    // once on the event-loop thread), so an idle connection holds no read buffer.
    std::span<char> read_buffer() { return read_buffer_; }

    // --- called by Connection ------------------------------------------------
    bool admit(Connection& c);  // false when max_connections are already open
    void leave(Connection& c);  // from the destructor: forgets every membership
    // Marks the connection authenticated until `expires_at` (seconds since the
    // epoch); at that moment it is demoted (Connection::token_expired()).
    void authenticate(Connection& c, std::int64_t expires_at);
    // Back to unauthenticated: no more events, every subscription dropped.
    void deauthenticate(Connection& c);
    void subscribe(Connection& c, domain::Id session_id);  // live from now on (behind its replay: Connection::deliver)
    void unsubscribe(Connection& c, domain::Id session_id);

private:
    class ExpiryTimer;
    void arm_expiry_timer();
    void expire_tokens();

    store::Store& store_;
    const http::TokenService& tokens_;
    HubOptions options_;

    std::unordered_set<Connection*> connections_;  // admitted
    std::unordered_set<Connection*> authenticated_;
    std::unordered_map<domain::Id, std::unordered_set<Connection*>> subscribers_;  // live, by session
    std::set<std::pair<std::int64_t, Connection*>> expiries_;  // (token exp, connection), soonest first
    std::unique_ptr<ExpiryTimer> expiry_timer_;
    std::vector<char> read_buffer_;
};

}  // namespace gp::ws
