#include "store/postgres/pg_store.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <type_traits>
#include <random>

#include "store/postgres/listener.hpp"
#include "store/postgres/loop_lane.hpp"

namespace gp::store::postgres {

namespace {

// Advisory lock keys (one namespace per database): start-up (migrations, seeding), the
// outbox (event ids in commit order), webhook history retention.
constexpr std::int64_t kStartupLock = 0x67700001;
constexpr std::int64_t kOutboxLock = 0x67700002;
constexpr std::int64_t kRetentionLock = 0x67700003;
// Delivery claimers: pg_advisory_lock(kClaimerLockClass, claimer id), held by the engine's connection.
constexpr int kClaimerLockClass = 0x6770;
// Room monitors: pg_advisory_lock(kRoomMonitorLockClass, session game id), held by the loop lane's connection.
constexpr int kRoomMonitorLockClass = 0x6771;
constexpr domain::Millis kReclaimIntervalMs = 1000;
// The largest event data a notification carries (its payload must stay under 8,000 bytes).
constexpr int kMaxNotifiedData = 7600;
constexpr int kReadBatch = 500;  // outbox rows read_new_events reads at a time

constexpr const char* kEventsChannel = "gamepicker_events";
constexpr const char* kCatalogueChannel = "gamepicker_catalogue";
constexpr const char* kRoomsChannel = "gamepicker_rooms";

// Versioned schema migrations: entry i brings the schema to version i + 1. Append only.
// The tables and columns are SQLite's (sqlite_store.cpp, as of its migration 5), so the
// shared SQL runs on both: integers for booleans, milliseconds since the epoch in BIGINT,
// text compared byte by byte (COLLATE "C", as SQLite's BINARY) so lists sort the same.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE packs (
  id BIGSERIAL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  favor_bias INTEGER NOT NULL DEFAULT 0 CHECK (favor_bias IN (-1, 0, 1)),
  created_at BIGINT NOT NULL
);
CREATE TABLE games (
  id BIGSERIAL PRIMARY KEY,
  pack_name TEXT COLLATE "C" NOT NULL,
  title TEXT COLLATE "C" NOT NULL,
  min_players INTEGER NOT NULL,
  max_players INTEGER NOT NULL,
  length_minutes INTEGER,
  has_audience INTEGER NOT NULL DEFAULT 0,
  family_friendly INTEGER NOT NULL DEFAULT 0,
  game_type TEXT COLLATE "C",
  secondary_type TEXT COLLATE "C",
  play_count INTEGER NOT NULL DEFAULT 0,
  popularity_score INTEGER NOT NULL DEFAULT 0,
  upvotes INTEGER NOT NULL DEFAULT 0,
  downvotes INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  favor_bias INTEGER NOT NULL DEFAULT 0 CHECK (favor_bias IN (-1, 0, 1)),
  created_at BIGINT NOT NULL
);
CREATE INDEX games_by_pack ON games (pack_name, title);
CREATE TABLE sessions (
  id BIGSERIAL PRIMARY KEY,
  notes TEXT COLLATE "C",
  is_active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  closed_at BIGINT,
  games_played INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sessions_one_active ON sessions (is_active) WHERE is_active = 1;
CREATE TABLE session_games (
  id BIGSERIAL PRIMARY KEY,
  session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  game_id BIGINT NOT NULL REFERENCES games (id) ON DELETE CASCADE,
  played_at BIGINT NOT NULL,
  manually_added INTEGER NOT NULL DEFAULT 0,
  status TEXT COLLATE "C" NOT NULL DEFAULT 'playing' CHECK (status IN ('playing', 'played', 'skipped')),
  room_code TEXT COLLATE "C",
  player_count INTEGER,
  player_check INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX session_games_by_session ON session_games (session_id, played_at, id);
CREATE INDEX session_games_by_game ON session_games (game_id);
CREATE INDEX session_games_playing ON session_games (session_id) WHERE status = 'playing';
CREATE TABLE live_votes (
  id BIGSERIAL PRIMARY KEY,
  session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  game_id BIGINT NOT NULL REFERENCES games (id) ON DELETE CASCADE,
  username TEXT COLLATE "C" NOT NULL,
  vote_type INTEGER NOT NULL CHECK (vote_type IN (1, -1)),
  timestamp BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX live_votes_by_time ON live_votes (timestamp DESC, id DESC);
CREATE INDEX live_votes_by_user ON live_votes (username, timestamp);
CREATE INDEX live_votes_by_session ON live_votes (session_id, game_id);
CREATE TABLE chat_votes (
  id BIGSERIAL PRIMARY KEY,
  session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  session_game_id BIGINT NOT NULL REFERENCES session_games (id) ON DELETE CASCADE,
  username TEXT COLLATE "C" NOT NULL,
  vote_type INTEGER NOT NULL CHECK (vote_type IN (1, -1)),
  timestamp BIGINT NOT NULL,
  UNIQUE (session_id, username, timestamp, vote_type)
);
CREATE INDEX chat_votes_by_session_game ON chat_votes (session_game_id);
-- Ids are taken under an advisory lock held to the commit (insert_event_sql), so they become visible in id order.
CREATE TABLE events (
  id BIGSERIAL PRIMARY KEY,
  type TEXT COLLATE "C" NOT NULL,
  session_id BIGINT,
  timestamp BIGINT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_by_session ON events (session_id, id);
CREATE TABLE webhooks (
  id BIGSERIAL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  disabled_at BIGINT,
  previous_secret TEXT,
  previous_secret_until BIGINT,
  disabled_reason TEXT,
  failing_since BIGINT,
  ordered INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE webhook_events (
  webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_type TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (event_type, webhook_id)
);
CREATE INDEX webhook_events_by_hook ON webhook_events (webhook_id);
CREATE TABLE webhook_deliveries (
  id BIGSERIAL PRIMARY KEY,
  webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id BIGINT,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at, id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (id) WHERE status <> 'pending';
CREATE TABLE webhook_logs (
  id BIGSERIAL PRIMARY KEY,
  webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_body TEXT,
  duration_ms INTEGER NOT NULL,
  success INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX webhook_logs_by_hook ON webhook_logs (webhook_id, id DESC);
CREATE INDEX webhook_logs_by_delivery ON webhook_logs (delivery_id);
-- Bumped with every catalogue change by any instance (catalogue_version()).
CREATE TABLE catalogue_version (one INTEGER PRIMARY KEY CHECK (one = 1), version BIGINT NOT NULL);
INSERT INTO catalogue_version VALUES (1, 1);
)sql",
    // Who claimed a delivery (the claimer's advisory lock is held while it lives), so the
    // claims of an instance that died are taken over at once instead of after the lease.
    R"sql(
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by BIGINT;
CREATE INDEX webhook_deliveries_claimed ON webhook_deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
)sql",
    // SQLite's migration 6: webhook delivery options (JSON text, NULL = defaults), the last
    // success and failure, and one stats row per webhook and hour.
    R"sql(
ALTER TABLE webhooks ADD COLUMN options TEXT;
ALTER TABLE webhooks ADD COLUMN last_success_at BIGINT;
ALTER TABLE webhooks ADD COLUMN last_failure_at BIGINT;
CREATE TABLE webhook_stats (
  webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  hour BIGINT NOT NULL,
  delivered BIGINT NOT NULL,
  failed BIGINT NOT NULL,
  latency TEXT NOT NULL,
  PRIMARY KEY (webhook_id, hour)
);
)sql",
    // The game.status object of each running room monitor, for the instances that do not run it.
    R"sql(
CREATE TABLE room_status (session_game_id BIGINT PRIMARY KEY, data TEXT NOT NULL);
)sql",
};

// A PostgreSQL array literal of the values (NULL for an empty optional; text elements quoted,
// they hold no quote or backslash here).
template <class T>
std::string array_of(const std::vector<T>& values) {
    std::string out = "{";
    for (const auto& v : values) {
        if (out.size() > 1) out += ',';
        if constexpr (std::is_same_v<T, std::string>) out.append("\"").append(v).append("\"");
        else if constexpr (std::is_same_v<T, std::optional<domain::Millis>>) out += v ? std::to_string(*v) : "NULL";
        else out += std::to_string(v);
    }
    return out + "}";
}

}  // namespace

PgStore::PgStore(const std::string& url, const events::Bus* bus, std::chrono::milliseconds lease)
    : SqlStore(bus, url), url_(url), lease_(lease) {
    migrate();
    if (!bus) {  // the delivery engine's connection: it claims deliveries under an id of its own
        begin_engine_session();
        // A new database session after a lost connection claims under a new id: the claims
        // made under the old one (outcomes the engine could not store while the database was
        // gone among them) are orphans, due again at once: at least once, never stuck until
        // their lease runs out.
        db_.on_reconnect([this] { begin_engine_session(); });
    }
    auto st = db_.prepare("SELECT (SELECT COALESCE(MAX(id), 0) FROM events), (SELECT version FROM catalogue_version)");
    st.step();
    published_up_to_ = st.int64(0);
    catalogue_version_ = static_cast<std::uint64_t>(st.int64(1));
}

PgStore::PgStore(PgStore& loop, std::function<void(std::function<void()>)> post_to_loop)
    : SqlStore(nullptr, loop.url_), url_(loop.url_), lease_(loop.lease_), loop_(&loop),
      post_to_loop_(std::move(post_to_loop)) {
    // The loop lane's connection holds the room monitors' claims.
    db_.on_reconnect([this] {
        for (const Id id : room_claims_)
            if (!try_lock(kRoomMonitorLockClass, id))
                spdlog::warn("msg=\"room monitor claim lost with the connection\" session_game={}", id);
    });
}

PgStore::~PgStore() {
    listener_.reset();
    catch_up_lane_.reset();  // after the listener: nothing asks it for more
    lane_.reset();
}

// The engine reads the oldest few of each webhook's due deliveries. When the queue grew fast
// (a burst, a receiver that was down) the statistics still describe a short one, and the
// planner, expecting a few rows, fetched every due row with a bitmap scan and sorted them:
// each claim cost grew with the backlog (76 ms for 50,000). Without bitmap scans it walks the
// due index in order and stops at the limit.
void PgStore::begin_engine_session() {
    db_.exec("SET enable_bitmapscan = off");
    take_claimer_lock();
}

void PgStore::take_claimer_lock() {
    std::random_device random;
    for (;;) {
        const std::int64_t id = std::uniform_int_distribution<std::int64_t>(1, 0x7fffffff)(random);
        if (try_lock(kClaimerLockClass, id)) {
            claimer_ = id;
            return;
        }
    }
}

void PgStore::exclusively(const std::function<void()>& f) {
    db_.prepare("SELECT pg_advisory_lock(?)").bind(1, kStartupLock).exec();
    try {
        f();
    } catch (...) {
        db_.prepare("SELECT pg_advisory_unlock(?)").bind(1, kStartupLock).exec();
        throw;
    }
    db_.prepare("SELECT pg_advisory_unlock(?)").bind(1, kStartupLock).exec();
}

void PgStore::migrate() {
    exclusively([this] { apply_migrations(kMigrations); });
}

void PgStore::follow_cluster(std::function<void(std::function<void()>)> post_to_loop) {
    lane_ = std::make_unique<LoopLane>(std::make_unique<PgStore>(*this, post_to_loop), post_to_loop);
    catch_up_lane_ = std::make_unique<LoopLane>(std::make_unique<PgStore>(*this, post_to_loop), post_to_loop);
    // The notification only says "look": one request to the loop at a time, however many arrive.
    auto request_publish = [this, post_to_loop] {
        if (!publish_requested_.exchange(true)) post_to_loop([this] {
                publish_requested_ = false;
                read_new_events();
            });
    };
    listener_ = std::make_unique<Listener>(
        url_, std::vector<std::string>{kEventsChannel, kCatalogueChannel, kRoomsChannel},
        [this, request_publish, post_to_loop](const std::string& channel, const std::string& payload) {
            if (channel == kCatalogueChannel) return note_catalogue_version(std::strtoull(payload.c_str(), nullptr, 10));
            if (channel == kRoomsChannel)
                return post_to_loop([this] {
                    if (room_check_ended_) room_check_ended_();
                });
            auto event = notified_event(payload);
            if (!event) return request_publish();  // only the id: the event is read from the outbox
            post_to_loop([this, e = std::move(*event)] { publish_notified(e); });
        },
        request_publish);
}

void PgStore::publish_notified(const events::Event& e) {
    if (!bus_ || e.id <= published_up_to_) return;  // published already (this instance's own, or read after a gap)
    if (e.id != published_up_to_ + 1) return read_new_events();  // a lost notification or a rolled-back id: read
    published_up_to_ = e.id;
    bus_->publish(e);
}

void PgStore::off_loop(LoopJob job) {
    if (loop_) return loop_->off_loop(std::move(job));
    if (!lane_) return Store::off_loop(std::move(job));  // starting: before follow_cluster
    lane_->submit(std::move(job));
}

// Whatever the loop published while the lane read stays published: ids become visible in id
// order (insert_event_sql), so the rows read after `after` are every event up to the last one,
// and those past the last id published continue it without a gap.
void PgStore::read_new_events() {
    if (!bus_) return;
    if (reading_) {
        read_again_ = true;
        return;
    }
    reading_ = true;
    LoopJob read = [this, after = published_up_to_](Store& lane) -> std::function<void()> {
        std::vector<events::Event> batch;
        bool failed = false;
        try {
            auto& pg = static_cast<PgStore&>(lane);
            batch = pg.SqlStore::events_after(after, std::nullopt, kReadBatch);
            // Also what a lost catalogue notification would have said.
            auto st = pg.db_.prepare("SELECT version FROM catalogue_version");
            if (st.step()) pg.note_catalogue_version(static_cast<std::uint64_t>(st.int64(0)));
        } catch (const std::exception& e) {
            spdlog::error("msg=\"reading new outbox events failed\" error=\"{}\"", e.what());
            failed = true;  // the next notification or poll reads again
        }
        return [this, batch = std::move(batch), failed] {
            reading_ = false;
            publish_read(batch);
            const bool again = !failed && (read_again_ || batch.size() == static_cast<std::size_t>(kReadBatch));
            read_again_ = false;
            if (again) read_new_events();
        };
    };
    if (catch_up_lane_) return catch_up_lane_->submit(std::move(read));
    Store::off_loop(std::move(read));  // starting: before follow_cluster
}

void PgStore::publish_read(const std::vector<events::Event>& batch) {
    for (const auto& e : batch) {
        if (e.id <= published_up_to_) continue;
        published_up_to_ = e.id;
        bus_->publish(e);
    }
}

// Ids in commit order: a transaction takes its event ids under a lock it holds until it
// commits (the lock is taken in the subquery, before the id), so no reader asking for
// id > last can see a later id before an earlier one. The notification goes out at commit
// (notifications arrive in commit order, hence in id order) and carries the whole event
// when it fits in a payload (8,000 bytes), so the other instances publish it without
// reading the outbox; a larger one carries its id only.
const char* PgStore::insert_event_sql() {
    static const std::string sql =
        "INSERT INTO events (type, session_id, timestamp, data) "
        "SELECT ?, ?, ?, ? FROM (SELECT pg_advisory_xact_lock(" + std::to_string(kOutboxLock) + ")) AS in_commit_order "
        "RETURNING id, pg_notify('" + kEventsChannel + "', CASE WHEN octet_length(data) <= " +
        std::to_string(kMaxNotifiedData) + " THEN concat_ws(chr(10), id, type, COALESCE(session_id::text, ''), timestamp, data) "
        "ELSE id::text END)";
    return sql.c_str();
}

// "id\ntype\nsession id or empty\ntimestamp\ndata" (insert_event_sql); nullopt for an id alone.
std::optional<events::Event> PgStore::notified_event(std::string_view payload) {
    std::string_view field[4];
    for (auto& f : field) {
        const auto end = payload.find('\n');
        if (end == std::string_view::npos) return std::nullopt;
        f = payload.substr(0, end);
        payload.remove_prefix(end + 1);
    }
    const auto number = [](std::string_view s) {
        std::int64_t v = 0;
        std::from_chars(s.data(), s.data() + s.size(), v);
        return v;
    };
    events::Event e{number(field[0]), std::string(field[1]), std::nullopt, number(field[3]), std::string(payload)};
    if (!field[2].empty()) e.session_id = number(field[2]);
    return e;
}

// Other instances' events committed before this one are published first, in id order. A
// transaction's ids follow each other (taken under the outbox lock); when the first one follows
// the last one published, nothing else can lie between: no read needed.
void PgStore::publish_committed(std::vector<events::Event> committed) {
    if (loop_)
        return post_to_loop_([loop = loop_, committed = std::move(committed)]() mutable {
            loop->publish_committed(std::move(committed));
        });
    if (!bus_) return;
    if (committed.back().id <= published_up_to_) return;  // read with a later commit already
    if (committed.front().id != published_up_to_ + 1) return read_new_events();
    published_up_to_ = committed.back().id;
    for (const auto& e : committed) bus_->publish(e);
}

bool PgStore::try_lock(int lock_class, std::int64_t id) {
    auto st = db_.prepare("SELECT pg_try_advisory_lock(?::integer, ?::integer)");
    st.bind_all(lock_class, id);
    return st.step() && st.boolean(0);
}

bool PgStore::claim_room_monitor(Id session_game_id) {
    if (room_claims_.contains(session_game_id)) return true;  // session-level locks stack: take it once
    if (!try_lock(kRoomMonitorLockClass, session_game_id)) return false;
    room_claims_.insert(session_game_id);
    return true;
}

void PgStore::release_room_monitor(Id session_game_id) {
    if (room_claims_.erase(session_game_id) == 0) return;
    db_.prepare("DELETE FROM room_status WHERE session_game_id = ?").bind_all(session_game_id).exec();
    db_.prepare("SELECT pg_advisory_unlock(?::integer, ?::integer)").bind_all(kRoomMonitorLockClass, session_game_id).exec();
}

void PgStore::share_room_status(Id session_game_id, const std::string& status) {
    db_.prepare("INSERT INTO room_status (session_game_id, data) VALUES (?, ?) "
                "ON CONFLICT (session_game_id) DO UPDATE SET data = excluded.data")
        .bind_all(session_game_id, status)
        .exec();
}

void PgStore::announce_room_check_ended() {
    db_.prepare("SELECT pg_notify(?, '')").bind_all(kRoomsChannel).exec();
}

// Only while some instance holds the monitor's claim: one that died leaves its row behind.
std::optional<std::string> PgStore::shared_room_status(Id session_game_id) {
    auto st = db_.prepare("SELECT data FROM room_status WHERE session_game_id = ?1 AND EXISTS ("
                          "  SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid::bigint = ?2 "
                          "  AND l.objid::bigint = ?1 AND l.objsubid = 2 AND l.granted)");
    st.bind_all(session_game_id, kRoomMonitorLockClass);
    if (!st.step()) return std::nullopt;
    return st.text(0);
}

std::uint64_t PgStore::catalogue_version() {
    if (loop_) return loop_->catalogue_version();
    return catalogue_version_.load(std::memory_order_acquire);
}

// Noted after the change committed (catalogue_changed runs after the commit), so whoever
// reads the new version also reads the new rows.
void PgStore::note_catalogue_version(std::uint64_t version) {
    if (loop_) return loop_->note_catalogue_version(version);
    auto seen = catalogue_version_.load(std::memory_order_relaxed);
    while (seen < version && !catalogue_version_.compare_exchange_weak(seen, version, std::memory_order_release,
                                                                       std::memory_order_relaxed)) {
    }
}

void PgStore::catalogue_changed() {
    auto st = db_.prepare(
        "WITH bumped AS (UPDATE catalogue_version SET version = version + 1 RETURNING version) "
        "SELECT version, pg_notify(?, version::text) FROM bumped");
    st.bind(1, kCatalogueChannel);
    if (st.step()) note_catalogue_version(static_cast<std::uint64_t>(st.int64(0)));
}

// Claims the due deliveries: each is leased to this instance (next_attempt_at moves to the
// lease's end, so no other instance takes it meanwhile; record_attempts sets the real next
// attempt). Rows another instance is claiming at this moment are skipped, not waited for.
// An ordered webhook's oldest pending delivery only, as on SQLite. No more than the engine
// can send now: what it cannot send it would have to release again, row by row.
std::vector<webhooks::PendingDelivery> PgStore::due_deliveries(domain::Millis now, int per_webhook_limit,
                                                               int claim_limit) {
    if (now - last_reclaim_ >= kReclaimIntervalMs) {
        last_reclaim_ = now;
        reclaim_orphans(now);
    }
    if (claim_limit <= 0) return {};
    auto st = db_.prepare(
        "WITH due AS ("
        "  SELECT p.id, p.next_attempt_at FROM webhooks w CROSS JOIN LATERAL ("
        "    SELECT q.id, q.next_attempt_at FROM webhook_deliveries q "
        "    WHERE q.webhook_id = w.id AND q.status = 'pending' AND q.next_attempt_at <= ?1 "
        "    ORDER BY q.next_attempt_at, q.id LIMIT ?2 FOR UPDATE SKIP LOCKED) p "
        "  WHERE w.enabled = 1 AND w.ordered = 0 "
        "  UNION ALL "
        "  SELECT p.id, p.next_attempt_at FROM webhooks w CROSS JOIN LATERAL ("
        "    SELECT q.id, q.next_attempt_at FROM webhook_deliveries q "
        "    WHERE q.id = (SELECT min(r.id) FROM webhook_deliveries r "
        "                  WHERE r.webhook_id = w.id AND r.next_attempt_at IS NOT NULL) "
        "      AND q.next_attempt_at <= ?1 FOR UPDATE SKIP LOCKED) p "
        "  WHERE w.enabled = 1 AND w.ordered = 1 "
        "  ORDER BY 2, 1 LIMIT ?5), "
        "claimed AS (UPDATE webhook_deliveries d SET next_attempt_at = ?3, claimed_by = ?4 FROM due WHERE d.id = due.id "
        "  RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts + 1 AS attempt) "
        "SELECT d.id, d.webhook_id, w.url, w.secret, "
        "  CASE WHEN w.previous_secret_until > ?1 THEN w.previous_secret END, d.attempt, w.options, " +
        std::string(kBodyColumns) + " FROM claimed d JOIN webhooks w ON w.id = d.webhook_id" + kBodyJoin +
        "ORDER BY d.id");
    st.bind_all(now, std::min(per_webhook_limit, claim_limit), now + lease_.count(), claimer_, claim_limit);
    return read_pending(st);
}

// One statement for all of them (the ids and due times as two arrays).
void PgStore::release_deliveries(std::span<const std::pair<Id, domain::Millis>> unsent) {
    if (unsent.empty()) return;
    std::vector<Id> ids;
    std::vector<domain::Millis> due;
    for (const auto& [id, due_at] : unsent) {
        ids.push_back(id);
        due.push_back(due_at);
    }
    db_.prepare("UPDATE webhook_deliveries d SET next_attempt_at = u.due_at, claimed_by = NULL "
                "FROM unnest(?::bigint[], ?::bigint[]) AS u (id, due_at) WHERE d.id = u.id AND d.status = 'pending'")
        .bind_all(array_of(ids), array_of(due))
        .exec();
}

// Claims whose claimer is gone (its connection, and with it its advisory lock, ended: the
// instance was killed or lost the database) are due again at once.
void PgStore::reclaim_orphans(domain::Millis now) {
    db_.prepare("UPDATE webhook_deliveries d SET next_attempt_at = ?1, claimed_by = NULL "
                "WHERE d.claimed_by IS NOT NULL AND d.status = 'pending' AND NOT EXISTS ("
                "  SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid::bigint = ?2 AND l.objsubid = 2 "
                "  AND l.objid::bigint = d.claimed_by AND l.granted)")
        .bind_all(now, kClaimerLockClass)
        .exec();
    if (db_.changes() > 0) spdlog::info("msg=\"deliveries of a gone instance taken over\" count={}", db_.changes());
}

// All of a record_attempts call's deliveries in one statement (one round trip instead of one
// each), the claims ended; the outcome fields as arrays.
void PgStore::store_outcomes_ahead(std::span<const webhooks::AttemptOutcome> outcomes, domain::Millis now) {
    outcomes_stored_.clear();
    if (outcomes.empty()) return;
    std::vector<std::string> status;
    std::vector<int> attempt;
    std::vector<std::optional<domain::Millis>> next, delivered;
    std::vector<Id> id;
    for (const auto& o : outcomes) {
        status.push_back(outcome_status(o));
        attempt.push_back(o.attempt);
        next.push_back(o.retry_at);
        delivered.push_back(o.success ? std::optional(now) : std::nullopt);
        id.push_back(o.delivery_id);
    }
    auto st = db_.prepare(
        "UPDATE webhook_deliveries d SET status = u.status, attempts = u.attempt, next_attempt_at = u.next_at, "
        "delivered_at = u.delivered_at, claimed_by = NULL "
        "FROM unnest(?::text[], ?::integer[], ?::bigint[], ?::bigint[], ?::bigint[]) AS u (status, attempt, next_at, delivered_at, id) "
        "WHERE d.id = u.id AND d.status = 'pending' RETURNING d.id");
    st.bind_all(array_of(status), array_of(attempt), array_of(next), array_of(delivered), array_of(id));
    while (st.step()) outcomes_stored_.insert(st.int64(0));
}

bool PgStore::store_outcome(const webhooks::AttemptOutcome& o, domain::Millis) {
    return outcomes_stored_.contains(o.delivery_id);
}

// The SQLite version's steps with all rows in each statement: the stats rows read under lock
// (both instances' engines add to the same rows; the lock makes the latency merge see the other
// one's), rows out of the window dropped for webhooks starting an hour, one upsert, one update
// of the webhooks. The rows come sorted by webhook, so two engines lock them in the same order.
void PgStore::add_stats(const std::vector<webhooks::StatsRow>& rows, domain::Millis now) {
    if (rows.empty()) return;
    std::vector<Id> webhook;
    std::vector<domain::Millis> hour;
    for (const auto& r : rows) {
        webhook.push_back(r.webhook_id);
        hour.push_back(r.hour);
    }
    std::map<std::pair<Id, domain::Millis>, webhooks::LatencyHistogram> stored;
    {
        auto st = db_.prepare("SELECT s.webhook_id, s.hour, s.latency FROM webhook_stats s "
                              "JOIN unnest(?::bigint[], ?::bigint[]) AS k (webhook_id, hour) "
                              "ON s.webhook_id = k.webhook_id AND s.hour = k.hour ORDER BY 1, 2 FOR UPDATE OF s");
        st.bind_all(array_of(webhook), array_of(hour));
        while (st.step()) stored[{st.int64(0), st.int64(1)}] = webhooks::LatencyHistogram::decode(st.text(2));
    }
    std::vector<Id> new_hour;
    std::vector<std::int64_t> delivered, failed;
    std::vector<std::string> latency;
    std::vector<std::optional<domain::Millis>> last_success, last_failure;
    for (const auto& r : rows) {
        auto it = stored.find({r.webhook_id, r.hour});
        if (it == stored.end()) new_hour.push_back(r.webhook_id);
        auto merged = it == stored.end() ? webhooks::LatencyHistogram{} : it->second;
        merged.merge(r.latency);
        delivered.push_back(r.delivered);
        failed.push_back(r.failed);
        latency.push_back(merged.encode());
        last_success.push_back(r.last_success_at);
        last_failure.push_back(r.last_failure_at);
    }
    // A new hour: the webhook's rows that left the window go, so each keeps at most a day's.
    if (!new_hour.empty())
        db_.prepare("DELETE FROM webhook_stats WHERE webhook_id = ANY (?::bigint[]) AND hour < ?")
            .bind_all(array_of(new_hour), webhooks::stats_window_start(now))
            .exec();
    db_.prepare("INSERT INTO webhook_stats (webhook_id, hour, delivered, failed, latency) "
                "SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[]) "
                "ON CONFLICT (webhook_id, hour) DO UPDATE SET delivered = webhook_stats.delivered + excluded.delivered, "
                "failed = webhook_stats.failed + excluded.failed, latency = excluded.latency")
        .bind_all(array_of(webhook), array_of(hour), array_of(delivered), array_of(failed), array_of(latency))
        .exec();
    db_.prepare("UPDATE webhooks w SET last_success_at = COALESCE(u.success, w.last_success_at), "
                "last_failure_at = COALESCE(u.failure, w.last_failure_at) "
                "FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS u (id, success, failure) WHERE w.id = u.id")
        .bind_all(array_of(webhook), array_of(last_success), array_of(last_failure))
        .exec();
}

WebhookQueue PgStore::webhook_queue() {
    return webhook_queue_from(
        "SELECT COUNT(*), MIN(d.id) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
        "WHERE d.next_attempt_at IS NOT NULL");
}

// One instance at a time prunes: the others find the lock taken and leave it for later.
bool PgStore::claim_retention() {
    auto st = db_.prepare("SELECT pg_try_advisory_xact_lock(?)");
    st.bind(1, kRetentionLock);
    return st.step() && st.boolean(0);
}

}  // namespace gp::store::postgres

// The SQL both stores share, for PostgreSQL.
#include "store/sql/games.ipp"
#include "store/sql/outbox.ipp"
#include "store/sql/sessions.ipp"
#include "store/sql/votes.ipp"
#include "store/sql/webhooks.ipp"

template class gp::store::sql::SqlStore<gp::store::postgres::Db>;
