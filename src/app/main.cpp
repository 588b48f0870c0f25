// gamepicker: wiring. Threads (the whole list):
//  - the event loop (main thread): one io_context running the HTTP server, the
//    WebSocket hub, the room monitors and, on SQLite, all handlers; it owns the main
//    store connection (which store: app/store_factory, from --db), publishes committed
//    events on the Bus, and writes every response.
//  - PostgreSQL only: the request workers (http/request_workers, --db-pool-size), each with
//    its own connection: the router runs there, off the loop; responses, the commits' events
//    (published by the loop's store, in id order) and room monitor calls are posted to the loop.
//  - PostgreSQL only: the cluster listener (store/postgres/listener), its own connection:
//    LISTENs for every instance's events and catalogue changes and posts "publish" to the loop.
//  - PostgreSQL only: the loop lane (store/postgres/loop_lane), its own connection: runs what
//    the loop asks the store itself (Store::off_loop: replays, room monitor claims and writes,
//    pruning) in order and posts the results to the loop; and the catch-up lane, its own
//    connection: the outbox reads after a gap and the 1 s poll.
//  - the webhook delivery engine: one thread with its own store connection and a
//    libcurl multi handle; the Bus only wakes it (notify()). It stores its attempt
//    outcomes itself on PostgreSQL; on SQLite it posts them to the loop, whose connection
//    writes them between requests (store/sqlite/loop_writer).
//  - SQLite only: the WAL checkpointer (store/sqlite/checkpointer): one thread with its own
//    connection, asked by the main connection's WAL hook, so no commit on the
//    event loop waits for a checkpoint's fsync.
//  - Asio's resolver thread: getaddrinfo for the room monitors (rooms/), which
//    otherwise run on the event loop.
// The threads meet only through the database, posts to the loop, the engine's wake-up, the
// checkpointer's request flag, and what handlers keep between requests (locked or atomic).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <functional>

#include "app/build_info.hpp"
#include "app/config.hpp"
#include "app/crash_report.hpp"
#include "app/event_loop.hpp"
#include "app/fd_limit.hpp"
#include "app/logging.hpp"
#include "app/store_factory.hpp"
#include "events/bus.hpp"
#include "http/request_workers.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "http/static_site.hpp"
#include "http/tokens.hpp"
#include "rooms/room_monitors.hpp"
#include "webhooks/delivery_engine.hpp"
#include "webhooks/history_pruner.hpp"
#include "ws/hub.hpp"

namespace {

using namespace gp;

// Bounds a graceful shutdown: requests in progress, WebSocket closing handshakes
// and webhook attempts in flight get this long, then the process exits anyway.
constexpr auto kShutdownGrace = std::chrono::seconds(10);

int serve(app::Config& cfg) {
    app::fit_websocket_connections(cfg, app::raise_open_file_limit());

    events::Bus bus;
    boost::asio::io_context ioc{1};
    app::LoopInbox inbox(ioc);
    const app::PostToLoop post_to_loop = [&inbox](std::function<void()> f) { inbox.post(std::move(f)); };
    const std::unique_ptr<store::Store> store_owner = app::open_main_store(cfg, bus, post_to_loop);
    store::Store& store = *store_owner;

    http::TokenService tokens(cfg.admin_key, cfg.jwt_secret);
    ws::Hub hub(ioc, store, tokens, cfg.ws);
    const app::DeliveryStore delivery_store = app::delivery_store(cfg, store, post_to_loop);
    webhooks::DeliveryEngine engine(delivery_store.open, cfg.webhooks);
    bus.subscribe([&hub](const events::Event& e) { hub.publish(e); });
    bus.subscribe([&engine](const events::Event&) { engine.notify(); });

    webhooks::HistoryPruner pruner(ioc, store, cfg.webhook_log_retention);

    http::Router router(tokens);
    // Instances sharing a database hand room checks over through it.
    if (app::is_postgres_url(cfg.db_path)) cfg.rooms.reconcile_interval = cfg.room_reconcile_interval;
    rooms::RoomMonitors rooms(ioc, store, cfg.rooms);
    // Stopped (joined) before anything its handlers use goes.
    http::RequestWorkers workers(app::open_request_stores(cfg, store, post_to_loop), post_to_loop);
    http::RequestWorkers* const handler_threads = workers.size() > 0 ? &workers : nullptr;
    http::Services services{store, tokens, [&engine] { engine.notify(); }, rooms, cfg.metrics_public, handler_threads};
    http::add_all_routes(router, services);
    const http::StaticSite site(http::embedded_assets());
    router.set_fallback([&site](http::Request& req) { return site.serve(req); });
    http::Server server(ioc, router, hub, cfg.server, handler_threads);
    server.start();
    engine.start();
    pruner.start();
    rooms.resume();

    // SIGINT/SIGTERM: stop accepting, let requests in progress finish, close every
    // WebSocket with 1001, let webhook attempts in flight finish (the rest stay
    // pending for the next start), all within kShutdownGrace; the store then
    // checkpoints the WAL as it closes.
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    boost::asio::steady_timer drained(ioc);
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> wait_until_drained = [&] {
        if ((server.open_connections() == 0 && hub.connection_count() == 0) ||
            std::chrono::steady_clock::now() >= deadline) {
            spdlog::info("msg=\"event loop stopping\" open_http={} open_websockets={}", server.open_connections(),
                         hub.connection_count());
            return ioc.stop();
        }
        drained.expires_after(std::chrono::milliseconds(20));
        drained.async_wait([&](boost::system::error_code) { wait_until_drained(); });
    };
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        spdlog::info("msg=\"shutting down\" signal={} open_http={} open_websockets={}", sig, server.open_connections(),
                     hub.connection_count());
        deadline = std::chrono::steady_clock::now() + kShutdownGrace;
        engine.begin_stop(kShutdownGrace);
        rooms.shutdown();  // the checks resume at the next start
        server.shutdown();
        hub.shutdown();
        wait_until_drained();
    });
    spdlog::info("msg=listening address={} port={} db={} max_websockets={} request_workers={}", cfg.server.address,
                 server.bound_port(), app::redacted_db(cfg.db_path), cfg.ws.max_connections, workers.size());
    app::run_event_loop(ioc);
    workers.stop();  // requests still running after the grace period are cancelled
    delivery_store.loop_stopped();
    engine.stop();
    spdlog::info("msg=stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    gp::app::Config cfg = gp::app::load_config(argc, argv);
    gp::app::setup_logging(cfg.log_level);
    gp::app::install_crash_report();
    spdlog::info("msg=starting version={} build=\"{}\"", gp::app::version(), gp::app::build_description());
    // Past a file-size limit (ulimit -f) a write fails with EFBIG, answered 503 like a full
    // disk, instead of the default SIGXFSZ ending the process.
    std::signal(SIGXFSZ, SIG_IGN);
    try {
        if (cfg.migrate_only) {
            gp::app::migrate_database(cfg);
            spdlog::info("msg=\"schema up to date\" db={}", gp::app::redacted_db(cfg.db_path));
            return 0;
        }
        return serve(cfg);
    } catch (const std::exception& e) {
        // The event loop catches what its handlers throw: whatever arrives here
        // failed while starting (or while closing the store at exit).
        spdlog::critical("msg=\"startup failed\" error=\"{}\"", e.what());
        return 1;
    }
}
