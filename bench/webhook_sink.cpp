// A fast webhook receiver for the benchmark: answers 200 to every request on
// keep-alive connections, and exits once it has received --expect requests,
// printing how many arrived, the rate between the first and the last, and how many
// connections carried them (a sender that reuses its connections opens few).
//   webhook_sink --port P --expect N [--timeout-s 120]   (SIGINT or SIGTERM: stops and prints)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Counter {
    long expect = 0;
    long received = 0;
    long connections = 0;
    Clock::time_point first, last;
    asio::io_context* ioc = nullptr;
    // Counts a request; true for the last one expected (the sink stops once it is answered).
    bool hit() {
        auto now = Clock::now();
        if (received++ == 0) first = now;
        last = now;
        return received >= expect;
    }
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket s, Counter& c) : stream_(std::move(s)), c_(c) {}
    void read() {
        req_ = {};
        http::async_read(stream_, buf_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return;
            const bool last = self->c_.hit();
            self->res_ = {http::status::ok, 11};
            self->res_.body() = "ok";
            self->res_.keep_alive(self->req_.keep_alive());
            self->res_.prepare_payload();
            http::async_write(self->stream_, self->res_, [self, last](beast::error_code ec, std::size_t) {
                if (last) return self->c_.ioc->stop();
                if (!ec) self->read();
            });
        });
    }

private:
    beast::tcp_stream stream_;
    Counter& c_;
    beast::flat_buffer buf_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
};

int main(int argc, char** argv) {
    unsigned short port = 0;
    Counter counter;
    int timeout_s = 120;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--port") port = static_cast<unsigned short>(std::stoi(argv[i + 1]));
        else if (k == "--expect") counter.expect = std::stol(argv[i + 1]);
        else if (k == "--timeout-s") timeout_s = std::stoi(argv[i + 1]);
    }
    asio::io_context ioc{1};
    counter.ioc = &ioc;
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
    std::function<void()> accept = [&] {
        acceptor.async_accept([&](beast::error_code ec, tcp::socket s) {
            if (!ec) {
                ++counter.connections;
                std::make_shared<Session>(std::move(s), counter)->read();
            }
            accept();
        });
    };
    accept();
    asio::steady_timer deadline(ioc, std::chrono::seconds(timeout_s));
    deadline.async_wait([&](beast::error_code) { ioc.stop(); });
    asio::signal_set stop_signals(ioc, SIGINT, SIGTERM);  // stopped early, it still prints its count
    stop_signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    std::printf("listening port=%u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);
    ioc.run();
    double secs = std::chrono::duration<double>(counter.last - counter.first).count();
    std::printf("received=%ld seconds=%.3f rate=%.0f/s connections=%ld\n", counter.received, secs,
                secs > 0 ? (counter.received - 1) / secs : 0.0, counter.connections);
    return counter.received >= counter.expect ? 0 : 1;
}
