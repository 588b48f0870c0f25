// Beast HTTP and WebSocket clients for the room service, each a chain of completion
// handlers with a deadline on every step (the shape of Beast's async-ssl client).
#include "rooms/ecast_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <openssl/ssl.h>


namespace gp::rooms {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {

constexpr const char* kUserAgent =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";
constexpr const char* kOrigin = "https://jackbox.tv";
constexpr std::size_t kMaxLookupBody = 64 * 1024;
constexpr std::size_t kMaxFrame = 4 * 1024 * 1024;  // a welcome carries every entity of the room

using PlainStream = beast::tcp_stream;
using TlsStream = ssl::stream<beast::tcp_stream>;

beast::tcp_stream& tcp_layer(PlainStream& s) { return s; }
beast::tcp_stream& tcp_layer(TlsStream& s) { return s.next_layer(); }

std::string describe(const char* step, const error_code& ec) { return std::string(step) + ": " + ec.message(); }

// Resolve, connect and (for TLS) handshake with SNI and host name verification, then
// `next(error)` with an empty error on success. The stream's deadline covers it all.
template <class Stream, class Self>
void open_stream(std::shared_ptr<Self> self, Stream& stream, tcp::resolver& resolver, const ecast::Endpoint& ep,
                 std::function<void(std::string)> next) {
    resolver.async_resolve(ep.host, ep.port, [self, &stream, ep, next](error_code ec, tcp::resolver::results_type r) {
        if (ec) return next(describe("resolve", ec));
        tcp_layer(stream).async_connect(r, [self, &stream, ep, next](error_code ec, const tcp::endpoint&) {
            if (ec) return next(describe("connect", ec));
            if constexpr (std::is_same_v<Stream, TlsStream>) {
                error_code not_ip;
                asio::ip::make_address(ep.host, not_ip);
                if (not_ip && !SSL_set_tlsext_host_name(stream.native_handle(), ep.host.c_str()))  // SNI: names only
                    return next("tls: cannot set SNI");
                stream.set_verify_callback(ssl::host_name_verification(ep.host));
                stream.async_handshake(ssl::stream_base::client, [self, next](error_code ec) {
                    next(ec ? describe("tls handshake", ec) : std::string());
                });
            } else {
                next({});
            }
        });
    });
}

// --- one GET ---------------------------------------------------------------------------

template <class Stream>
class HttpGet : public Operation, public std::enable_shared_from_this<HttpGet<Stream>> {
public:
    template <class... StreamArgs>
    HttpGet(asio::io_context& ioc, ecast::Endpoint ep, std::function<void(HttpReply)> done, StreamArgs&&... args)
        : resolver_(ioc), stream_(std::forward<StreamArgs>(args)...), ep_(std::move(ep)), done_(std::move(done)) {}

    void run(std::chrono::milliseconds timeout) {
        tcp_layer(stream_).expires_after(timeout);
        auto self = this->shared_from_this();
        open_stream(self, stream_, resolver_, ep_, [self](std::string error) {
            if (!error.empty()) return self->finish({0, {}, error});
            self->request_.method(http::verb::get);
            self->request_.target(self->ep_.target);
            self->request_.version(11);
            self->request_.set(http::field::host, self->ep_.host_header());
            self->request_.set(http::field::user_agent, kUserAgent);
            self->request_.set(http::field::origin, kOrigin);
            self->request_.set(http::field::accept, "application/json");
            self->request_.set(http::field::connection, "close");
            http::async_write(self->stream_, self->request_, [self](error_code ec, std::size_t) {
                if (ec) return self->finish({0, {}, describe("write", ec)});
                self->parser_.body_limit(kMaxLookupBody);
                http::async_read(self->stream_, self->buffer_, self->parser_, [self](error_code ec, std::size_t) {
                    if (ec) return self->finish({0, {}, describe("read", ec)});
                    auto& res = self->parser_.get();
                    self->finish({static_cast<int>(res.result_int()), std::move(res.body()), {}});
                });
            });
        });
    }

    void cancel() override {
        done_ = nullptr;
        resolver_.cancel();
        tcp_layer(stream_).cancel();
    }

private:
    void finish(HttpReply reply) {
        tcp_layer(stream_).expires_never();
        error_code ignored;
        tcp_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        if (auto done = std::move(done_)) {
            done_ = nullptr;
            done(std::move(reply));
        }
    }

    tcp::resolver resolver_;
    Stream stream_;
    ecast::Endpoint ep_;
    std::function<void(HttpReply)> done_;
    http::request<http::empty_body> request_;
    http::response_parser<http::string_body> parser_;
    beast::flat_buffer buffer_;
};

// --- one WebSocket connection -----------------------------------------------------------

template <class Stream>
class WsConnection : public Operation, public std::enable_shared_from_this<WsConnection<Stream>> {
public:
    template <class... StreamArgs>
    WsConnection(asio::io_context& ioc, ecast::Endpoint ep, SocketHandlers handlers, StreamArgs&&... args)
        : resolver_(ioc), ws_(std::forward<StreamArgs>(args)...), ep_(std::move(ep)), handlers_(std::move(handlers)) {}

    void run(std::chrono::milliseconds timeout, std::chrono::seconds idle_timeout) {
        tcp_layer(ws_.next_layer()).expires_after(timeout);
        auto self = this->shared_from_this();
        open_stream(self, ws_.next_layer(), resolver_, ep_, [self, timeout, idle_timeout](std::string error) {
            if (!error.empty()) return self->closed(error);
            if (self->cancelled_) return;
            // From here the websocket stream keeps its own deadlines.
            tcp_layer(self->ws_.next_layer()).expires_never();
            websocket::stream_base::timeout t;
            t.handshake_timeout = timeout;
            t.idle_timeout = idle_timeout;
            t.keep_alive_pings = true;
            self->ws_.set_option(t);
            self->ws_.read_message_max(kMaxFrame);
            self->ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
                req.set(http::field::user_agent, kUserAgent);
                req.set(http::field::origin, kOrigin);
                req.set(http::field::sec_websocket_protocol, "ecast-v0");
            }));
            self->ws_.async_handshake(self->ep_.host_header(), self->ep_.target, [self](error_code ec) {
                if (ec) return self->closed(describe("websocket handshake", ec));
                if (self->cancelled_) return;  // done before this ran: the socket closes with the last owner
                self->opened_ = true;
                self->read();
            });
        });
    }

    void cancel() override {
        if (cancelled_) return;
        cancelled_ = true;
        handlers_ = {};
        resolver_.cancel();
        if (opened_) {
            // A polite close; the read loop ends with it (or with the deadline).
            auto self = this->shared_from_this();
            ws_.async_close(websocket::close_code::normal, [self](error_code) {});
        } else {
            tcp_layer(ws_.next_layer()).cancel();
        }
    }

private:
    void read() {
        auto self = this->shared_from_this();
        ws_.async_read(buffer_, [self](error_code ec, std::size_t) {
            if (ec) {
                if (ec == websocket::error::closed) return self->closed({});
                return self->closed(describe("read", ec));
            }
            if (self->ws_.got_text() && self->handlers_.on_message)
                self->handlers_.on_message(beast::buffers_to_string(self->buffer_.data()));
            self->buffer_.consume(self->buffer_.size());
            if (!self->cancelled_) self->read();
        });
    }

    void closed(std::string error) {
        if (cancelled_) return;
        cancelled_ = true;
        SocketClosed info;
        info.opened = opened_;
        info.code = opened_ ? static_cast<int>(ws_.reason().code) : 0;
        info.error = std::move(error);
        auto on_closed = std::move(handlers_.on_closed);
        handlers_ = {};
        error_code ignored;
        tcp_layer(ws_.next_layer()).socket().close(ignored);
        if (on_closed) on_closed(std::move(info));
    }

    tcp::resolver resolver_;
    websocket::stream<Stream> ws_;
    ecast::Endpoint ep_;
    SocketHandlers handlers_;
    beast::flat_buffer buffer_;
    bool opened_ = false;
    bool cancelled_ = false;
};

}  // namespace

struct EcastTransport::Impl {
    explicit Impl(asio::io_context& io) : ioc(io), tls(ssl::context::tls_client) {
        tls.set_default_verify_paths();
        tls.set_verify_mode(ssl::verify_peer);
    }
    asio::io_context& ioc;
    ssl::context tls;
};

EcastTransport::EcastTransport(asio::io_context& ioc) : impl_(std::make_unique<Impl>(ioc)) {}
EcastTransport::~EcastTransport() = default;

std::shared_ptr<Operation> EcastTransport::get(const ecast::Endpoint& endpoint, std::chrono::milliseconds timeout,
                                               std::function<void(HttpReply)> done) {
    if (endpoint.tls) {
        auto op = std::make_shared<HttpGet<TlsStream>>(impl_->ioc, endpoint, std::move(done), impl_->ioc, impl_->tls);
        op->run(timeout);
        return op;
    }
    auto op = std::make_shared<HttpGet<PlainStream>>(impl_->ioc, endpoint, std::move(done), impl_->ioc);
    op->run(timeout);
    return op;
}

std::shared_ptr<Operation> EcastTransport::connect(const ecast::Endpoint& endpoint, std::chrono::milliseconds timeout,
                                                     std::chrono::seconds idle_timeout, SocketHandlers handlers) {
    if (endpoint.tls) {
        auto c = std::make_shared<WsConnection<TlsStream>>(impl_->ioc, endpoint, std::move(handlers), impl_->ioc,
                                                           impl_->tls);
        c->run(timeout, idle_timeout);
        return c;
    }
    auto c = std::make_shared<WsConnection<PlainStream>>(impl_->ioc, endpoint, std::move(handlers), impl_->ioc);
    c->run(timeout, idle_timeout);
    return c;
}

}  // namespace gp::rooms
