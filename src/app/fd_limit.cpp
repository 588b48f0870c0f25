#include "app/fd_limit.hpp"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

#include "app/config.hpp"

namespace gp::app {

namespace {
// Descriptors kept for what is not a WebSocket: HTTP clients, the listener, SQLite's
// files (three connections with WAL and shm), logs; webhook transfers come on top.
constexpr std::uint64_t kReservedDescriptors = 256;
}  // namespace

std::uint64_t raise_open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        const rlim_t before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
    }
    return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(limit.rlim_cur);
}

void fit_websocket_connections(Config& cfg, std::uint64_t fd_limit) {
    const std::uint64_t reserved = kReservedDescriptors + static_cast<std::uint64_t>(cfg.webhooks.max_in_flight);
    const std::uint64_t room = fd_limit > reserved ? fd_limit - reserved : 0;
    if (cfg.ws.max_connections <= room) return;
    if (cfg.ws_max_connections_explicit || room == 0) {
        throw std::runtime_error("--ws-max-connections " + std::to_string(cfg.ws.max_connections) +
                                 " does not fit under the open-file limit " + std::to_string(fd_limit) + " (" +
                                 std::to_string(reserved) +
                                 " kept for HTTP, SQLite and webhooks): lower it or raise the limit (ulimit -Hn)");
    }
    spdlog::warn("msg=\"ws max connections lowered to fit the open-file limit\" max_connections={} fd_limit={}",
                 room, fd_limit);
    cfg.ws.max_connections = static_cast<std::size_t>(room);
}

}  // namespace gp::app
