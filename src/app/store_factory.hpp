#pragma once
// The one place that knows which store --db names: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is a SQLite database file.
#include <memory>
#include <string>

#include "store/store.hpp"

namespace gp::events {
class Bus;
}

namespace gp::app {

bool is_postgres_url(const std::string& db);

// The event loop's store: it publishes committed events on `bus` and migrates the schema.
std::unique_ptr<store::Store> open_main_store(const std::string& db, const events::Bus& bus);
// A background connection (the webhook delivery engine's): never publishes events.
store::StoreOpener background_store_opener(const std::string& db);

}  // namespace gp::app
