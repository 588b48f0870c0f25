#pragma once
// Every setting, from flags or the environment (flags win), with safe defaults.
#include <chrono>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "rooms/monitor_options.hpp"
#include "webhooks/delivery_engine.hpp"
#include "ws/hub.hpp"

namespace gp::app {

struct Config {
    http::ServerOptions server;
    std::string db_path = "./data/gamepicker.db";  // relative to the working directory, or a postgres:// URL
    bool migrate_only = false;                     // migrate the schema and exit
    std::string catalogue_path;  // CSV seeded into an empty catalogue; empty: the bundled one
    std::string admin_key;
    std::string jwt_secret;
    bool dev_mode = false;
    std::string log_level = "info";
    bool metrics_public = false;  // GET /metrics without a token from any address (else loopback only)
    ws::HubOptions ws;
    bool ws_max_connections_explicit = false;  // given by flag or environment, not the default
    webhooks::EngineOptions webhooks;
    std::chrono::milliseconds webhook_log_retention{30LL * 86400000};  // 0 = keep forever
    rooms::MonitorOptions rooms;
    std::chrono::seconds room_reconcile_interval{10};  // used with PostgreSQL only
    int db_pool_size = 4;  // PostgreSQL: request workers, each with its own connection (0: handlers on the event loop)
};

// Parses argv and the environment. Prints help or the reason and exits on bad
// input; refuses empty secrets outside development mode.
Config load_config(int argc, char** argv);

}  // namespace gp::app
