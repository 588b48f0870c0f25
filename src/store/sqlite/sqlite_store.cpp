#include "store/sqlite/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

namespace gp::store::sqlite {

namespace {

// Versioned schema migrations: entry i brings the schema to version i + 1.
// Append only; never edit an entry that has shipped.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE packs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  favor_bias INTEGER NOT NULL DEFAULT 0 CHECK (favor_bias IN (-1, 0, 1)),
  created_at INTEGER NOT NULL
);
CREATE TABLE games (
  id INTEGER PRIMARY KEY,
  pack_name TEXT NOT NULL,
  title TEXT NOT NULL,
  min_players INTEGER NOT NULL,
  max_players INTEGER NOT NULL,
  length_minutes INTEGER,
  has_audience INTEGER NOT NULL DEFAULT 0,
  family_friendly INTEGER NOT NULL DEFAULT 0,
  game_type TEXT,
  secondary_type TEXT,
  play_count INTEGER NOT NULL DEFAULT 0,
  popularity_score INTEGER NOT NULL DEFAULT 0,
  upvotes INTEGER NOT NULL DEFAULT 0,
  downvotes INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  favor_bias INTEGER NOT NULL DEFAULT 0 CHECK (favor_bias IN (-1, 0, 1)),
  created_at INTEGER NOT NULL
);
CREATE INDEX games_by_pack ON games (pack_name, title);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  notes TEXT,
  is_active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE UNIQUE INDEX sessions_one_active ON sessions (is_active) WHERE is_active = 1;
CREATE TABLE session_games (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  game_id INTEGER NOT NULL REFERENCES games (id) ON DELETE CASCADE,
  played_at INTEGER NOT NULL,
  manually_added INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'playing' CHECK (status IN ('playing', 'played', 'skipped')),
  room_code TEXT,
  player_count INTEGER,
  player_check INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX session_games_by_session ON session_games (session_id, played_at, id);
CREATE INDEX session_games_by_game ON session_games (game_id);
-- At most one game per session is playing; demoting it must not scan the session.
CREATE INDEX session_games_playing ON session_games (session_id) WHERE status = 'playing';
CREATE TABLE live_votes (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  game_id INTEGER NOT NULL REFERENCES games (id) ON DELETE CASCADE,
  username TEXT NOT NULL,
  vote_type INTEGER NOT NULL CHECK (vote_type IN (1, -1)),
  timestamp INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX live_votes_by_time ON live_votes (timestamp DESC, id DESC);
CREATE INDEX live_votes_by_user ON live_votes (username, timestamp);
CREATE INDEX live_votes_by_session ON live_votes (session_id, game_id);
CREATE TABLE chat_votes (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  session_game_id INTEGER NOT NULL REFERENCES session_games (id) ON DELETE CASCADE,
  username TEXT NOT NULL,
  vote_type INTEGER NOT NULL CHECK (vote_type IN (1, -1)),
  timestamp INTEGER NOT NULL,
  UNIQUE (session_id, username, timestamp, vote_type)
);
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  session_id INTEGER,
  timestamp INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_by_session ON events (session_id, id);
-- Webhook, delivery and log ids are never reused (AUTOINCREMENT): a delivery id is the
-- receivers' de-duplication key (webhook-id: msg_<id>), and the delivery engine may still
-- hold the id of a delivery deleted with its webhook.
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  disabled_at INTEGER
);
CREATE TABLE webhook_events (
  webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  PRIMARY KEY (event_type, webhook_id)
);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id INTEGER,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
-- The engine reads each enabled webhook's pending deliveries in due order.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, next_attempt_at, id)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id);
-- Retention removes finished deliveries oldest first.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE status <> 'pending';
CREATE TABLE webhook_logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_body TEXT,
  duration_ms INTEGER NOT NULL,
  success INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_logs_by_hook ON webhook_logs (webhook_id, id DESC);
CREATE INDEX webhook_logs_by_delivery ON webhook_logs (delivery_id);
)sql",
    // Fewer indexes to update per delivery, for webhook bursts. One full index
    // serves the due queries (finished deliveries have no next_attempt_at, so a
    // range on it finds pending ones only) and the cascade from webhooks; retention
    // walks the rowid, which follows created_at.
    R"sql(
DROP INDEX webhook_deliveries_pending;
DROP INDEX webhook_deliveries_by_hook;
DROP INDEX webhook_deliveries_finished;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at, id);
)sql",
    // A session's game count kept with the session: counting its session_games on every
    // read made adding a game cost more the longer the session was.
    R"sql(
ALTER TABLE sessions ADD COLUMN games_played INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET games_played = (SELECT COUNT(*) FROM session_games sg WHERE sg.session_id = sessions.id);
)sql",
    // Webhooks: secret rotation (the previous secret signs too until previous_secret_until),
    // why a webhook was disabled, and since when all its attempts have failed.
    R"sql(
ALTER TABLE webhooks ADD COLUMN previous_secret TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_until INTEGER;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT;
ALTER TABLE webhooks ADD COLUMN failing_since INTEGER;
)sql",
    // Ordered webhooks: one delivery at a time, in event order.
    R"sql(
ALTER TABLE webhooks ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
)sql",
    // Webhooks: delivery options as one JSON text (webhooks/options.hpp; NULL = defaults), and
    // the record's stats: one row per webhook and hour (webhooks/stats.hpp) plus the last times.
    R"sql(
ALTER TABLE webhooks ADD COLUMN options TEXT;
ALTER TABLE webhooks ADD COLUMN last_success_at INTEGER;
ALTER TABLE webhooks ADD COLUMN last_failure_at INTEGER;
CREATE TABLE webhook_stats (
  webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  hour INTEGER NOT NULL,
  delivered INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  latency TEXT NOT NULL,
  PRIMARY KEY (webhook_id, hour)
) WITHOUT ROWID;
)sql",
};

}  // namespace

SqliteStore::SqliteStore(const std::string& path, const events::Bus* bus, Role role,
                         std::shared_ptr<LoopWriter> loop_writer)
    : SqlStore(bus, path, role == Role::EventLoop ? Db::Role::EventLoop : Db::Role::Background),
      role_(role),
      loop_writer_(std::move(loop_writer)) {
    migrate();
    if (role == Role::EventLoop)
        checkpointer_ = Checkpointer::start(path, db_);
    else if ((checkpointer_ = Checkpointer::of(path)))
        checkpointer_->watch(db_);
}

SqliteStore::~SqliteStore() {
    if (!checkpointer_) return;
    sqlite3_wal_hook(db_.handle(), nullptr, nullptr);
    checkpointer_.reset();
    if (role_ != Role::EventLoop) return;
    if (sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) != SQLITE_OK)
        spdlog::warn("msg=\"final wal checkpoint failed\" error=\"{}\"", sqlite3_errmsg(db_.handle()));
}

void SqliteStore::migrate() {
    apply_migrations(kMigrations);
    use_plain_status_checks();
}

// SQLite 3.40 evaluates `status IN ('a', 'b', 'c')` (three constants or more) through a temporary
// b-tree that it builds for every row it checks: on every insert into session_games and
// webhook_deliveries and every change of their status. That was a sixth of the instructions of
// POST …/games, and a third of its store work with ten webhooks (callgrind). The same checks
// written as ORs build nothing. Only the constraints' text changes, no stored row, which SQLite
// allows as an edit of sqlite_schema (https://sqlite.org/lang_altertable.html, "making other
// kinds of table schema changes"); the new schema_version makes every connection, this one too,
// read the new text. Kept apart from the numbered migrations because it needs the
// schema_version read first; it finds nothing to do once done.
void SqliteStore::use_plain_status_checks() {
    static constexpr std::pair<std::string_view, std::string_view> kChecks[] = {
        {"CHECK (status IN ('playing', 'played', 'skipped'))",
         "CHECK (status = 'playing' OR status = 'played' OR status = 'skipped')"},
        {"CHECK (status IN ('pending', 'delivered', 'failed'))",
         "CHECK (status = 'pending' OR status = 'delivered' OR status = 'failed')"},
    };
    const auto tables_with = [this](std::string_view text) {
        auto st = db_.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND instr(sql, ?) > 0");
        st.bind_all(text);
        st.step();
        return st.int64(0);
    };
    if (std::none_of(std::begin(kChecks), std::end(kChecks), [&](const auto& c) { return tables_with(c.first) > 0; }))
        return;
    try {
        Transaction tx(db_);
        std::int64_t version = 0;
        {
            auto st = db_.prepare("PRAGMA schema_version");
            if (st.step()) version = st.int64(0);
        }
        db_.exec("PRAGMA writable_schema = ON");
        for (const auto& [before, after] : kChecks)
            db_.prepare("UPDATE sqlite_schema SET sql = replace(sql, ?1, ?2) WHERE type = 'table' AND instr(sql, ?1) > 0")
                .bind_all(before, after)
                .exec();
        db_.exec("PRAGMA schema_version = " + std::to_string(version + 1));
        db_.exec("PRAGMA writable_schema = OFF");
        tx.commit();
        spdlog::info("msg=\"status checks rewritten without IN lists\"");
    } catch (const std::exception& e) {
        // Refused (e.g. SQLite in defensive mode): the IN checks stay, correct but slower.
        db_.exec("PRAGMA writable_schema = OFF");
        spdlog::warn("msg=\"status checks not rewritten\" error=\"{}\"", e.what());
    }
}

std::uint64_t SqliteStore::catalogue_version() { return catalogue_version_; }

void SqliteStore::catalogue_changed() { ++catalogue_version_; }

namespace {

// A claim the engine never gave back (it cannot happen, but would hide a delivery until a
// restart) lapses after this; the engine's in-flight set still keeps it from being sent twice.
constexpr domain::Millis kClaimLapseMs = 15 * 60 * 1000;
// A request arriving during an outcome write waits for it: with 6 per write instead of 16 the
// API's p99 during a burst was lower in 5 of 7 alternating pairs (median 2.33 against 2.69 ms),
// deliveries kept up as well, and the engine's drain stayed within 2%.
constexpr std::size_t kOutcomesPerLoopTurn = 6;

std::string json_ids(const std::vector<Id>& ids) {
    std::string out = "[";
    for (const Id id : ids) out.append(out.size() > 1 ? "," : "").append(std::to_string(id));
    return out + "]";
}

}  // namespace

// Two steps: the due deliveries' ids (from the due index only), then the rows of those handed
// out. CROSS JOIN keeps webhooks the outer loop: with a plain JOIN SQLite may scan every delivery
// (finished ones too) and run the subquery per row, which made each call cost more the longer
// the history was. Only pending deliveries have a next_attempt_at, so the first step asks no
// status: it reads the due index alone, not the row of every delivery in flight.
std::vector<webhooks::PendingDelivery> SqliteStore::due_deliveries(domain::Millis now, int per_webhook_limit,
                                                                   int claim_limit) {
    std::vector<Id> claimed;
    for (auto it = claims_.begin(); it != claims_.end();) {
        if (now - it->second.at < kClaimLapseMs) {
            claimed.push_back(it->first);
            ++it;
        } else {
            if (--claims_per_webhook_[it->second.webhook_id] == 0) claims_per_webhook_.erase(it->second.webhook_id);
            it = claims_.erase(it);
        }
    }
    auto due = db_.prepare(
        "SELECT d.id, d.webhook_id FROM webhooks w CROSS JOIN webhook_deliveries d ON d.id IN ("
        "  SELECT p.id FROM webhook_deliveries p "
        "  WHERE p.webhook_id = w.id AND p.next_attempt_at <= ?1 "
        "    AND p.id NOT IN (SELECT value FROM json_each(?3)) "
        "  ORDER BY p.next_attempt_at, p.id LIMIT ?2) "
        "WHERE w.enabled = 1 AND w.ordered = 0 "
        "UNION ALL "
        // An ordered webhook's oldest pending delivery, once due and not out already; the next only
        // after its outcome is stored (only pending deliveries have a next_attempt_at).
        "SELECT d.id, d.webhook_id FROM webhooks w JOIN webhook_deliveries d ON d.id = ("
        "  SELECT min(p.id) FROM webhook_deliveries p WHERE p.webhook_id = w.id AND p.next_attempt_at IS NOT NULL) "
        "WHERE w.enabled = 1 AND w.ordered = 1 AND d.next_attempt_at <= ?1 "
        "  AND d.id NOT IN (SELECT value FROM json_each(?3)) "
        "ORDER BY 1");
    due.bind_all(now, per_webhook_limit, json_ids(claimed));
    // The oldest first, each webhook up to its share with what it has out already.
    std::vector<Id> chosen;
    std::unordered_map<Id, int> out_per_webhook;
    while (static_cast<int>(chosen.size()) < claim_limit && due.step()) {
        const Id id = due.int64(0), webhook_id = due.int64(1);
        int& out = out_per_webhook.try_emplace(webhook_id, 0).first->second;
        if (out == 0) {
            const auto it = claims_per_webhook_.find(webhook_id);
            out = it == claims_per_webhook_.end() ? 0 : it->second;
        }
        if (out >= per_webhook_limit) continue;
        ++out;
        chosen.push_back(id);
    }
    if (chosen.empty()) return {};
    auto rows = db_.prepare(std::string("SELECT d.id, d.webhook_id, w.url, w.secret, "
                                        "CASE WHEN w.previous_secret_until > ?1 THEN w.previous_secret END, "
                                        "d.attempts + 1, w.options, ") +
                            kBodyColumns + " FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id" +
                            kBodyJoin +
                            "WHERE d.id IN (SELECT value FROM json_each(?2)) AND w.enabled = 1 "
                            "AND d.next_attempt_at <= ?1 ORDER BY d.id");
    rows.bind_all(now, json_ids(chosen));
    auto pending = read_pending(rows);
    for (const auto& d : pending)
        if (claims_.try_emplace(d.id, Claim{d.webhook_id, now}).second) ++claims_per_webhook_[d.webhook_id];
    return pending;
}

void SqliteStore::unclaim(Id delivery_id) {
    const auto it = claims_.find(delivery_id);
    if (it == claims_.end()) return;
    if (--claims_per_webhook_[it->second.webhook_id] == 0) claims_per_webhook_.erase(it->second.webhook_id);
    claims_.erase(it);
}

void SqliteStore::release_deliveries(std::span<const std::pair<Id, domain::Millis>> unsent) {
    for (const auto& [id, due_at] : unsent) unclaim(id);
}

std::size_t SqliteStore::record_attempts(std::span<const webhooks::AttemptOutcome> outcomes,
                                         const webhooks::DisablePolicy& policy) {
    // On the event loop, a few outcomes per turn: a request waits behind that many at most.
    const auto part = loop_writer_ ? outcomes.first(std::min(outcomes.size(), kOutcomesPerLoopTurn)) : outcomes;
    std::size_t stored = 0;
    try {
        stored = loop_writer_ ? loop_writer_->run([&](SqliteStore& s) { return s.SqlStore::record_attempts(part, policy); },
                                                  *this)
                              : SqlStore::record_attempts(part, policy);
    } catch (...) {
        // Not stored: the engine leaves these deliveries pending, to be sent again.
        for (const auto& o : part) unclaim(o.delivery_id);
        throw;
    }
    for (const auto& o : part.first(stored)) unclaim(o.delivery_id);
    return stored;
}

WebhookQueue SqliteStore::webhook_queue() {
    // Only pending deliveries have a next_attempt_at, so each webhook's range of the due
    // index holds just its pending ones: the query reads no finished delivery (CROSS JOIN
    // keeps webhooks the outer loop; SQLite would otherwise scan the whole index).
    return webhook_queue_from("SELECT COUNT(*), MIN(d.id) FROM webhooks w CROSS JOIN webhook_deliveries d "
                              "ON d.webhook_id = w.id AND d.next_attempt_at IS NOT NULL");
}


}  // namespace gp::store::sqlite

// The SQL both stores share, for SQLite.
#include "store/sql/games.ipp"
#include "store/sql/outbox.ipp"
#include "store/sql/sessions.ipp"
#include "store/sql/votes.ipp"
#include "store/sql/webhooks.ipp"

template class gp::store::sql::SqlStore<gp::store::sqlite::Db>;
