#pragma once
// SQLite implementation of store::Store. One connection per instance: the event
// loop owns one, the webhook delivery engine opens its own (WAL lets them overlap).
// The implementation is split by area: sqlite_store.cpp (open, migrations, outbox),
// sqlite_games.cpp, sqlite_sessions.cpp, sqlite_votes.cpp, sqlite_webhooks.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "events/bus.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace gp::store::sqlite {

class SqliteStore final : public Store {
public:
    // bus may be null (a connection that never commits events, e.g. the delivery engine's).
    // EventLoop: the connection that answers the API. It checkpoints on a thread of its own,
    // so its commits never wait for an fsync, and it gets the write lock first (Db::Priority).
    // Background (the delivery engine's): SQLite's automatic checkpoints run in its own
    // commits, and its write transactions end early when the event loop waits.
    enum class Role { EventLoop, Background };
    SqliteStore(const std::string& path, const events::Bus* bus, Role role);
    // The event loop's store, closed last at shutdown, checkpoints the whole WAL
    // into the database and truncates it, so a stopped server leaves one file.
    ~SqliteStore() override;

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
    std::uint64_t catalogue_version() override;

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
    std::vector<webhooks::PendingDelivery> due_deliveries(domain::Millis now, int per_webhook_limit) override;
    std::optional<domain::Millis> next_delivery_due(domain::Millis after) override;
    WebhookQueue webhook_queue() override;
    int prune_webhook_history(domain::Millis before, int limit) override;
    std::size_t record_attempts(std::span<const webhooks::AttemptOutcome> outcomes,
                                const webhooks::DisablePolicy& policy) override;

private:
    void migrate();
    // Outbox: writes the event row (and its webhook deliveries) inside the open
    // transaction; commit() publishes what was appended once the commit succeeded.
    void append_event(std::string type, std::optional<Id> session_id, std::string data);
    void commit(Transaction& tx);
    // Every store transaction starts here: events appended by one that rolled back
    // are dropped, so a later commit never publishes them.
    Transaction begin();
    void enqueue_webhook_deliveries(const events::Event& e);  // sqlite_webhooks.cpp

    domain::Session load_session(Id id);  // NotFound "Session not found"
    domain::Game load_game(Id id);        // NotFound "Game not found"
    void ensure_pack(const std::string& name);
    // Every method that changes a games or packs row calls this (sessions and votes
    // too: play_count, upvotes, ...), which invalidates caches keyed by catalogue_version().
    void catalogue_changed();

    Db db_;
    const events::Bus* bus_;
    std::vector<events::Event> uncommitted_;
    std::uint64_t catalogue_version_ = 0;
    std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace gp::store::sqlite
