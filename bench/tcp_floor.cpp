// The kernel's floor for one fan-out on this machine: N loopback TCP connections and
// one event-sized message written to each with a plain send() loop: no WebSocket, no
// Asio, no server. A second process (core 0) reads them all with one epoll set.
// Prints the time from the first send to the arrival of the last message (p50/p99/max
// over the rounds), with one sending thread (core 1) and with two (one per core, the
// reader sharing core 0). The WebSocket fan-out cannot beat these figures.
//   tcp_floor [--connections 10000] [--bytes 256] [--rounds 50]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "percentile.hpp"

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC: the same in both processes

constexpr int kMaxRounds = 1000;

// Shared between the sender (parent) and the reader (child).
struct Shared {
    std::atomic<int> connected{0};
    std::atomic<std::int64_t> last_arrival_ns[kMaxRounds];  // when round r's last message was read
};

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

// Child: connects every client, then reads until all rounds have arrived.
[[noreturn]] void read_all(sockaddr_in addr, int connections, std::size_t bytes, int rounds, Shared& shared) {
    pin(0);
    const int epoll = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < connections; ++i) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        epoll_event e{};
        e.events = EPOLLIN | EPOLLET;
        e.data.fd = fd;
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
        shared.connected = i + 1;
    }
    const std::uint64_t per_round = static_cast<std::uint64_t>(connections) * bytes;
    std::uint64_t total = 0;
    int round = 0;
    std::array<epoll_event, 1024> events;
    std::array<char, 65536> buf;
    while (round < rounds) {
        const int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 1000);
        for (int i = 0; i < n; ++i) {
            for (;;) {
                const ssize_t got = recv(events[static_cast<std::size_t>(i)].data.fd, buf.data(), buf.size(), 0);
                if (got <= 0) break;
                total += static_cast<std::uint64_t>(got);
            }
            while (round < rounds && total >= per_round * static_cast<std::uint64_t>(round + 1))
                shared.last_arrival_ns[round++] = now_ns();
        }
    }
    std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
    int connections = 10000, rounds = 50;
    std::size_t bytes = 256;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--connections") connections = std::atoi(argv[i + 1]);
        else if (k == "--bytes") bytes = static_cast<std::size_t>(std::atoi(argv[i + 1]));
        else if (k == "--rounds") rounds = std::atoi(argv[i + 1]);
    }
    if (connections <= 0 || bytes == 0 || rounds <= 0 || 2 * rounds > kMaxRounds) {
        std::fprintf(stderr, "usage: tcp_floor [--connections N] [--bytes B] [--rounds R <= %d]\n", kMaxRounds / 2);
        return 2;
    }
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);

    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 4096) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        die("listen");
    void* memory = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) die("mmap");
    auto& shared = *new (memory) Shared;

    const pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) read_all(addr, connections, bytes, 2 * rounds, shared);

    pin(1);
    std::vector<int> fds;
    for (int i = 0; i < connections; ++i) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) die("accept");
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as the server's sockets
        fds.push_back(fd);
    }
    while (shared.connected < connections) std::this_thread::sleep_for(std::chrono::milliseconds(10));

    const std::string message(bytes, 'x');
    auto send_range = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) send(fds[i], message.data(), message.size(), MSG_NOSIGNAL);
    };
    auto run = [&](int first_round, bool two_threads) {
        std::vector<double> ms;
        for (int r = first_round; r < first_round + rounds; ++r) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const std::int64_t start = now_ns();
            if (two_threads) {
                std::thread other([&] {
                    pin(0);
                    send_range(0, fds.size() / 2);
                });
                send_range(fds.size() / 2, fds.size());
                other.join();
            } else {
                send_range(0, fds.size());
            }
            while (shared.last_arrival_ns[r].load() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
            ms.push_back(static_cast<double>(shared.last_arrival_ns[r].load() - start) / 1e6);
        }
        const double p50 = percentile(ms, 0.5), p99 = percentile(ms, 0.99);  // sorts: back() is the max
        std::printf("%s: first send to last arrival p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
                    two_threads ? "two sending threads (core 0 + 1)" : "one sending thread (core 1)  ", p50, p99,
                    ms.back());
    };
    std::printf("raw send() of %zu bytes to %d loopback TCP connections, %d rounds each:\n", bytes, connections,
                rounds);
    run(0, false);
    run(rounds, true);
    waitpid(child, nullptr, 0);
    return 0;
}
