#include "app/store_factory.hpp"

#include "store/sqlite/sqlite_store.hpp"

namespace gp::app {

bool is_postgres_url(const std::string& db) {
    return db.starts_with("postgres://") || db.starts_with("postgresql://");
}

std::unique_ptr<store::Store> open_main_store(const std::string& db, const events::Bus& bus) {
    store::sqlite::prepare_database_file(db);
    return std::make_unique<store::sqlite::SqliteStore>(db, &bus, store::sqlite::SqliteStore::Role::EventLoop);
}

store::StoreOpener background_store_opener(const std::string& db) {
    return [db]() -> std::unique_ptr<store::Store> {
        return std::make_unique<store::sqlite::SqliteStore>(db, nullptr, store::sqlite::SqliteStore::Role::Background);
    };
}

}  // namespace gp::app
