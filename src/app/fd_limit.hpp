#pragma once
// The process's file-descriptor budget: every WebSocket, HTTP connection, SQLite
// file and webhook transfer takes one, and running out stalls accept().
#include <cstdint>

namespace gp::app {

struct Config;

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
std::uint64_t raise_open_file_limit();

// Makes --ws-max-connections fit under `fd_limit` with room for everything else
// (HTTP clients, SQLite, webhook transfers): a value given explicitly that does not
// fit is refused (throws); the default is lowered to fit, with a warning.
void fit_websocket_connections(Config& cfg, std::uint64_t fd_limit);

}  // namespace gp::app
