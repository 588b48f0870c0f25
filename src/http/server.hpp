#pragma once
// The HTTP listener: accepts on one port, reads requests with limits and
// timeouts, dispatches them through the Router, and hands WebSocket upgrades of
// /api/sessions/live to the ws::Hub. Runs on the io_context thread; with request
// workers (PostgreSQL) the router runs on them and the response is written back here.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace gp::ws {
class Hub;
}

namespace gp::http {

class RequestWorkers;
class Router;

struct ServerOptions {
    std::string address = "0.0.0.0";
    unsigned short port = 5000;
    std::size_t body_limit = 1024 * 1024;             // larger bodies get 413
    std::chrono::seconds read_timeout{30};           // slow or idle clients are closed
};

class Server {
public:
    // workers null: the router runs on the event loop, inline.
    Server(boost::asio::io_context& ioc, const Router& router, ws::Hub& hub, ServerOptions options,
           RequestWorkers* workers = nullptr);
    ~Server();
    void start();                        // binds and starts accepting; throws if the port is taken
    unsigned short bound_port() const;   // the real port when options.port was 0
    // Stops accepting; idle keep-alive connections close now, requests in progress
    // finish and their connections close after the response.
    void shutdown();
    std::size_t open_connections() const;  // HTTP connections (upgraded ones belong to the hub)

private:
    class Listener;
    std::shared_ptr<Listener> listener_;
};

}  // namespace gp::http
