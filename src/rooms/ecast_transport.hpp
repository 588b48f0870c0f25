#pragma once
// The sockets to the room service: one HTTP GET (the look-up) and WebSocket
// connections with the ecast-v0 subprotocol, plain or TLS (OpenSSL, certificates
// verified against the system CAs and the host name). Everything is asynchronous on
// the event loop; no call here blocks. Beast stays inside ecast_transport.cpp.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "rooms/ecast_protocol.hpp"

namespace boost::asio {
class io_context;
}

namespace gp::rooms {

// A pending look-up or a connection (the monitor only listens, it never sends).
// cancel() closes it; no callback runs afterwards.
class Operation {
public:
    virtual ~Operation() = default;
    virtual void cancel() = 0;
};

struct HttpReply {
    int status = 0;     // 0 when the request failed before a response
    std::string body;
    std::string error;  // set when status is 0
};

struct SocketClosed {
    bool opened = false;  // the WebSocket handshake had completed
    int code = 0;         // close code the server sent (0: none, the connection just dropped)
    std::string error;    // what failed, for the log
};

struct SocketHandlers {
    std::function<void(std::string)> on_message;  // one text frame
    std::function<void(SocketClosed)> on_closed;  // once, unless cancelled first
};

class EcastTransport {
public:
    explicit EcastTransport(boost::asio::io_context& ioc);
    ~EcastTransport();
    EcastTransport(const EcastTransport&) = delete;
    EcastTransport& operator=(const EcastTransport&) = delete;

    // GET with a browser-like User-Agent and Origin: https://jackbox.tv; `done` runs
    // once on the event loop, unless the operation is cancelled first.
    std::shared_ptr<Operation> get(const ecast::Endpoint& endpoint, std::chrono::milliseconds timeout,
                                   std::function<void(HttpReply)> done);
    // Connects and upgrades within `timeout`; the connection is then kept alive with
    // ping frames and closed after `idle_timeout` without any frame from the server.
    std::shared_ptr<Operation> connect(const ecast::Endpoint& endpoint, std::chrono::milliseconds timeout,
                                         std::chrono::seconds idle_timeout, SocketHandlers handlers);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gp::rooms
