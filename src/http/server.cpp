#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "http/message.hpp"
#include "http/router.hpp"
#include "ws/upgrade.hpp"

namespace gp::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kLivePath = "/api/sessions/live";

bhttp::response<bhttp::string_body> to_beast(Response&& r, unsigned version, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
}

// Parses the target into a decoded path and query; false if it is not a valid origin-form.
bool fill_target(Request& req, std::string_view target) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return false;
    req.path = parsed->path();
    for (auto param : parsed->params()) req.query.emplace_back(param.key, param.value);
    return true;
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket&& socket, const Router& router, ws::Hub& hub, const ServerOptions& options)
        : stream_(std::move(socket)), router_(router), hub_(hub), options_(options) {}

    void start() { read_request(); }

private:
    void read_request() {
        parser_.emplace();
        parser_->body_limit(options_.body_limit);
        parser_->header_limit(16 * 1024);
        stream_.expires_after(options_.read_timeout);
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
            return close();
        }
        if (ec == bhttp::error::body_limit) {
            return reply_and_close(Response::error(413, "Request body too large (limit " +
                                                           std::to_string(options_.body_limit) + " bytes)"));
        }
        if (ec == bhttp::error::header_limit) {
            return reply_and_close(Response::error(431, "Request headers too large"));
        }
        if (ec) {
            return reply_and_close(Response::error(400, "Malformed HTTP request: " + ec.message()));
        }
        auto message = parser_->release();
        Request req;
        req.method = std::string(message.method_string());
        if (!fill_target(req, message.target())) {
            return reply_and_close(Response::error(400, "Malformed request target"));
        }
        if (req.path == kLivePath) {
            if (!beast::websocket::is_upgrade(message)) {
                auto res = Response::error(426, "This is the WebSocket feed: connect with a WebSocket client");
                res.headers.emplace_back("Upgrade", "websocket");
                return write(to_beast(std::move(res), message.version(), message.keep_alive()));
            }
            stream_.expires_never();
            ws::accept_upgrade(hub_, std::move(stream_), std::move(message));
            return;
        }
        req.authorization = std::string(message[bhttp::field::authorization]);
        req.content_type = std::string(message[bhttp::field::content_type]);
        req.accept_encoding = std::string(message[bhttp::field::accept_encoding]);
        req.if_none_match = std::string(message[bhttp::field::if_none_match]);
        req.body = std::move(message.body());
        beast::error_code ignored;
        req.remote_address = stream_.socket().remote_endpoint(ignored).address().to_string();
        Response res = router_.dispatch(req);
        if (res.status >= 500) spdlog::warn("status={} method={} path={}", res.status, req.method, req.path);
        write(to_beast(std::move(res), message.version(), message.keep_alive()));
    }

    void write(bhttp::response<bhttp::string_body>&& res) {
        auto sp = std::make_shared<bhttp::response<bhttp::string_body>>(std::move(res));
        stream_.expires_after(options_.read_timeout);
        bhttp::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code ec, std::size_t) {
            if (ec || !sp->keep_alive()) return self->close();
            self->read_request();
        });
    }

    // For requests refused before their body was read: answer, then half-close and
    // discard what the client is still sending, so it reads our error instead of a reset.
    void reply_and_close(Response&& r) {
        auto sp = std::make_shared<bhttp::response<bhttp::string_body>>(to_beast(std::move(r), 11, false));
        stream_.expires_after(options_.read_timeout);
        bhttp::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            self->stream_.expires_after(std::chrono::seconds(5));
            self->drain(0);
        });
    }

    void drain(std::size_t discarded) {
        constexpr std::size_t kMaxDiscard = 64 * 1024 * 1024;
        buffer_.clear();
        stream_.async_read_some(buffer_.prepare(64 * 1024),
                                [self = shared_from_this(), discarded](beast::error_code ec, std::size_t n) {
                                    if (ec || discarded + n > kMaxDiscard) return self->stream_.close();
                                    self->drain(discarded + n);
                                });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    const Router& router_;
    ws::Hub& hub_;
    const ServerOptions& options_;
};

}  // namespace

class Server::Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(asio::io_context& ioc, const Router& router, ws::Hub& hub, ServerOptions options)
        : acceptor_(ioc), router_(router), hub_(hub), options_(std::move(options)) {}

    void start() {
        tcp::endpoint ep{asio::ip::make_address(options_.address), options_.port};
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        accept();
    }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

private:
    void accept() {
        acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (ec) {
                // Out of file descriptors and the like: log, then keep accepting.
                spdlog::warn("accept failed: {}", ec.message());
            } else {
                socket.set_option(tcp::no_delay(true), ec);
                std::make_shared<HttpSession>(std::move(socket), self->router_, self->hub_, self->options_)->start();
            }
            self->accept();
        });
    }

    tcp::acceptor acceptor_;
    const Router& router_;
    ws::Hub& hub_;
    ServerOptions options_;
};

Server::Server(asio::io_context& ioc, const Router& router, ws::Hub& hub, ServerOptions options)
    : listener_(std::make_shared<Listener>(ioc, router, hub, std::move(options))) {}

Server::~Server() = default;

void Server::start() { listener_->start(); }

unsigned short Server::bound_port() const { return listener_->port(); }

}  // namespace gp::http
