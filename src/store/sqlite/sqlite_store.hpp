#pragma once
// SQLite implementation of store::Store. One connection per instance: the event
// loop owns one, the webhook delivery engine opens its own for its reads (WAL lets them
// overlap) and writes through the loop's (loop_writer.hpp).
// The SQL shared with PostgreSQL is in store/sql/; sqlite_store.cpp has the schema and the
// webhook queue queries in SQLite's dialect.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "events/bus.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/loop_writer.hpp"
#include "store/sql/sql_store.hpp"

namespace gp::store::sqlite {

class SqliteStore final : public sql::SqlStore<Db> {
public:
    // bus may be null (a connection that never commits events, e.g. the delivery engine's).
    // EventLoop: the connection that answers the API. It checkpoints on a thread of its own,
    // so its commits never wait for an fsync.
    // Background (the delivery engine's): it stores attempt outcomes through `loop_writer` (on
    // the event loop's connection, a few per turn of the loop), or, without one, itself; its
    // commits ask the event loop store's checkpointer too (SQLite's automatic checkpoint when
    // there is none).
    enum class Role { EventLoop, Background };
    SqliteStore(const std::string& path, const events::Bus* bus, Role role,
                std::shared_ptr<LoopWriter> loop_writer = nullptr);
    // The event loop's store, closed last at shutdown, checkpoints the whole WAL
    // into the database and truncates it, so a stopped server leaves one file.
    ~SqliteStore() override;

    std::uint64_t catalogue_version() override;
    bool claim_room_monitor(Id) override { return true; }  // one process
    void release_room_monitor(Id) override {}
    void share_room_status(Id, const std::string&) override {}
    std::optional<std::string> shared_room_status(Id) override { return std::nullopt; }
    // The delivery engine's connection remembers what it handed out until the outcome is
    // recorded or the delivery released (the engine's own in-flight set stays the guard against
    // sending twice): the queue query skips those, and reads the body columns only of the
    // deliveries it hands out.
    std::vector<webhooks::PendingDelivery> due_deliveries(domain::Millis now, int per_webhook_limit,
                                                          int claim_limit) override;
    void release_deliveries(std::span<const std::pair<Id, domain::Millis>> unsent) override;
    std::size_t record_attempts(std::span<const webhooks::AttemptOutcome> outcomes,
                                const webhooks::DisablePolicy& policy) override;
    WebhookQueue webhook_queue() override;

private:
    void migrate();
    void use_plain_status_checks();
    void catalogue_changed() override;

    void unclaim(Id delivery_id);

    std::uint64_t catalogue_version_ = 0;
    const Role role_;
    const std::shared_ptr<LoopWriter> loop_writer_;
    std::shared_ptr<Checkpointer> checkpointer_;
    struct Claim {
        Id webhook_id;
        domain::Millis at;
    };
    std::unordered_map<Id, Claim> claims_;             // by delivery id
    std::unordered_map<Id, int> claims_per_webhook_;  // how many of claims_ each webhook has
};

}  // namespace gp::store::sqlite
