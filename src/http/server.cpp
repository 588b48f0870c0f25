#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <functional>
#include <optional>
#include <unordered_set>
#include <vector>

#include "http/message.hpp"
#include "http/request_parsing.hpp"
#include "http/request_workers.hpp"
#include "http/response_head.hpp"
#include "http/router.hpp"
#include "ws/upgrade.hpp"

namespace gp::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kLivePath = "/api/sessions/live";

// On the io_context's own executor type, as the WebSocket feed's (ws::Socket).
using Stream = beast::basic_stream<tcp, asio::io_context::executor_type>;

class HttpSession;

// Every HTTP session alive, so that shutdown can let in-flight requests finish
// and close idle keep-alive connections at once.
struct SessionRegistry {
    std::unordered_set<HttpSession*> live;
    bool draining = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(ws::Socket&& socket, const Router& router, ws::Hub& hub, const ServerOptions& options,
                RequestWorkers* workers, std::shared_ptr<SessionRegistry> registry)
        : stream_(std::move(socket)),
          buffer_(kMaxBuffered),
          router_(router),
          hub_(hub),
          options_(options),
          workers_(workers),
          registry_(std::move(registry)) {
        registry_->live.insert(this);
        beast::error_code ec;
        const auto peer = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            peer_address_ = peer.address().to_string();
            peer_port_ = peer.port();
        }
    }
    ~HttpSession() { registry_->live.erase(this); }

    void start() { read_request(); }

    // Shutdown: a connection waiting for its next request is closed now; one in the
    // middle of a request finishes it and closes after the response.
    void drain() {
        if (awaiting_request_ && buffer_.size() == 0) {
            beast::error_code ignored;
            stream_.socket().cancel(ignored);
        }
    }

private:
    void read_request() {
        if (registry_->draining) return close();
        awaiting_request_ = true;
        parser_.emplace(options_.body_limit);
        stream_.expires_after(options_.read_timeout);
        bhttp::async_read_header(stream_, buffer_, parser_->beast(), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->guarded([&] { self->on_header(ec); });
        });
    }

    void on_header(beast::error_code ec) {
        awaiting_request_ = false;
        if (ec) return on_read_error(ec);
        if (auto refusal = framing_error(parser_->beast().get())) return reply_and_close(std::move(*refusal));
        if (parser_->beast().is_done()) return on_request();
        bhttp::async_read(stream_, buffer_, parser_->beast(), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->guarded([&] {
                if (ec) return self->on_read_error(ec);
                self->on_request();
            });
        });
    }

    void on_read_error(beast::error_code ec) {
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
            return close();
        }
        if (ec == bhttp::error::body_limit || parser_->extensions_too_large()) {
            return reply_and_close(Response::error(413, "Request body too large (limit " +
                                                           std::to_string(options_.body_limit) +
                                                           " bytes, chunk extensions included)"));
        }
        if (ec == bhttp::error::header_limit) return reply_and_close(Response::error(431, "Request headers too large"));
        if (ec == bhttp::error::buffer_overflow) {
            // Only a chunk-size line or a trailer section can outgrow the buffer: the
            // header is caught by header_limit first and body bytes never stay in it.
            return reply_and_close(Response::error(413, "Chunk line or trailer section too large"));
        }
        reply_and_close(Response::error(400, "Malformed HTTP request: " + ec.message()));
    }

    void on_request() {
        auto& message = parser_->beast().get();
        std::optional<Request> req = to_request(message);
        if (!req) return reply_and_close(Response::error(400, "Malformed request target"));
        if (req->path == kLivePath) {
            if (!beast::websocket::is_upgrade(message)) {
                auto res = Response::error(426, "This is the WebSocket feed: connect with a WebSocket client");
                res.headers.emplace_back("Upgrade", "websocket");
                return send(std::move(res), message.version(), message.keep_alive());
            }
            if (!valid_websocket_key(message[bhttp::field::sec_websocket_key])) {
                return reply_and_close(Response::error(400, "Invalid Sec-WebSocket-Key (must be 16 bytes in base64)"));
            }
            ws::accept_upgrade(hub_, stream_.release_socket(), parser_->beast().release());
            return;
        }
        req->remote_address = peer_address_;
        const unsigned version = message.version();
        const bool keep_alive = message.keep_alive();
        if (!workers_ || !router_.uses_database(*req))
            return respond(*req, router_.dispatch(*req), version, keep_alive);
        if (auto res = router_.answer_from_memory(*req)) return respond(*req, std::move(*res), version, keep_alive);
        // One request at a time per connection (the next is read after this response is
        // written), so responses keep request order. The session is held by the job, then by
        // the completion: it is released on the loop, never on a worker.
        workers_->submit([self = shared_from_this(), executor = stream_.get_executor(), req = std::move(*req),
                          version, keep_alive]() mutable {
            std::optional<Response> res;
            std::exception_ptr failure;
            try {
                res = self->router_.dispatch(req);
            } catch (...) {
                failure = std::current_exception();
            }
            asio::post(executor, [self = std::move(self), req = std::move(req), res = std::move(res), failure,
                                  version, keep_alive]() mutable {
                self->guarded([&] {
                    if (failure) std::rethrow_exception(failure);
                    self->respond(req, std::move(*res), version, keep_alive);
                });
            });
        });
    }

    void respond(const Request& req, Response&& res, unsigned version, bool keep_alive) {
        if (res.status >= 500) spdlog::warn("status={} method={} path={}", res.status, req.method, req.path);
        send(std::move(res), version, keep_alive && !registry_->draining);
    }

    // Runs a completion handler's work; an exception from it (a parser, a handler,
    // serialisation) ends this connection only, never the event loop.
    template <class Work>
    void guarded(Work&& work) {
        try {
            work();
        } catch (const std::exception& e) {
            spdlog::error("msg=\"http connection failed, closed\" remote={} error=\"{}\"", remote(), e.what());
            close();
        }
    }

    // Writes a response, then reads the next request (or closes, without keep-alive).
    void send(Response&& res, unsigned version, bool keep_alive) {
        write_response(std::move(res), version, keep_alive,
                       [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                           if (ec || !keep_alive) return self->close();
                           self->guarded([&] { self->read_request(); });
                       });
    }

    // For requests refused before their body was read: answer, then half-close and
    // discard what the client is still sending, so it reads our error instead of a reset.
    void reply_and_close(Response&& res) {
        write_response(std::move(res), 11, false, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            self->stream_.expires_after(std::chrono::seconds(5));
            self->discard(0);
        });
    }

    // The head is formatted into a member (a connection writes one response at a time); the
    // response is held by the write and let go once written, so an idle keep-alive connection
    // keeps no body.
    template <class OnWritten>
    void write_response(Response&& res, unsigned version, bool keep_alive, OnWritten&& on_written) {
        format_response_head(head_, res, version, keep_alive);
        auto held = std::make_shared<const Response>(std::move(res));
        const std::string_view payload = status_allows_body(held->status) ? held->payload() : "";
        stream_.expires_after(options_.read_timeout);
        const std::array<asio::const_buffer, 2> wire{asio::buffer(head_), asio::buffer(payload)};
        asio::async_write(stream_, wire,
                          [held = std::move(held), on_written = std::forward<OnWritten>(on_written)](
                              beast::error_code ec, std::size_t n) mutable { on_written(ec, n); });
    }

    void discard(std::size_t discarded) {
        constexpr std::size_t kMaxDiscard = 64 * 1024 * 1024;
        buffer_.clear();
        stream_.async_read_some(buffer_.prepare(kMaxBuffered),
                                [self = shared_from_this(), discarded](beast::error_code ec, std::size_t n) {
                                    if (ec || discarded + n > kMaxDiscard) return self->stream_.close();
                                    self->discard(discarded + n);
                                });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    std::string remote() const {
        return peer_address_.empty() ? std::string("unknown") : peer_address_ + ":" + std::to_string(peer_port_);
    }

    Stream stream_;
    beast::flat_buffer buffer_;  // bounded by kMaxBuffered
    std::optional<RequestParser> parser_;
    std::string head_;  // of the response being written
    // Waiting for the first byte of a request (shutdown may close the connection then).
    bool awaiting_request_ = false;
    // Read once when the connection is accepted, not per request.
    std::string peer_address_;
    unsigned short peer_port_ = 0;
    const Router& router_;
    ws::Hub& hub_;
    const ServerOptions& options_;
    RequestWorkers* workers_;
    std::shared_ptr<SessionRegistry> registry_;
};

}  // namespace

class Server::Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(asio::io_context& ioc, const Router& router, ws::Hub& hub, ServerOptions options, RequestWorkers* workers)
        : ioc_(ioc),
          acceptor_(ioc),
          retry_timer_(ioc),
          router_(router),
          hub_(hub),
          options_(std::move(options)),
          workers_(workers) {}

    void start() {
        tcp::endpoint ep{asio::ip::make_address(options_.address), options_.port};
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        accept();
    }

    void shutdown() {
        beast::error_code ignored;
        acceptor_.close(ignored);
        retry_timer_.cancel();
        registry_->draining = true;
        // drain() may close a session, which erases it from the set: iterate a copy.
        const std::vector<HttpSession*> sessions(registry_->live.begin(), registry_->live.end());
        for (HttpSession* s : sessions) s->drain();
    }

    std::size_t open_sessions() const { return registry_->live.size(); }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

private:
    static constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
    static constexpr auto kMaxBackoff = std::chrono::seconds(1);

    void accept() {
        acceptor_.async_accept(ioc_, [self = shared_from_this()](beast::error_code ec, ws::Socket socket) {
            if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
            if (ec) return self->back_off(ec);
            if (self->failed_accepts_ != 0) {
                spdlog::info("msg=\"accepting again\" failed_accepts={}", self->failed_accepts_);
                self->failed_accepts_ = 0;
                self->backoff_ = kFirstBackoff;
            }
            socket.set_option(tcp::no_delay(true), ec);
            std::make_shared<HttpSession>(std::move(socket), self->router_, self->hub_, self->options_,
                                          self->workers_, self->registry_)
                ->start();
            self->accept();
        });
    }

    // Out of file descriptors (or memory), accepting again at once fails again at
    // once: wait, doubling the pause up to kMaxBackoff, and log once per pause.
    // Open connections are served meanwhile.
    void back_off(beast::error_code ec) {
        const bool resource_shortage = ec == asio::error::no_descriptors || ec.value() == ENFILE ||
                                       ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
        if (!resource_shortage) {
            spdlog::debug("msg=\"accept failed\" error=\"{}\"", ec.message());
            return accept();
        }
        ++failed_accepts_;
        if (failed_accepts_ == 1 || backoff_ == kMaxBackoff) {
            spdlog::warn("msg=\"accept failed, pausing\" error=\"{}\" failures={} pause_ms={} open_http={}",
                         ec.message(), failed_accepts_, backoff_.count(), registry_->live.size());
        }
        retry_timer_.expires_after(backoff_);
        backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, kMaxBackoff);
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec) self->accept();
        });
    }

    asio::io_context& ioc_;  // the accepted sockets' executor
    tcp::acceptor acceptor_;
    asio::steady_timer retry_timer_;
    std::chrono::milliseconds backoff_ = kFirstBackoff;
    std::uint64_t failed_accepts_ = 0;
    std::shared_ptr<SessionRegistry> registry_ = std::make_shared<SessionRegistry>();
    const Router& router_;
    ws::Hub& hub_;
    ServerOptions options_;
    RequestWorkers* workers_;
};

Server::Server(asio::io_context& ioc, const Router& router, ws::Hub& hub, ServerOptions options,
               RequestWorkers* workers)
    : listener_(std::make_shared<Listener>(ioc, router, hub, std::move(options), workers)) {}

Server::~Server() = default;

void Server::start() { listener_->start(); }

void Server::shutdown() { listener_->shutdown(); }

std::size_t Server::open_connections() const { return listener_->open_sessions(); }

unsigned short Server::bound_port() const { return listener_->port(); }

}  // namespace gp::http
