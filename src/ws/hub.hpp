#pragma once
// The WebSocket feed's shared state: who is connected, authenticated and
// subscribed to which session. Lives on the event-loop thread.
// (Skeleton: the full protocol is built in ws/.)
#include <chrono>
#include <cstddef>

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

struct HubOptions {
    std::size_t max_connections = 20000;
    std::size_t max_subscriptions = 100;
    std::size_t max_message_bytes = 64 * 1024;
    std::size_t send_queue_limit = 1024;
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds ping_interval{25};
};

class Hub {
public:
    Hub(boost::asio::io_context& ioc, store::Store& store, const http::TokenService& tokens, HubOptions options);
    ~Hub();
    void publish(const events::Event& event);

    boost::asio::io_context& io_context() { return ioc_; }
    store::Store& store() { return store_; }
    const http::TokenService& tokens() const { return tokens_; }
    const HubOptions& options() const { return options_; }

private:
    boost::asio::io_context& ioc_;
    store::Store& store_;
    const http::TokenService& tokens_;
    HubOptions options_;
};

}  // namespace gp::ws
