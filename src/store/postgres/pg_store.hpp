#pragma once
// PostgreSQL implementation of store::Store, for several gamepicker instances on one
// database. The SQL it shares with SQLite is in store/sql/; here are the schema (versioned
// migrations under an advisory lock), the outbox's commit-ordered ids and NOTIFY, the
// cluster-wide catalogue version, delivery claims with SKIP LOCKED and a lease, and
// retention once across the cluster.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "store/postgres/db.hpp"
#include "store/sql/sql_store.hpp"

namespace gp::store::postgres {

class Listener;
class LoopLane;

class PgStore final : public sql::SqlStore<Db> {
public:
    // bus null: a connection that never publishes (the delivery engine's). lease: how long a
    // claimed delivery stays with the instance that claimed it before others may send it.
    PgStore(const std::string& url, const events::Bus* bus, std::chrono::milliseconds lease);
    // A request worker's connection (handlers run off the event loop): it shares `loop`'s
    // catalogue version, and hands what it commits to `loop`, which publishes it on the event
    // loop (post_to_loop) in id order.
    PgStore(PgStore& loop, std::function<void(std::function<void()>)> post_to_loop);
    ~PgStore() override;

    // Runs f while holding the cluster-wide start-up lock (the catalogue is seeded once).
    void exclusively(const std::function<void()>& f);
    // The event loop's store follows the cluster: a thread LISTENs for new outbox events
    // and catalogue changes of any instance and hands, through post_to_loop, the events the
    // notifications carry to the loop (or asks for read_new_events() when one carries only an
    // id). A poll each second catches lost notifications. It also starts the threads that
    // run off_loop's jobs and those reads (store/postgres/loop_lane), each on a connection of
    // its own.
    void follow_cluster(std::function<void(std::function<void()>)> post_to_loop);

    std::uint64_t catalogue_version() override;
    Id published_up_to() override { return published_up_to_; }
    void off_loop(LoopJob job) override;
    void interrupt() override { db_.cancel(); }
    bool claim_room_monitor(Id session_game_id) override;
    void release_room_monitor(Id session_game_id) override;
    void share_room_status(Id session_game_id, const std::string& status) override;
    std::optional<std::string> shared_room_status(Id session_game_id) override;
    void announce_room_check_ended() override;
    void on_room_check_ended(std::function<void()> f) override { room_check_ended_ = std::move(f); }
    std::vector<webhooks::PendingDelivery> due_deliveries(domain::Millis now, int per_webhook_limit,
                                                          int claim_limit) override;
    void release_deliveries(std::span<const std::pair<Id, domain::Millis>> unsent) override;
    WebhookQueue webhook_queue() override;

private:
    void migrate();
    // An event a notification carried: published if it is the next one, read with those
    // before it after a gap, ignored if published already.
    void publish_notified(const events::Event& e);
    // Event loop: has the loop's lane read the outbox after the last id published (and the
    // catalogue version), then publishes what it read that is still new, in id order. One read
    // at a time; asked again meanwhile, it reads again after.
    void read_new_events();
    void publish_read(const std::vector<events::Event>& batch);
    static std::optional<events::Event> notified_event(std::string_view payload);
    const char* insert_event_sql() override;
    void publish_committed(std::vector<events::Event> committed) override;
    void catalogue_changed() override;
    bool claim_retention() override;
    void store_outcomes_ahead(std::span<const webhooks::AttemptOutcome> outcomes, domain::Millis now) override;
    bool store_outcome(const webhooks::AttemptOutcome& o, domain::Millis now) override;
    void add_stats(const std::vector<webhooks::StatsRow>& rows, domain::Millis now) override;
    void reclaim_orphans(domain::Millis now);
    void begin_engine_session();  // planner settings and a claimer id, on each new connection
    void take_claimer_lock();     // a new, free claimer id
    bool try_lock(int lock_class, std::int64_t id);  // a session-level advisory lock
    void note_catalogue_version(std::uint64_t version);

    const std::string url_;
    const std::chrono::milliseconds lease_;
    // A request worker's: the event loop's store, which publishes its commits and keeps the
    // catalogue version (null for the loop's own store and the delivery engine's).
    PgStore* const loop_ = nullptr;
    const std::function<void(std::function<void()>)> post_to_loop_;
    std::int64_t claimer_ = 0;          // the delivery engine's: its claims carry this id
    domain::Millis last_reclaim_ = 0;   // of orphaned claims
    std::unordered_set<Id> room_claims_;  // room monitors this instance runs (the loop lane's store)
    std::unordered_set<Id> outcomes_stored_;  // by store_outcomes_ahead: the deliveries it updated
    Id published_up_to_ = 0;  // the last outbox id handed to the bus (event loop only)
    std::atomic<std::uint64_t> catalogue_version_{0};
    std::atomic<bool> publish_requested_{false};
    bool reading_ = false;       // read_new_events: a read is under way (event loop only)
    bool read_again_ = false;    // and another was asked for meanwhile
    std::unique_ptr<LoopLane> lane_;  // the event loop's store: where off_loop's jobs run
    // And where read_new_events reads: the live feed does not wait behind a replay, a room
    // monitor's write or the pruner.
    std::unique_ptr<LoopLane> catch_up_lane_;
    std::unique_ptr<Listener> listener_;
    std::function<void()> room_check_ended_;  // event loop only
};

}  // namespace gp::store::postgres
