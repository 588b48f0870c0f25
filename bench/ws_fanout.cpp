// WebSocket fan-out load: N clients on one io_context authenticate and subscribe
// to one session; the tool then adds a game to that session every interval over
// REST and times each game.added from the moment its REST call was sent to its
// arrival at each client (events are matched by order: one event per call).
//   ws_fanout --port P --token T --session S --clients 10000 --events 100 --interval-ms 100
//             [--game-id 1] [--server-pid PID] [--post-port P2]
// Prints one line: connections, per-delivery p50/p99/max, the p50/p99/max of each
// event's latency to its last client, events per client, and (with --server-pid)
// the server's resident memory per idle authenticated connection.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "percentile.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

struct Options {
    unsigned short port = 5000;
    unsigned short post_port = 0;  // where the events are caused (another instance); 0: port
    std::string token;
    long session = 0;
    int clients = 1000;
    int events = 100;
    int interval_ms = 100;
    int game_id = 1;
    int server_pid = 0;
};

constexpr int kConnectConcurrency = 256;  // handshakes in flight at once
constexpr auto kDrainTimeout = std::chrono::seconds(10);

long rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string key; in >> key;) {
        long value = 0;
        if (key == "VmRSS:" && in >> value) return value;
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

// Setup (handshake, auth, subscribe) goes through Beast; then the socket leaves
// Asio and the Reader thread reads events straight off it with a minimal parser of
// the server's unmasked frames, so the load generator spends far less per message
// than the server does.
class Client {
public:
    Client(asio::io_context& ioc, const Options& o, std::atomic<long>& arrived)
        : ws_(std::in_place, ioc.get_executor()), socket_(ioc), o_(o), arrived_(&arrived) {}
    ~Client() {
        if (fd >= 0) ::close(fd);
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects, authenticates and subscribes; `settled(ok)` is called once.
    void start(tcp::endpoint ep, std::function<void(bool)> settled) {
        settled_ = std::move(settled);
        arrivals.reserve(static_cast<std::size_t>(o_.events));
        ws_->write_buffer_bytes(512);
        ws_->next_layer().async_connect(ep, [this](beast::error_code ec) {
            if (ec) return settle(false);
            ws_->async_handshake("127.0.0.1", "/api/sessions/live", [this](beast::error_code ec) {
                if (ec) return settle(false);
                ask(R"({"type":"auth","token":")" + o_.token + R"("})", "auth_success", [this] {
                    ask(R"({"type":"subscribe","sessionId":)" + std::to_string(o_.session) + "}", "subscribed",
                        [this] {
                            // Nothing else is in flight yet: the events start once every client is here.
                            socket_ = std::move(ws_->next_layer());
                            ws_.reset();
                            beast::error_code ec;
                            fd = socket_.release(ec);
                            if (ec) return settle(false);
                            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
                            settle(true);
                        });
                });
            });
        });
    }

    // Reader thread: reads what has arrived; false once the connection has ended.
    bool on_readable() {
        for (;;) {
            if (have_ == buf_.size()) return fail();  // a frame larger than the buffer: not an event of ours
            const ssize_t n = ::recv(fd, buf_.data() + have_, buf_.size() - have_, 0);
            if (n > 0) {
                have_ += static_cast<std::size_t>(n);
                if (!parse_frames(Clock::now())) return fail();
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
            if (n < 0 && errno == EINTR) continue;
            return fail();
        }
    }

    int fd = -1;  // after setup
    std::vector<Clock::time_point> arrivals;  // one per game.added, in order (Reader thread)
    std::atomic<bool> closed = false;         // the connection ended early

private:
    // Sends `message` and reads until a reply of type `want` (skipping events).
    void ask(std::string message, std::string want, std::function<void()> next) {
        setup_out_ = std::move(message);
        ws_->async_write(asio::buffer(setup_out_), [this, want = std::move(want), next = std::move(next)](
                                                       beast::error_code ec, std::size_t) mutable {
            if (ec) return settle(false);
            await_reply("\"type\":\"" + want + "\"", std::move(next));
        });
    }

    void await_reply(std::string marker, std::function<void()> next) {
        ws_->async_read(setup_buf_, [this, marker = std::move(marker), next = std::move(next)](
                                        beast::error_code ec, std::size_t) mutable {
            if (ec) return settle(false);
            auto data = setup_buf_.cdata();
            const bool found = std::string_view(static_cast<const char*>(data.data()), data.size()).find(marker) !=
                               std::string_view::npos;
            setup_buf_.clear();
            if (found) return next();
            await_reply(std::move(marker), std::move(next));
        });
    }

    // Consumes every complete frame in buf_; false on a close frame.
    bool parse_frames(Clock::time_point now) {
        std::size_t pos = 0;
        for (;;) {
            const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + pos);
            const std::size_t avail = have_ - pos;
            if (avail < 2) break;
            std::size_t header = 2, length = p[1] & 0x7F;
            if (length == 126) {
                if (avail < 4) break;
                header = 4;
                length = (std::size_t{p[2]} << 8) | p[3];
            } else if (length == 127) {
                return false;  // 64-bit lengths: never an event
            }
            if (avail < header + length) break;
            const std::string_view payload(buf_.data() + pos + header, length);
            switch (p[0] & 0x0F) {
                case 0x1:
                    if (payload.find(R"("type":"game.added")") != std::string_view::npos) {
                        arrivals.push_back(now);
                        ++*arrived_;
                    }
                    break;
                case 0x8: return false;
                case 0x9: pong(payload); break;
                default: break;
            }
            pos += header + length;
        }
        std::memmove(buf_.data(), buf_.data() + pos, have_ - pos);
        have_ -= pos;
        return true;
    }

    // Answers a server ping (client frames are masked; a zero mask is valid). A pong
    // is tiny: the socket buffer always takes it whole.
    void pong(std::string_view payload) {
        std::string frame{'\x8A', static_cast<char>(0x80 | payload.size()), 0, 0, 0, 0};
        frame += payload;
        (void)::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    }

    bool fail() {
        closed = true;
        return false;
    }

    void settle(bool ok) {
        if (!ok) closed = true;
        if (auto f = std::move(settled_)) f(ok);
    }

    std::optional<websocket::stream<Socket>> ws_;  // setup only
    Socket socket_;
    const Options& o_;
    std::atomic<long>* arrived_;  // game.added frames read by every client together
    beast::flat_buffer setup_buf_;
    std::string setup_out_;
    std::function<void(bool)> settled_;
    std::array<char, 4096> buf_;
    std::size_t have_ = 0;
};

// Reads every set-up client's socket on its own thread with one epoll set.
class Reader {
public:
    explicit Reader(std::vector<std::unique_ptr<Client>>& clients) : clients_(clients) {}
    ~Reader() { stop(); }

    void start() {
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        for (auto& c : clients_) {
            if (c->fd < 0) continue;
            epoll_event e{};
            e.events = EPOLLIN | EPOLLET;
            e.data.ptr = c.get();
            ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &e);
        }
        thread_ = std::thread([this] { run(); });
    }

    void stop() {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
        if (epoll_ >= 0) ::close(epoll_);
        epoll_ = -1;
    }

private:
    void run() {
        std::array<epoll_event, 1024> events;
        while (!stopping_) {
            const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
            for (int i = 0; i < n; ++i) {
                auto* c = static_cast<Client*>(events[static_cast<std::size_t>(i)].data.ptr);
                if (!c->on_readable()) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
            }
        }
    }

    std::vector<std::unique_ptr<Client>>& clients_;
    int epoll_ = -1;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

// Adds a game to the session every interval on one keep-alive connection and
// records when each successful call was sent.
class Sender {
public:
    Sender(asio::io_context& ioc, const Options& o) : stream_(ioc), timer_(ioc), o_(o) {}

    void start(tcp::endpoint ep, std::function<void()> done) {
        done_ = std::move(done);
        stream_.connect(ep);
        stream_.socket().set_option(tcp::no_delay(true));
        start_ = Clock::now();
        schedule();
    }

    std::vector<Clock::time_point> sent;  // per event that was created
    int failed = 0;

private:
    void schedule() {
        const int n = static_cast<int>(sent.size()) + failed;
        if (n == o_.events) return done_();
        timer_.expires_at(start_ + std::chrono::milliseconds(o_.interval_ms) * n);
        timer_.async_wait([this](beast::error_code) { post(); });
    }

    void post() {
        req_ = {http::verb::post, "/api/sessions/" + std::to_string(o_.session) + "/games", 11};
        req_.set(http::field::host, "127.0.0.1");
        req_.set(http::field::authorization, "Bearer " + o_.token);
        req_.set(http::field::content_type, "application/json");
        req_.body() = R"({"game_id":)" + std::to_string(o_.game_id) + "}";
        req_.keep_alive(true);
        req_.prepare_payload();
        sent.push_back(Clock::now());
        http::async_write(stream_, req_, [this](beast::error_code ec, std::size_t) {
            if (ec) return fail(ec.message());
            res_ = {};
            http::async_read(stream_, buf_, res_, [this](beast::error_code ec, std::size_t) {
                if (ec) return fail(ec.message());
                if (res_.result_int() != 201) {
                    sent.pop_back();  // no event for this call
                    ++failed;
                    std::cerr << "POST games: " << res_.result_int() << " " << res_.body() << "\n";
                }
                schedule();
            });
        });
    }

    void fail(const std::string& what) {
        std::cerr << "REST connection failed: " << what << "\n";
        std::exit(1);
    }

    beast::tcp_stream stream_;
    asio::steady_timer timer_;
    const Options& o_;
    Clock::time_point start_;
    beast::flat_buffer buf_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
    std::function<void()> done_;
};

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") o.port = static_cast<unsigned short>(std::stoi(v));
        else if (k == "--token") o.token = v;
        else if (k == "--session") o.session = std::stol(v);
        else if (k == "--clients") o.clients = std::stoi(v);
        else if (k == "--events") o.events = std::stoi(v);
        else if (k == "--interval-ms") o.interval_ms = std::stoi(v);
        else if (k == "--game-id") o.game_id = std::stoi(v);
        else if (k == "--server-pid") o.server_pid = std::stoi(v);
        else if (k == "--post-port") o.post_port = static_cast<unsigned short>(std::stoi(v));
        else {
            std::cerr << "unknown option " << k << "\n";
            return 2;
        }
    }
    if (o.token.empty() || o.session <= 0 || o.clients <= 0 || o.events <= 0) {
        std::cerr << "usage: ws_fanout --port P --token T --session S [--clients N] [--events K] "
                     "[--interval-ms MS] [--game-id G] [--server-pid PID] [--post-port P2]\n";
        return 2;
    }
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < static_cast<rlim_t>(o.clients) + 16)
        std::cerr << "warning: open-file limit " << files.rlim_cur << " is below the client count\n";

    asio::io_context ioc{1};
    const tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), o.port};
    const tcp::endpoint post_ep{asio::ip::make_address("127.0.0.1"), o.post_port ? o.post_port : o.port};
    const long rss_before = o.server_pid ? rss_kib(o.server_pid) : 0;
    long rss_connected = 0;

    std::atomic<long> arrived{0};
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < o.clients; ++i) clients.push_back(std::make_unique<Client>(ioc, o, arrived));
    Reader reader(clients);
    Sender sender(ioc, o);
    asio::steady_timer drain(ioc);
    int started = 0, settled = 0, connected = 0;

    auto all_delivered = [&] {
        long expected = 0;
        for (auto& c : clients)
            if (c->fd >= 0 && !c->closed) expected += static_cast<long>(sender.sent.size());
        return arrived.load() >= expected;
    };
    std::function<void()> wait_for_deliveries;
    auto deadline = Clock::now();
    wait_for_deliveries = [&] {
        if (all_delivered() || Clock::now() > deadline) return ioc.stop();
        drain.expires_after(std::chrono::milliseconds(20));
        drain.async_wait([&](beast::error_code) { wait_for_deliveries(); });
    };
    auto run_events = [&] {
        if (o.server_pid) rss_connected = rss_kib(o.server_pid);
        reader.start();
        sender.start(post_ep, [&] {
            deadline = Clock::now() + kDrainTimeout;
            wait_for_deliveries();
        });
    };
    std::function<void()> connect_next = [&] {
        if (started == o.clients) return;
        clients[static_cast<std::size_t>(started++)]->start(ep, [&](bool ok) {
            connected += ok;
            if (++settled == o.clients) {
                // Let the server finish what it was doing before sampling its memory.
                drain.expires_after(std::chrono::seconds(1));
                drain.async_wait([&](beast::error_code) { run_events(); });
            }
            connect_next();
        });
    };
    for (int i = 0; i < kConnectConcurrency; ++i) connect_next();
    ioc.run();
    reader.stop();

    std::vector<double> all, to_last;
    std::size_t got_min = sender.sent.size(), got_max = 0;
    int closed = 0;
    for (auto& c : clients) {
        got_min = std::min(got_min, c->arrivals.size());
        got_max = std::max(got_max, c->arrivals.size());
        closed += c->closed;
    }
    for (std::size_t e = 0; e < sender.sent.size(); ++e) {
        double last = 0;
        for (auto& c : clients) {
            if (e >= c->arrivals.size()) continue;
            const double ms = std::chrono::duration<double, std::milli>(c->arrivals[e] - sender.sent[e]).count();
            all.push_back(ms);
            last = std::max(last, ms);
        }
        to_last.push_back(last);
    }
    const double p50 = percentile(all, 0.50), p99 = percentile(all, 0.99);  // sorts: back() is the max
    const double last_p50 = percentile(to_last, 0.50), last_p99 = percentile(to_last, 0.99);
    std::printf("connected=%d/%d closed=%d events=%zu failed_posts=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
                "last_client_p50_ms=%.2f last_client_p99_ms=%.2f last_client_max_ms=%.2f got_min=%zu got_max=%zu",
                connected, o.clients, closed, sender.sent.size(), sender.failed, p50, p99,
                all.empty() ? 0.0 : all.back(), last_p50, last_p99, to_last.empty() ? 0.0 : to_last.back(), got_min, got_max);
    if (o.server_pid && connected > 0)
        std::printf(" server_rss_per_conn_kib=%.2f",
                    static_cast<double>(rss_connected - rss_before) / static_cast<double>(connected));
    std::printf("\n");
    return 0;
}
