// Open-loop HTTP load at a fixed request rate, latency measured from each
// request's scheduled send time (so a stalled server cannot hide its queueing).
//   http_rate --port P --method POST --path /api/sessions/1/games --body '{"game_id":1}'
//             --token T --rate 500 --seconds 10 --connections 16 [--dump FILE]
// Prints: requests, errors, achieved rate, p50/p99/max latency in ms. --dump writes each
// request's scheduled time (CLOCK_MONOTONIC, ms: the clock of `perf record -k CLOCK_MONOTONIC`
// and of the server's steady_clock) and latency, one request a line, to line slow requests up
// with what the machine was doing then.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
    unsigned short port = 5000;
    std::string method = "GET", path = "/api/games", body, token, dump;
    double rate = 500;
    double seconds = 10;
    int connections = 16;
};

struct Stats {
    std::vector<double> latencies_ms;
    std::vector<Clock::time_point> scheduled;  // per latency, when its request was due
    long errors = 0;
};

class Conn : public std::enable_shared_from_this<Conn> {
public:
    Conn(asio::io_context& ioc, const Options& o, Stats& s) : stream_(ioc), o_(o), s_(s) {}
    void connect(tcp::endpoint ep, std::function<void()> ready) {
        stream_.async_connect(ep, [self = shared_from_this(), ready](beast::error_code ec) {
            if (ec) {
                std::cerr << "connect: " << ec.message() << "\n";
                std::exit(1);
            }
            self->stream_.socket().set_option(tcp::no_delay(true));
            ready();
        });
    }
    bool busy() const { return busy_; }
    void send(Clock::time_point scheduled, std::function<void()> done) {
        busy_ = true;
        req_ = {http::string_to_verb(o_.method), o_.path, 11};
        req_.set(http::field::host, "127.0.0.1");
        if (!o_.token.empty()) req_.set(http::field::authorization, "Bearer " + o_.token);
        if (!o_.body.empty()) {
            req_.set(http::field::content_type, "application/json");
            req_.body() = o_.body;
        }
        req_.keep_alive(true);
        req_.prepare_payload();
        http::async_write(stream_, req_, [self = shared_from_this(), scheduled, done](beast::error_code ec, std::size_t) {
            if (ec) return self->fail(ec);
            self->res_ = {};
            http::async_read(self->stream_, self->buf_, self->res_,
                             [self, scheduled, done](beast::error_code ec, std::size_t) {
                                 if (ec) return self->fail(ec);
                                 double ms = std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
                                 self->s_.latencies_ms.push_back(ms);
                                 self->s_.scheduled.push_back(scheduled);
                                 if (self->res_.result_int() >= 400) ++self->s_.errors;
                                 self->busy_ = false;
                                 done();
                             });
        });
    }

private:
    void fail(beast::error_code ec) {
        std::cerr << "request failed: " << ec.message() << "\n";
        std::exit(1);
    }
    beast::tcp_stream stream_;
    const Options& o_;
    Stats& s_;
    bool busy_ = false;
    beast::flat_buffer buf_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
};

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") o.port = static_cast<unsigned short>(std::stoi(v));
        else if (k == "--method") o.method = v;
        else if (k == "--path") o.path = v;
        else if (k == "--body") o.body = v;
        else if (k == "--token") o.token = v;
        else if (k == "--rate") o.rate = std::stod(v);
        else if (k == "--seconds") o.seconds = std::stod(v);
        else if (k == "--connections") o.connections = std::stoi(v);
        else if (k == "--dump") o.dump = v;
        else {
            std::cerr << "unknown option " << k << "\n";
            return 2;
        }
    }
    asio::io_context ioc;
    Stats stats;
    std::vector<std::shared_ptr<Conn>> conns;
    tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), o.port};
    int ready = 0;
    std::deque<Clock::time_point> backlog;  // scheduled sends waiting for a free connection
    const long total = static_cast<long>(o.rate * o.seconds);
    long scheduled = 0;
    asio::steady_timer timer(ioc);
    Clock::time_point start;
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o.rate));

    std::function<void()> pump = [&] {
        for (auto& c : conns) {
            if (backlog.empty()) return;
            if (!c->busy()) {
                auto t = backlog.front();
                backlog.pop_front();
                c->send(t, pump);
            }
        }
    };
    std::function<void()> tick = [&] {
        auto now = Clock::now();
        while (scheduled < total && start + interval * scheduled <= now) backlog.push_back(start + interval * scheduled++);
        pump();
        if (scheduled < total) {
            timer.expires_at(start + interval * scheduled);
            timer.async_wait([&](beast::error_code) { tick(); });
        }
    };
    for (int i = 0; i < o.connections; ++i) {
        conns.push_back(std::make_shared<Conn>(ioc, o, stats));
        conns.back()->connect(ep, [&] {
            if (++ready == o.connections) {
                start = Clock::now();
                tick();
            }
        });
    }
    ioc.run();
    auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (!o.dump.empty()) {
        std::FILE* f = std::fopen(o.dump.c_str(), "w");
        if (!f) {
            std::perror(o.dump.c_str());
            return 1;
        }
        for (std::size_t i = 0; i < stats.latencies_ms.size(); ++i)
            std::fprintf(f, "%.3f %.3f\n",
                         std::chrono::duration<double, std::milli>(stats.scheduled[i].time_since_epoch()).count(),
                         stats.latencies_ms[i]);
        std::fclose(f);
    }
    auto& l = stats.latencies_ms;
    std::sort(l.begin(), l.end());
    auto pct = [&](double p) { return l.empty() ? 0.0 : l[std::min(l.size() - 1, static_cast<size_t>(p * l.size()))]; };
    std::printf("requests=%zu errors=%ld rate=%.0f/s p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", l.size(), stats.errors,
                l.size() / elapsed, pct(0.50), pct(0.99), l.empty() ? 0.0 : l.back());
    return 0;
}
