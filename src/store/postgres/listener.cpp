#include "store/postgres/listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

#include "store/postgres/db.hpp"

namespace gp::store::postgres {

namespace {
constexpr int kIdleMs = 1000;
constexpr int kReconnectPauseMs = 1000;
}  // namespace

Listener::Listener(std::string url, std::vector<std::string> channels, OnNotify on_notify,
                   std::function<void()> on_idle)
    : url_(std::move(url)), channels_(std::move(channels)), on_notify_(std::move(on_notify)), on_idle_(std::move(on_idle)) {
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) throw std::runtime_error("eventfd failed");
    thread_ = std::thread([this] { run(); });
}

Listener::~Listener() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
    thread_.join();
    ::close(stop_fd_);
}

void Listener::run() {
    PGconn* conn = nullptr;
    for (;;) {
        if (!conn) {
            try {
                conn = connect(url_);
                for (const auto& c : channels_) PQclear(PQexec(conn, ("LISTEN " + c).c_str()));
                on_idle_();  // what happened while it was not listening
            } catch (const std::exception& e) {
                spdlog::warn("msg=\"postgres listener cannot connect\" error=\"{}\"", e.what());
                conn = nullptr;
            }
        }
        pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {conn ? PQsocket(conn) : -1, POLLIN, 0}};
        const int ready = ::poll(fds, conn ? 2 : 1, conn ? kIdleMs : kReconnectPauseMs);
        if (fds[0].revents & POLLIN) break;
        if (!conn) continue;
        if (ready == 0) {
            on_idle_();
            continue;
        }
        if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
            spdlog::warn("msg=\"postgres listener lost its connection\" error=\"{}\"", PQerrorMessage(conn));
            PQfinish(conn);
            conn = nullptr;
            continue;
        }
        while (PGnotify* n = PQnotifies(conn)) {
            on_notify_(n->relname, n->extra);
            PQfreemem(n);
        }
    }
    PQfinish(conn);
}

}  // namespace gp::store::postgres
