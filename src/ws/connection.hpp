#pragma once
// One WebSocket client: the Beast stream, its bounded send queue, and the
// protocol state (authentication, subscriptions, catch-up replays). Included
// only by ws/ sources, since it pulls in Beast.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/models.hpp"

namespace gp::ws {

class Hub;

namespace protocol {
struct ClientMessage;
}

class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    // On the io_context's own executor type: the type-erased any_io_executor
    // costs measurably per send in a 10,000-client fan-out.
    using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

    Connection(Hub& hub, Socket&& socket);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Completes the upgrade, then reads messages until the connection ends.
    void start(std::shared_ptr<Request> request);
    // Queues one text frame. Past the send-queue limit the connection is closed
    // (1008) instead; it never waits for this client.
    void send(std::shared_ptr<const std::string> message);
    // Called by the hub when the token's exp passes: the client is told why and
    // must authenticate (and subscribe) again.
    void token_expired();
    // Called when the hub goes away before the connection (shutdown).
    void detach() { hub_ = nullptr; }

private:
    friend class Hub;  // keeps token_exp_ and sessions_ in step with its registries

    struct Replay {
        domain::Id session_id;
        domain::Id after;  // last event id queued so far
    };

    void on_accept(boost::beast::error_code ec);
    void read();
    void on_read(boost::beast::error_code ec);
    void handle(std::string_view text);
    void handle_auth(const protocol::ClientMessage& m);
    void handle_subscribe(const protocol::ClientMessage& m);
    void handle_unsubscribe(const protocol::ClientMessage& m);
    void reply(std::string text);
    void write_next();
    void on_write(boost::beast::error_code ec);
    // Queues replayed events while the send queue has room; a session whose
    // replay caught up with the outbox becomes a live subscription.
    void continue_replays();
    bool subscribed_to(domain::Id session_id) const;
    void close(boost::beast::websocket::close_code code, std::string_view reason);
    std::string remote() const;

    boost::beast::websocket::stream<Socket, false> ws_;  // no permessage-deflate
    boost::beast::flat_buffer read_buffer_;  // grows to the message being read, shrunk after it
    Hub* hub_;
    // queue_.front() is being written whenever the queue is not empty.
    std::vector<std::shared_ptr<const std::string>> queue_;
    std::size_t queued_bytes_ = 0;     // sum of the sizes in queue_
    std::vector<Replay> replays_;      // subscriptions still catching up, oldest request first
    std::vector<domain::Id> sessions_;  // live subscriptions (maintained by the hub)
    std::int64_t token_exp_ = 0;        // seconds since the epoch; 0 = not authenticated (hub)
    bool admitted_ = false;
    bool closing_ = false;  // closing or broken: nothing more is queued or handled
};

}  // namespace gp::ws
