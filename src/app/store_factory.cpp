#include "app/store_factory.hpp"

#include "app/seed.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/loop_writer.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace gp::app {

bool is_postgres_url(const std::string& db) {
    return db.starts_with("postgres://") || db.starts_with("postgresql://");
}

std::string redacted_db(const std::string& db) {
    if (!is_postgres_url(db)) return db;
    const auto scheme_end = db.find("://") + 3;
    const auto at = db.find('@', scheme_end);
    const auto colon = db.find(':', scheme_end);
    if (at == std::string::npos || colon == std::string::npos || colon > at) return db;
    return db.substr(0, colon + 1) + "***" + db.substr(at);
}

std::unique_ptr<store::Store> open_main_store(const Config& cfg, const events::Bus& bus, PostToLoop post_to_loop) {
    if (is_postgres_url(cfg.db_path)) {
        auto store = std::make_unique<store::postgres::PgStore>(cfg.db_path, &bus, cfg.webhooks.lease);
        store->exclusively([&] { seed_catalogue(*store, cfg.catalogue_path); });
        store->follow_cluster(std::move(post_to_loop));
        return store;
    }
    store::sqlite::prepare_database_file(cfg.db_path);
    auto store =
        std::make_unique<store::sqlite::SqliteStore>(cfg.db_path, &bus, store::sqlite::SqliteStore::Role::EventLoop);
    seed_catalogue(*store, cfg.catalogue_path);
    return store;
}

std::vector<std::unique_ptr<store::Store>> open_request_stores(const Config& cfg, store::Store& loop_store,
                                                               PostToLoop post_to_loop) {
    std::vector<std::unique_ptr<store::Store>> stores;
    if (!is_postgres_url(cfg.db_path)) return stores;
    auto& loop = dynamic_cast<store::postgres::PgStore&>(loop_store);
    for (int i = 0; i < cfg.db_pool_size; ++i)
        stores.push_back(std::make_unique<store::postgres::PgStore>(loop, post_to_loop));
    return stores;
}

void migrate_database(const Config& cfg) {
    if (!is_postgres_url(cfg.db_path)) store::sqlite::prepare_database_file(cfg.db_path);
    background_store_opener(cfg)();  // opening a store migrates it
}

store::StoreOpener background_store_opener(const Config& cfg) {
    if (is_postgres_url(cfg.db_path))
        return [url = cfg.db_path, lease = cfg.webhooks.lease]() -> std::unique_ptr<store::Store> {
            return std::make_unique<store::postgres::PgStore>(url, nullptr, lease);
        };
    return [path = cfg.db_path]() -> std::unique_ptr<store::Store> {
        return std::make_unique<store::sqlite::SqliteStore>(path, nullptr, store::sqlite::SqliteStore::Role::Background);
    };
}

DeliveryStore delivery_store(const Config& cfg, store::Store& loop_store, PostToLoop post_to_loop) {
    if (is_postgres_url(cfg.db_path)) return {background_store_opener(cfg), [] {}};
    auto writer = std::make_shared<store::sqlite::LoopWriter>(dynamic_cast<store::sqlite::SqliteStore&>(loop_store),
                                                             std::move(post_to_loop));
    return {[path = cfg.db_path, writer]() -> std::unique_ptr<store::Store> {
                return std::make_unique<store::sqlite::SqliteStore>(
                    path, nullptr, store::sqlite::SqliteStore::Role::Background, writer);
            },
            [writer] { writer->close(); }};
}

}  // namespace gp::app
