// The kernel's floor for webhook deliveries on this machine: the same HTTP exchanges the
// delivery engine makes (a POST of a delivery's size on keep-alive loopback connections,
// one in flight per connection, answered by webhook_sink) at a fixed rate, with nothing
// else: no signing, no database, no libcurl, no Asio. One thread, one epoll set, plain
// send()/recv(); a 1 ms timerfd releases the sends that fell due, as events do.
// bench/run runs it on the server's core during the API's timing, at SCHED_IDLE as the
// engine runs: what carrying that traffic alone does to the API's p99 on this machine.
//   delivery_floor --port P [--rate 10000] [--seconds 5] [--connections 128] [--bytes 638]
// Prints: requests, achieved rate, p50/p99 from a send's due time to its answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "percentile.hpp"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

// A POST of `bytes` bytes in all, headers like the engine's, body padding the rest.
std::string request_bytes(std::size_t bytes) {
    const std::string head =
        "POST /hook/floor HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: delivery-floor\r\nAccept: */*\r\n"
        "Content-Type: application/json\r\nX-Webhook-Event: game.added\r\nContent-Length: ";
    // bytes = head + the length's digits + "\r\n\r\n" + body; at least "{}" of body.
    std::size_t body = 2;
    for (std::size_t digits = 1; digits < 8; ++digits) {
        const auto fixed = head.size() + digits + 4;
        if (bytes > fixed + 2 && std::to_string(bytes - fixed).size() == digits) {
            body = bytes - fixed;
            break;
        }
    }
    const std::string length = std::to_string(body);
    return head + length + "\r\n\r\n{" + std::string(body - 2, 'x') + "}";
}

struct Connection {
    int fd = -1;
    bool busy = false;
    Clock::time_point due;  // of the request in flight
    std::string in;         // the answer so far
};

// Whether `in` holds a whole answer (headers and Content-Length bytes of body); consumes it.
bool take_answer(std::string& in) {
    const auto end = in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::size_t length = 0;
    for (std::size_t at = in.find('\n'); at != std::string::npos && at < end; at = in.find('\n', at + 1)) {
        constexpr std::string_view kName = "content-length:";
        if (in.size() - at - 1 < kName.size()) break;
        if (strncasecmp(in.data() + at + 1, kName.data(), kName.size()) == 0)
            length = std::strtoul(in.data() + at + 1 + kName.size(), nullptr, 10);
    }
    if (in.size() < end + 4 + length) return false;
    in.erase(0, end + 4 + length);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0, connections = 128;
    double rate = 10000, seconds = 5;
    std::size_t bytes = 638;  // a game.added delivery: its headers and signed body
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") port = std::stoi(v);
        else if (k == "--rate") rate = std::stod(v);
        else if (k == "--seconds") seconds = std::stod(v);
        else if (k == "--connections") connections = std::stoi(v);
        else if (k == "--bytes") bytes = std::stoul(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (port <= 0 || connections <= 0 || rate <= 0) {
        std::fprintf(stderr, "usage: delivery_floor --port P [--rate R] [--seconds S] [--connections N] [--bytes B]\n");
        return 2;
    }
    const std::string request = request_bytes(bytes);
    const int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");

    std::vector<Connection> conns(static_cast<std::size_t>(connections));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (std::size_t i = 0; i < conns.size(); ++i) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) die("socket");
        if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
        conns[i].fd = fd;
    }
    const int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (timer < 0) die("timerfd_create");
    itimerspec tick{{0, 1000000}, {0, 1000000}};
    timerfd_settime(timer, 0, &tick, nullptr);
    epoll_event tev{};
    tev.events = EPOLLIN;
    tev.data.u64 = conns.size();
    epoll_ctl(ep, EPOLL_CTL_ADD, timer, &tev);

    const long total = static_cast<long>(rate * seconds);
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
    const auto start = Clock::now();
    long released = 0, answered = 0;
    std::deque<Clock::time_point> waiting;  // due sends without a free connection
    std::vector<std::size_t> idle;
    for (std::size_t i = conns.size(); i-- > 0;) idle.push_back(i);
    std::vector<double> latency_ms;
    latency_ms.reserve(static_cast<std::size_t>(total));
    const auto send_waiting = [&] {
        while (!waiting.empty() && !idle.empty()) {
            auto& c = conns[idle.back()];
            idle.pop_back();
            if (send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
                die("send");
            c.busy = true;
            c.due = waiting.front();
            waiting.pop_front();
        }
    };
    std::vector<epoll_event> events(conns.size() + 1);
    char buf[16384];
    while (answered < total) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
        if (n < 0) die("epoll_wait");
        if (n == 0) {
            std::fprintf(stderr, "no answer for 1 s (%ld of %ld)\n", answered, total);
            return 1;
        }
        for (int e = 0; e < n; ++e) {
            const auto i = events[static_cast<std::size_t>(e)].data.u64;
            if (i == conns.size()) {
                std::uint64_t expirations = 0;
                if (read(timer, &expirations, sizeof expirations) < 0) continue;
                const auto now = Clock::now();
                while (released < total && start + interval * released <= now) waiting.push_back(start + interval * released++);
                continue;
            }
            auto& c = conns[i];
            const ssize_t got = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (got <= 0) {
                std::fprintf(stderr, "connection %zu closed by the sink\n", i);
                return 1;
            }
            c.in.append(buf, static_cast<std::size_t>(got));
            if (c.busy && take_answer(c.in)) {
                latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.due).count());
                c.busy = false;
                idle.push_back(i);
                ++answered;
            }
        }
        send_waiting();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const auto count = latency_ms.size();
    const double p50 = percentile(latency_ms, 0.50), p99 = percentile(latency_ms, 0.99);
    std::printf("requests=%zu rate=%.0f/s p50_ms=%.3f p99_ms=%.3f\n", count, static_cast<double>(count) / elapsed, p50, p99);
    for (const auto& c : conns) close(c.fd);
    return 0;
}
