// gamepicker: wiring. Threads (the whole list):
//  - the event loop (main thread): one io_context running the HTTP server, the
//    WebSocket hub and all handlers; it owns the main SqliteStore connection,
//    commits changes with their outbox events, and publishes them on the Bus.
//  - the webhook delivery engine: one thread with its own SqliteStore connection
//    (reads only) and a libcurl multi handle; the Bus only wakes it (notify()). It
//    hands attempt outcomes back to the event loop, which stores them: one writer.
//  - the WAL checkpointer (store/sqlite/checkpointer): one thread with its own
//    connection, asked by the main connection's WAL hook, so no commit on the
//    event loop waits for a checkpoint's fsync.
// The threads share no data structures: they meet only through SQLite, the
// checkpointer's request flag, and the engine's wake-up and hand-back of outcomes.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/seed.hpp"
#include "events/bus.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "http/static_site.hpp"
#include "http/tokens.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "webhooks/delivery_engine.hpp"
#include "webhooks/history_pruner.hpp"
#include "ws/hub.hpp"

int main(int argc, char** argv) {
    using namespace gp;
    app::Config cfg = app::load_config(argc, argv);
    app::setup_logging(cfg.log_level);
    try {
        if (auto dir = std::filesystem::path(cfg.db_path).parent_path(); !dir.empty())
            std::filesystem::create_directories(dir);

        events::Bus bus;
        store::sqlite::SqliteStore store(cfg.db_path, &bus, store::sqlite::SqliteStore::Role::EventLoop);
        app::seed_catalogue(store, cfg.catalogue_path);

        http::TokenService tokens(cfg.admin_key, cfg.jwt_secret);
        boost::asio::io_context ioc{1};
        ws::Hub hub(ioc, store, tokens, cfg.ws);
        webhooks::DeliveryEngine engine(cfg.db_path, cfg.webhooks);
        bus.subscribe([&hub](const events::Event& e) { hub.publish(e); });
        bus.subscribe([&engine](const events::Event&) { engine.notify(); });

        webhooks::HistoryPruner pruner(ioc, store, cfg.webhook_log_retention);

        http::Router router(tokens);
        http::Services services{store, tokens, [&engine] { engine.notify(); }};
        http::add_all_routes(router, services);
        const http::StaticSite site(http::embedded_assets());
        router.set_fallback([&site](http::Request& req) { return site.serve(req); });
        http::Server server(ioc, router, hub, cfg.server);
        server.start();
        engine.start();
        pruner.start();

        // On SIGINT/SIGTERM: the delivery engine stores its finished attempts and stops,
        // WebSocket clients get a 1001 close frame, and the loop stops after a short grace.
        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        boost::asio::steady_timer grace(ioc);
        signals.async_wait([&](auto, int sig) {
            spdlog::info("msg=\"shutting down\" signal={}", sig);
            engine.stop();
            hub.shutdown();
            grace.expires_after(std::chrono::milliseconds(300));
            grace.async_wait([&ioc](auto) { ioc.stop(); });
        });
        spdlog::info("msg=listening address={} port={} db={}", cfg.server.address, server.bound_port(), cfg.db_path);
        ioc.run();
        engine.stop();
    } catch (const std::exception& e) {
        spdlog::critical("msg=\"startup failed\" error=\"{}\"", e.what());
        return 1;
    }
    return 0;
}
