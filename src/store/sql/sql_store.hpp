#pragma once
// What the SQL stores share: every Store method whose SQL both SQLite and PostgreSQL
// run unchanged, written once as a template over the connection type (sqlite::Db,
// postgres::Db: prepare/bind/step, changes, last_insert_id, a Transaction). Row
// mapping, validation and event building live here too. SQL is written with SQLite's
// `?` / `?N` placeholders; postgres::Db turns them into `$N`. What differs (schema and
// migrations, the webhook queue queries, leases, retention, outbox ordering, catalogue
// versions) is in the dialect's subclass: sqlite/SqliteStore, postgres/PgStore.
// The member definitions are in store/sql/*.ipp, included by each dialect's store .cpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "events/bus.hpp"
#include "store/store.hpp"

namespace gp::store::sql {

template <class D>
class SqlStore : public Store {
public:
    bool catalogue_empty() override;
    std::vector<domain::Game> list_games(const domain::GameFilter& filter) override;
    std::optional<domain::Game> find_game(Id id) override;
    domain::Game create_game(const domain::GameFields& fields) override;
    domain::Game update_game(Id id, const domain::GameFields& fields) override;
    void delete_game(Id id) override;
    domain::Game toggle_game(Id id) override;
    domain::Game set_game_favor(Id id, int favor_bias) override;
    std::vector<domain::Pack> list_packs() override;
    std::vector<domain::PackMeta> pack_meta() override;
    int set_pack_enabled(const std::string& pack, bool enabled) override;
    domain::Pack set_pack_favor(const std::string& pack, int favor_bias) override;
    int import_games(const std::vector<domain::GameFields>& rows) override;

    std::vector<domain::Session> list_sessions() override;
    std::optional<domain::Session> find_session(Id id) override;
    std::optional<domain::Session> active_session() override;
    domain::Session create_session(const std::optional<std::string>& notes) override;
    domain::Session close_session(Id id, const std::optional<std::string>& notes) override;
    void delete_session(Id id) override;
    std::vector<domain::SessionGame> session_games(Id session_id, const Slice& slice) override;
    std::vector<Id> recent_game_ids(Id session_id, std::optional<std::int64_t> last) override;
    domain::SessionGame load_session_game(Id session_id, Id session_game_id) override;
    domain::SessionGame add_session_game(Id session_id, Id game_id, bool manually_added,
                                         const std::optional<std::string>& room_code) override;
    domain::SessionGame set_session_game_status(Id session_id, Id session_game_id,
                                                domain::PlayStatus status) override;
    void remove_session_game(Id session_id, Id session_game_id) override;
    domain::SessionGame set_room_code(Id session_id, Id session_game_id,
                                      const std::optional<std::string>& room_code) override;
    domain::SessionGame set_player_check(Id session_id, Id session_game_id, bool active) override;
    domain::SessionGame set_player_count(Id session_id, Id session_game_id, int count) override;
    domain::ChatImportResult import_chat(Id session_id, const std::vector<domain::ChatMessage>& messages) override;
    void record_room_event(Id session_id, const std::string& type, std::string data) override;
    void end_player_check(Id session_id, Id session_game_id, bool played) override;

    LiveVoteResult record_live_vote(const LiveVoteInput& vote) override;
    VotePage list_votes(const VoteQuery& query) override;
    std::vector<SessionVoteRow> session_votes(Id session_id) override;
    domain::Stats stats() override;

    std::vector<events::Event> events_after(Id after_id, std::optional<Id> session_id, int limit) override;
    Id published_up_to() override;

    std::vector<webhooks::Webhook> list_webhooks() override;
    std::optional<webhooks::Webhook> find_webhook(Id id) override;
    webhooks::Webhook create_webhook(const webhooks::WebhookFields& fields) override;
    webhooks::Webhook update_webhook(Id id, const webhooks::WebhookPatch& patch) override;
    void delete_webhook(Id id) override;
    webhooks::Webhook rotate_webhook_secret(Id id, const std::string& secret, domain::Millis previous_until) override;
    Id enqueue_test_delivery(Id webhook_id) override;
    Id redeliver(Id webhook_id, Id delivery_id) override;
    int recover_failed_deliveries(Id webhook_id, domain::Millis since) override;
    std::vector<webhooks::AttemptLog> webhook_logs(Id webhook_id, int limit) override;
    std::vector<webhooks::StatsRow> webhook_stats_rows(domain::Millis since) override;
    std::optional<domain::Millis> next_delivery_due(domain::Millis after) override;
    std::size_t record_attempts(std::span<const webhooks::AttemptOutcome> outcomes,
                                const webhooks::DisablePolicy& policy) override;
    int prune_webhook_history(domain::Millis before, int limit) override;

protected:
    template <class... DbArgs>
    explicit SqlStore(const events::Bus* bus, DbArgs&&... db_args)
        : db_(std::forward<DbArgs>(db_args)...), bus_(bus) {}

    using Transaction = typename D::Transaction;
    // Versioned schema migrations: migrations[i] brings the schema to version i + 1; those
    // past the recorded version run, each in its own transaction.
    void apply_migrations(std::span<const char* const> migrations);
    // Every store transaction starts here: events appended by one that rolled back
    // are dropped, so a later commit never publishes them.
    Transaction begin();
    // Outbox: writes the event row (and its webhook deliveries) inside the open
    // transaction; commit() publishes what was appended once the commit succeeded.
    void append_event(std::string type, std::optional<Id> session_id, std::string data);
    void commit(Transaction& tx);

    // --- what the dialects do differently --------------------------------
    // Inserts an outbox row from (type, session_id, timestamp, data), returning its id
    // (PostgreSQL: also takes ids in commit order and notifies the other instances).
    virtual const char* insert_event_sql() {
        return "INSERT INTO events (type, session_id, timestamp, data) VALUES (?, ?, ?, ?) RETURNING id";
    }
    // After the commit of appended events: hands them to the bus.
    virtual void publish_committed(std::vector<events::Event> committed);
    // Every method that changes a games or packs row calls this (sessions and votes
    // too: play_count, upvotes, ...), which invalidates caches keyed by catalogue_version().
    virtual void catalogue_changed() = 0;
    // record_attempts' update of an outcome's delivery (finished or rescheduled) inside its
    // transaction; false if the delivery is gone (deleted with its webhook while in flight).
    // PostgreSQL updates all of a call's deliveries in one statement first (store_outcomes_ahead)
    // and only looks the answer up here.
    virtual void store_outcomes_ahead(std::span<const webhooks::AttemptOutcome>, domain::Millis) {}
    virtual bool store_outcome(const webhooks::AttemptOutcome& o, domain::Millis now);
    // record_attempts' additions to the stats rows of the webhooks (and their last success and
    // failure), inside its transaction. PostgreSQL: a few statements for all of them, as both
    // instances' engines wait for the rows the other one holds until it commits.
    virtual void add_stats(const std::vector<webhooks::StatsRow>& rows, domain::Millis now);
    static const char* outcome_status(const webhooks::AttemptOutcome& o) {
        return o.success ? "delivered" : o.retry_at ? "pending" : "failed";
    }
    // Inside prune_webhook_history's transaction: false leaves the pruning to someone else
    // (PostgreSQL: another instance is at it).
    virtual bool claim_retention() { return true; }

    // The webhook queue from a query of (COUNT(*), MIN(id)) of pending deliveries.
    WebhookQueue webhook_queue_from(const char* count_sql);
    // A delivery of an event stores no body of its own (body = ''): every webhook of the event
    // is sent the event's webhook body, built from its row in the outbox (events are never
    // deleted). Only deliveries without an event (test events) store their body. These are the
    // columns a delivery's body is read from (see delivery_body), with the join they need on a
    // delivery `d`.
    static constexpr const char* kBodyColumns = "d.body, d.event_type, e.id, e.session_id, e.timestamp, e.data";
    static constexpr const char* kBodyJoin = " LEFT JOIN events e ON e.id = d.event_id AND d.body = '' ";
    // The body of a delivery read with kBodyColumns from column `first` on.
    template <class Stmt>
    static std::string delivery_body(const Stmt& st, int first) {
        std::string body = st.text(first);
        if (!body.empty() || !st.opt_int64(first + 2)) return body;
        return events::Event{st.int64(first + 2), st.text(first + 1), st.opt_int64(first + 3), st.int64(first + 4),
                             st.text(first + 5)}
            .webhook_body();
    }
    // Rows of (id, webhook_id, url, secret, previous secret, attempt, options, kBodyColumns), in id
    // order: an event's deliveries come one after another, and its body is built once for them.
    template <class Stmt>
    std::vector<webhooks::PendingDelivery> read_pending(Stmt& st) {
        std::vector<webhooks::PendingDelivery> out;
        while (st.step()) {
            const auto event_id = st.opt_int64(9);  // set when the delivery has no body of its own
            if (event_id && *event_id != last_event_body_.first) last_event_body_ = {*event_id, delivery_body(st, 7)};
            out.push_back({st.int64(0), st.int64(1), st.text(2), st.text(3), st.opt_text(4), st.text(8),
                           event_id ? last_event_body_.second : st.text(7), st.integer(5), st.opt_text(6)});
        }
        return out;
    }

    domain::Session load_session(Id id);  // NotFound "Session not found"
    domain::Game load_game(Id id);        // NotFound "Game not found"
    void ensure_pack(const std::string& name);
    void enqueue_webhook_deliveries(const events::Event& e);
    // Before queuing deliveries: NotFound "Webhook not found", or Conflict "Webhook is
    // disabled; enable it to <to_do>".
    void require_enabled_webhook(Id webhook_id, const char* to_do);

    D db_;
    const events::Bus* bus_;
    std::vector<events::Event> uncommitted_;
    std::pair<Id, std::string> last_event_body_{0, {}};  // read_pending's: (event id, its webhook body)
};

}  // namespace gp::store::sql
