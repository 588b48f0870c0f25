#pragma once
// The one place that knows which store --db names: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is a SQLite database file.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "store/store.hpp"

namespace gp::events {
class Bus;
}

namespace gp::app {

bool is_postgres_url(const std::string& db);
// The --db value for logs: a URL's password replaced by ***.
std::string redacted_db(const std::string& db);

// Runs a function on the event loop (posted: never inline).
using PostToLoop = std::function<void(std::function<void()>)>;

// The event loop's store, migrated and with its catalogue seeded (once across instances).
// It publishes committed events on `bus`; on PostgreSQL it also follows the other
// instances' events (through post_to_loop) and publishes them there too.
std::unique_ptr<store::Store> open_main_store(const Config& cfg, const events::Bus& bus, PostToLoop post_to_loop);
// PostgreSQL: the request workers' connections (cfg.db_pool_size), which share the catalogue
// version of `loop_store` (open_main_store's) and publish their commits through it, on the
// loop. SQLite: none (handlers run on the event loop: a local file, one writer).
std::vector<std::unique_ptr<store::Store>> open_request_stores(const Config& cfg, store::Store& loop_store,
                                                               PostToLoop post_to_loop);
// `gamepicker migrate`: brings the schema up to date (on SQLite creating the file and its folder).
void migrate_database(const Config& cfg);
// A background connection: never publishes events.
store::StoreOpener background_store_opener(const Config& cfg);
// The webhook delivery engine's connection. On SQLite its writes run on `loop_store` (open_main_store's),
// on the event loop (store/sqlite/loop_writer), until loop_stopped() says the loop no longer runs.
struct DeliveryStore {
    store::StoreOpener open;
    std::function<void()> loop_stopped;
};
DeliveryStore delivery_store(const Config& cfg, store::Store& loop_store, PostToLoop post_to_loop);

}  // namespace gp::app
