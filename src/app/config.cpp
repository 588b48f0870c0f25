#include "app/config.hpp"

#include <CLI/CLI.hpp>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "app/build_info.hpp"

namespace gp::app {

namespace {

std::string random_hex(int bytes) {
    std::vector<unsigned char> buf(static_cast<std::size_t>(bytes));
    RAND_bytes(buf.data(), bytes);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (auto b : buf) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

// "500ms", "5s", "5m", "2h", "30d" (a bare "0" too); throws CLI::ValidationError naming `option`.
std::chrono::milliseconds parse_duration(const std::string& item, const std::string& option) {
    std::size_t used = 0;
    long long n = -1;
    try {
        n = std::stoll(item, &used);
    } catch (...) {
    }
    const std::string unit = item.substr(used);
    const long long factor = unit == "ms" ? 1
                             : unit == "s" ? 1000
                             : unit == "m" ? 60000
                             : unit == "h" ? 3600000
                             : unit == "d" ? 86400000
                             : unit.empty() && n == 0 ? 1
                                                      : 0;
    if (n < 0 || factor == 0 || n > 10LL * 365 * 86400000 / factor)
        throw CLI::ValidationError(option, "bad duration '" + item + "' (use e.g. 500ms, 5s, 5m, 2h, 30d)");
    return std::chrono::milliseconds(n * factor);
}

// "5s,5m,30m,2h" -> durations.
std::vector<std::chrono::milliseconds> parse_schedule(const std::string& text) {
    std::vector<std::chrono::milliseconds> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find(',', pos);
        if (end == std::string::npos) end = text.size();
        out.push_back(parse_duration(text.substr(pos, end - pos), "--webhook-retry-schedule"));
        pos = end + 1;
    }
    return out;
}

}  // namespace

Config load_config(int argc, char** argv) {
    Config c;
    int port = c.server.port;
    int read_timeout_s = static_cast<int>(c.server.read_timeout.count());
    int ws_idle_s = static_cast<int>(c.ws.idle_timeout.count());
    int webhook_timeout_ms = static_cast<int>(c.webhooks.attempt_timeout.count());
    std::string schedule = "5s,5m,30m,2h,5h,10h";
    std::string retention = "30d";
    std::string lease = "60s";
    int room_status_s = static_cast<int>(c.rooms.status_interval.count());
    int room_give_up_s = static_cast<int>(c.rooms.give_up_after.count());
    int room_reconcile_s = 10;
    double disable_after_hours = 120;  // as Svix

    CLI::App cli{"gamepicker: Jackbox game picker server (REST, WebSocket feed, webhooks)"};
    cli.set_version_flag("--version", "gamepicker " + std::string(version()) + " (" +
                                          std::string(build_description()) + ")");
    cli.add_option("--port", port, "TCP port (0 picks a free one)")->envname("PORT")->check(CLI::Range(0, 65535));
    cli.add_option("--host", c.server.address, "Address to listen on")->envname("HOST");
    cli.add_option("--db", c.db_path,
                   "SQLite database file (its folder is created), or a postgres:// (postgresql://) URL")
        ->envname("DB");
    cli.add_flag("--migrate-only", c.migrate_only, "Bring the database schema up to date and exit")
        ->envname("MIGRATE_ONLY");
    cli.add_option("--catalogue", c.catalogue_path, "CSV seeded into an empty catalogue (default: the bundled one)")
        ->envname("CATALOGUE");
    cli.add_option("--admin-key", c.admin_key, "Admin key exchanged for a JWT at /api/auth/login")->envname("ADMIN_KEY");
    cli.add_option("--jwt-secret", c.jwt_secret, "HS256 signing secret")->envname("JWT_SECRET");
    cli.add_flag("--dev", c.dev_mode, "Development mode: allows empty secrets (random ones are made up)")
        ->envname("DEV_MODE");
    cli.add_option("--log-level", c.log_level, "trace|debug|info|warn|error")->envname("LOG_LEVEL");
    cli.add_flag("--metrics-public", c.metrics_public,
                 "Serve GET /metrics without the admin token to any address (default: loopback only)")
        ->envname("METRICS_PUBLIC");
    cli.add_option("--body-limit", c.server.body_limit, "Largest request body in bytes")->envname("BODY_LIMIT");
    cli.add_option("--read-timeout", read_timeout_s, "Seconds before a slow HTTP client is dropped")
        ->envname("READ_TIMEOUT")->check(CLI::Range(1, 3600));
    cli.add_option("--ws-max-connections", c.ws.max_connections, "Most WebSocket connections at once")
        ->envname("WS_MAX_CONNECTIONS")->check(CLI::Range(1, 1000000));
    cli.add_option("--ws-max-subscriptions", c.ws.max_subscriptions, "Most session subscriptions per connection")
        ->envname("WS_MAX_SUBSCRIPTIONS")->check(CLI::Range(1, 100000));
    cli.add_option("--ws-max-message", c.ws.max_message_bytes, "Largest incoming WebSocket message (bytes)")
        ->envname("WS_MAX_MESSAGE")->check(CLI::Range(256, 16 * 1024 * 1024));
    cli.add_option("--ws-send-queue", c.ws.send_queue_limit, "Messages queued per connection before it is closed")
        ->envname("WS_SEND_QUEUE")->check(CLI::Range(1, 1000000));
    cli.add_option("--ws-send-queue-bytes", c.ws.send_queue_bytes,
                   "Bytes queued per connection before it is closed")
        ->envname("WS_SEND_QUEUE_BYTES")->check(CLI::Range(4096, 1 << 30));
    cli.add_option("--ws-idle-timeout", ws_idle_s, "Seconds of silence before a WebSocket is closed")
        ->envname("WS_IDLE_TIMEOUT")->check(CLI::Range(1, 86400));
    cli.add_flag("--allow-private-webhooks", c.webhooks.allow_private,
                 "Let webhooks reach loopback, private and link-local addresses")
        ->envname("ALLOW_PRIVATE_WEBHOOKS");
    cli.add_option("--webhook-timeout-ms", webhook_timeout_ms, "Per-attempt delivery timeout")
        ->envname("WEBHOOK_TIMEOUT_MS")->check(CLI::Range(1, 600000));
    cli.add_option("--webhook-retry-schedule", schedule, "Delays between attempts, e.g. 5s,5m,30m,2h,5h,10h")
        ->envname("WEBHOOK_RETRY_SCHEDULE");
    cli.add_option("--webhook-concurrency", c.webhooks.max_in_flight, "Deliveries in flight at once")
        ->envname("WEBHOOK_CONCURRENCY")->check(CLI::Range(1, 10000));
    cli.add_option("--webhook-disable-after", c.webhooks.disable.after_failures,
                   "Consecutive failed deliveries before a webhook is disabled (0 = never)")
        ->envname("WEBHOOK_DISABLE_AFTER");
    cli.add_option("--webhook-disable-after-hours", disable_after_hours,
                   "Hours of nothing but failed attempts before a webhook is disabled (0 = never)")
        ->envname("WEBHOOK_DISABLE_AFTER_HOURS")->check(CLI::Range(0.0, 87600.0));
    cli.add_option("--webhook-log-retention", retention,
                   "How long finished deliveries and their logs are kept, e.g. 30d (0 = forever)")
        ->envname("WEBHOOK_LOG_RETENTION");
    cli.add_option("--webhook-lease", lease,
                   "PostgreSQL: how long a claimed delivery stays with its instance, e.g. 60s")
        ->envname("WEBHOOK_LEASE");
    cli.add_option("--ecast-url", c.rooms.ecast_url, "Jackbox's room service (http:// only for tests)")
        ->envname("ECAST_URL");
    cli.add_option("--room-status-interval", room_status_s,
                   "Seconds between game.status events and player-count probes of a monitored room")
        ->envname("ROOM_STATUS_INTERVAL")->check(CLI::Range(1, 3600));
    cli.add_option("--max-room-monitors", c.rooms.max_monitors, "Rooms monitored at once")
        ->envname("MAX_ROOM_MONITORS")->check(CLI::Range(0, 10000));
    cli.add_option("--room-give-up-after", room_give_up_s,
                   "Seconds a room monitor keeps trying to reach its room before it ends with connection_failed")
        ->envname("ROOM_GIVE_UP_AFTER")->check(CLI::Range(1, 86400));
    cli.add_option("--room-reconcile-interval", room_reconcile_s,
                   "PostgreSQL: seconds between each instance's adoption of room checks no instance runs")
        ->envname("ROOM_RECONCILE_INTERVAL")->check(CLI::Range(1, 3600));
    cli.add_option("--db-pool-size", c.db_pool_size,
                   "PostgreSQL: threads that run API requests, each with its own connection (0: on the event loop)")
        ->envname("DB_POOL_SIZE")->check(CLI::Range(0, 64));
    // `gamepicker migrate [flags]`: the same as --migrate-only.
    CLI::App* migrate = cli.add_subcommand("migrate", "Bring the database schema up to date and exit");
    migrate->fallthrough();
    try {
        cli.parse(argc, argv);
        c.migrate_only = c.migrate_only || migrate->parsed();
        c.webhooks.retry_schedule = parse_schedule(schedule);
        c.webhook_log_retention = parse_duration(retention, "--webhook-log-retention");
        c.webhooks.lease = parse_duration(lease, "--webhook-lease");
    } catch (const CLI::ParseError& e) {
        std::exit(cli.exit(e));
    }
    c.ws_max_connections_explicit = cli.get_option("--ws-max-connections")->count() > 0;
    c.server.port = static_cast<unsigned short>(port);
    c.server.read_timeout = std::chrono::seconds(read_timeout_s);
    c.ws.idle_timeout = std::chrono::seconds(ws_idle_s);
    c.webhooks.attempt_timeout = std::chrono::milliseconds(webhook_timeout_ms);
    c.rooms.status_interval = std::chrono::seconds(room_status_s);
    c.rooms.give_up_after = std::chrono::seconds(room_give_up_s);
    c.room_reconcile_interval = std::chrono::seconds(room_reconcile_s);
    c.webhooks.disable.after_failing_for = static_cast<domain::Millis>(disable_after_hours * 3600 * 1000);

    if (c.admin_key.empty() || c.jwt_secret.empty()) {
        if (!c.dev_mode) {
            std::fprintf(stderr,
                         "gamepicker: refusing to start: ADMIN_KEY and JWT_SECRET must be set "
                         "(or pass --dev / DEV_MODE=1 for development)\n");
            std::exit(2);
        }
        if (c.admin_key.empty()) c.admin_key = random_hex(12);
        if (c.jwt_secret.empty()) c.jwt_secret = random_hex(32);
        spdlog::warn("development mode: generated admin_key={} and a random JWT secret", c.admin_key);
    }
    return c;
}

}  // namespace gp::app
