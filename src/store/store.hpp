#pragma once
// The one repository interface. Handlers and the delivery engine talk to this;
// sqlite/ and postgres/ implement it; only app/store_factory knows which one is in use.
//
// Every method that changes something the spec says produces an event writes the
// event to the outbox in the same transaction and, after commit, publishes it on
// the events::Bus handed to the implementation. Methods throw domain::Error for
// client mistakes (unknown ids, rule violations), store::StorageUnavailable
// (store/errors.hpp) when the database cannot be written, and std::runtime_error
// for other store failures.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/chat_import.hpp"
#include "domain/models.hpp"
#include "domain/stats.hpp"
#include "events/event.hpp"
#include "webhooks/model.hpp"
#include "webhooks/stats.hpp"

namespace gp::store {

using domain::Id;

// Rows [offset, offset + limit) of a list; no limit: to its end.
struct Slice {
    std::int64_t offset = 0;
    std::optional<std::int64_t> limit;
};

struct VoteQuery {
    std::optional<Id> session_id;
    std::optional<Id> game_id;
    std::optional<std::string> username;
    std::optional<domain::VoteType> vote_type;
    int page = 1;
    int limit = 50;
};

struct VotePage {
    std::vector<domain::LiveVote> votes;
    int total = 0;
};

struct SessionVoteRow {
    Id game_id = 0;
    std::string title;
    std::string pack_name;
    int upvotes = 0;
    int downvotes = 0;
    int net_score = 0;
    int total_votes = 0;
};

struct LiveVoteInput {
    std::string username;
    domain::VoteType type = domain::VoteType::Up;
    domain::Millis timestamp = 0;
    std::string timestamp_text;  // echoed back as sent
};

struct LiveVoteResult {
    domain::Session session;
    domain::Game game;  // totals after the vote
};

struct WebhookQueue {
    std::int64_t pending = 0;                           // deliveries not yet delivered or given up
    std::optional<domain::Millis> oldest_created_at;  // of the oldest pending one
};

class Store {
public:
    virtual ~Store() = default;

    // --- catalogue -------------------------------------------------------
    virtual bool catalogue_empty() = 0;
    virtual std::vector<domain::Game> list_games(const domain::GameFilter& filter) = 0;
    virtual std::optional<domain::Game> find_game(Id id) = 0;
    virtual domain::Game create_game(const domain::GameFields& fields) = 0;
    virtual domain::Game update_game(Id id, const domain::GameFields& fields) = 0;  // NotFound
    virtual void delete_game(Id id) = 0;                                            // NotFound
    virtual domain::Game toggle_game(Id id) = 0;                                    // NotFound
    virtual domain::Game set_game_favor(Id id, int favor_bias) = 0;                 // NotFound
    virtual std::vector<domain::Pack> list_packs() = 0;
    virtual std::vector<domain::PackMeta> pack_meta() = 0;
    virtual int set_pack_enabled(const std::string& pack, bool enabled) = 0;        // NotFound
    virtual domain::Pack set_pack_favor(const std::string& pack, int favor_bias) = 0;  // NotFound
    // All rows or none: one transaction.
    virtual int import_games(const std::vector<domain::GameFields>& rows) = 0;
    // Changes whenever any games or packs row changes (through this store instance),
    // so callers can cache what they derived from the catalogue.
    virtual std::uint64_t catalogue_version() = 0;

    // --- sessions --------------------------------------------------------
    virtual std::vector<domain::Session> list_sessions() = 0;
    virtual std::optional<domain::Session> find_session(Id id) = 0;
    virtual std::optional<domain::Session> active_session() = 0;
    virtual domain::Session create_session(const std::optional<std::string>& notes) = 0;
    virtual domain::Session close_session(Id id, const std::optional<std::string>& notes) = 0;
    virtual void delete_session(Id id) = 0;
    // In play order (played_at, id). NotFound
    virtual std::vector<domain::SessionGame> session_games(Id session_id, const Slice& slice) = 0;
    // The game ids of a session's games in play order, oldest first: the last `last` of
    // them, or all without it (the picker's repeat avoidance). NotFound "Session not found".
    virtual std::vector<Id> recent_game_ids(Id session_id, std::optional<std::int64_t> last) = 0;
    // One session game; NotFound "Session not found" / "Session game not found".
    virtual domain::SessionGame load_session_game(Id session_id, Id session_game_id) = 0;
    virtual domain::SessionGame add_session_game(Id session_id, Id game_id, bool manually_added,
                                                 const std::optional<std::string>& room_code) = 0;
    virtual domain::SessionGame set_session_game_status(Id session_id, Id session_game_id,
                                                        domain::PlayStatus status) = 0;
    virtual void remove_session_game(Id session_id, Id session_game_id) = 0;
    virtual domain::SessionGame set_room_code(Id session_id, Id session_game_id,
                                              const std::optional<std::string>& room_code) = 0;
    virtual domain::SessionGame set_player_check(Id session_id, Id session_game_id, bool active) = 0;
    virtual domain::SessionGame set_player_count(Id session_id, Id session_game_id, int count) = 0;
    virtual domain::ChatImportResult import_chat(Id session_id,
                                                 const std::vector<domain::ChatMessage>& messages) = 0;
    // The room monitor's writes. An event of the session (room.*, lobby.*, game.*) in the outbox.
    virtual void record_room_event(Id session_id, const std::string& type, std::string data) = 0;
    // The monitor ended: player check off and, when the room's game is over, a playing
    // game becomes played. Nothing happens if the row is gone.
    virtual void end_player_check(Id session_id, Id session_game_id, bool played) = 0;

    // Room monitors across instances: whether this instance may run the session game's
    // monitor (PostgreSQL: an advisory lock of this connection, held until released or the
    // connection ends, so a dead instance's monitors can be adopted; SQLite: always).
    virtual bool claim_room_monitor(Id session_game_id) = 0;
    virtual void release_room_monitor(Id session_game_id) = 0;  // and drops its shared status
    // The running monitor's game.status object, for the instances that do not run it
    // (PostgreSQL: kept while the monitor's claim is held; SQLite: one process, nothing kept).
    virtual void share_room_status(Id session_game_id, const std::string& status) = 0;
    // A check was ended through an instance that does not run its monitor: the instances are
    // told (PostgreSQL: NOTIFY), and each calls on_room_check_ended (on the event loop), so the
    // one that runs it ends it now instead of at its next reconciliation. SQLite: no-ops.
    virtual void announce_room_check_ended() {}
    virtual void on_room_check_ended(std::function<void()>) {}
    virtual std::optional<std::string> shared_room_status(Id session_game_id) = 0;

    // --- votes and stats -------------------------------------------------
    virtual LiveVoteResult record_live_vote(const LiveVoteInput& vote) = 0;
    virtual VotePage list_votes(const VoteQuery& query) = 0;
    virtual std::vector<SessionVoteRow> session_votes(Id session_id) = 0;  // NotFound
    virtual domain::Stats stats() = 0;

    // --- outbox ----------------------------------------------------------
    // Events with id > after_id, oldest first; session_id filters to one session's events.
    virtual std::vector<events::Event> events_after(Id after_id, std::optional<Id> session_id,
                                                    int limit) = 0;
    // The event loop's store: the last outbox id it has handed to the bus (PostgreSQL: a commit
    // of a request worker or of another instance is visible before the loop publishes it;
    // SQLite publishes at commit, on the loop: the last id). A WebSocket replay reads up to it
    // and holds back the live events after it meanwhile: each event once, in order.
    virtual Id published_up_to() = 0;

    // --- the event loop's own database work --------------------------------
    // What the loop asks the store itself (WebSocket replays, the room monitors' writes, history
    // pruning, the outbox catch-up) goes through here, so the loop never waits for the network:
    // PostgreSQL runs the jobs on a thread with a connection of its own, one at a time in the
    // order given, and posts what each returns to the loop; SQLite (a local file, one writer)
    // runs the job at once on this connection and then what it returned. A job gets the
    // connection to use and captures no loop object (it may be destroyed on the other thread);
    // it catches what its statements throw. Call on the event loop only.
    using LoopJob = std::function<std::function<void()>(Store&)>;
    virtual void off_loop(LoopJob job) {
        if (auto then = job(*this)) then();
    }

    // --- webhooks --------------------------------------------------------
    virtual std::vector<webhooks::Webhook> list_webhooks() = 0;
    virtual std::optional<webhooks::Webhook> find_webhook(Id id) = 0;
    virtual webhooks::Webhook create_webhook(const webhooks::WebhookFields& fields) = 0;
    virtual webhooks::Webhook update_webhook(Id id, const webhooks::WebhookPatch& patch) = 0;
    virtual void delete_webhook(Id id) = 0;  // and its deliveries and logs
    // Replaces the secret; the current one stays valid (deliveries carry both signatures)
    // until previous_until.
    virtual webhooks::Webhook rotate_webhook_secret(Id id, const std::string& secret, domain::Millis previous_until) = 0;
    // Queues a dummy game.added for one webhook; returns the delivery id.
    virtual Id enqueue_test_delivery(Id webhook_id) = 0;
    // Queues a fresh delivery with the same body as a logged one; returns its id.
    virtual Id redeliver(Id webhook_id, Id delivery_id) = 0;
    // Queues every failed delivery of a webhook created at or after `since` again, as new
    // deliveries in event order; returns how many.
    virtual int recover_failed_deliveries(Id webhook_id, domain::Millis since) = 0;
    virtual std::vector<webhooks::AttemptLog> webhook_logs(Id webhook_id, int limit) = 0;
    // The stats rows (webhooks/stats.hpp) of hours starting at or after `since`, of every webhook.
    virtual std::vector<webhooks::StatsRow> webhook_stats_rows(domain::Millis since) = 0;
    // Delivery engine side. Pending deliveries of enabled webhooks due at `now`: at most
    // per_webhook_limit per webhook (so one backlogged receiver cannot hide the others),
    // ordered by (next_attempt_at, id), at most claim_limit (the engine's free slots), the oldest
    // first. What it hands out is claimed until its outcome is recorded or it is released
    // (PostgreSQL: in the database, for every instance; SQLite: in the engine connection's memory).
    virtual std::vector<webhooks::PendingDelivery> due_deliveries(domain::Millis now, int per_webhook_limit,
                                                                  int claim_limit) = 0;
    // Deliveries due_deliveries handed out that the engine does not send now (no free slot,
    // or the webhook is held back): (delivery id, when it is due again, for any instance).
    virtual void release_deliveries(std::span<const std::pair<Id, domain::Millis>> unsent) = 0;
    // The earliest next_attempt_at later than `after` of a pending delivery of an enabled webhook.
    virtual std::optional<domain::Millis> next_delivery_due(domain::Millis after) = 0;
    // One transaction, for outcomes from the front: logs each attempt, finishes or
    // reschedules its delivery (outcomes of deliveries deleted meanwhile are dropped), counts
    // a webhook's failed deliveries in a row and how long it has been failing, and disables it
    // as `policy` or an outcome's disable_reason says; adds the stored ones to the stats rows
    // (webhooks::stats_rows; a webhook's rows older than the stats window go when it starts an
    // hour) and the webhooks' last_success_at / last_failure_at. Returns how many it stored, the first
    // ones: all, or fewer (at least one; SQLite stores a few per turn of the event loop); the caller
    // stores the rest later.
    virtual std::size_t record_attempts(std::span<const webhooks::AttemptOutcome> outcomes,
                                        const webhooks::DisablePolicy& policy) = 0;
    // The pending deliveries, for the metrics.
    virtual WebhookQueue webhook_queue() = 0;
    // Deletes up to `limit` finished (delivered or failed) deliveries created before
    // `before`, with their logs; returns how many. Pending ones are never touched.
    virtual int prune_webhook_history(domain::Millis before, int limit) = 0;

    // From another thread: cancels the statement this connection is running, if any (it fails
    // with an error). PostgreSQL's request workers at shutdown; SQLite has none.
    virtual void interrupt() {}
};

// Opens a store connection for the thread that calls it (app/store_factory makes these).
using StoreOpener = std::function<std::unique_ptr<Store>()>;

}  // namespace gp::store
