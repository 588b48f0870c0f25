// Webhook registry, the delivery queue (webhook_deliveries) and the attempt log.
// A delivery row is the unit of at-least-once delivery: it stays 'pending' until an
// attempt succeeds ('delivered') or its retry schedule is exhausted ('failed').
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "domain/error.hpp"
#include "events/payloads.hpp"
#include "store/sql/sql_store.hpp"

namespace gp::store::sql {

namespace json = boost::json;
using webhooks::Webhook;

namespace {

constexpr const char* kWebhookSelect =
    "SELECT id, name, url, secret, events, enabled, created_at, consecutive_failures, disabled_at, disabled_reason, "
    "previous_secret, previous_secret_until, ordered, options, last_success_at, last_failure_at FROM webhooks ";

// Queues deliveries again as new ones (new ids, due at the first `?`, created at the second)
// with the same event and body; the caller appends the condition choosing them.
constexpr const char* kRequeueDeliveries =
    "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, next_attempt_at, created_at) "
    "SELECT webhook_id, event_id, event_type, body, ?, ? FROM webhook_deliveries WHERE ";

template <class Row>
Webhook read_webhook(const Row& st) {
    Webhook w;
    w.id = st.int64(0);
    w.name = st.text(1);
    w.url = st.text(2);
    w.secret = st.text(3);
    const json::value events = json::parse(st.text(4));
    for (const auto& e : events.as_array()) w.events.emplace_back(e.as_string());
    w.enabled = st.boolean(5);
    w.created_at = st.int64(6);
    w.consecutive_failures = st.integer(7);
    w.disabled_at = st.opt_int64(8);
    w.disabled_reason = st.opt_text(9);
    w.previous_secret = st.opt_text(10);
    w.previous_secret_until = st.opt_int64(11);
    w.ordered = st.boolean(12);
    w.options = webhooks::decode_options(st.opt_text(13));
    w.last_success_at = st.opt_int64(14);
    w.last_failure_at = st.opt_int64(15);
    return w;
}

// `events` keeps the list as the client gave it; webhook_events is what the
// outbox joins on when it queues deliveries.
std::string events_json(const std::vector<std::string>& events) {
    json::array a;
    for (const auto& e : events) a.emplace_back(e);
    return json::serialize(a);
}

template <class D>
void write_event_types(D& db, Id webhook_id, const std::vector<std::string>& events) {
    db.prepare("DELETE FROM webhook_events WHERE webhook_id = ?").bind_all(webhook_id).exec();
    for (const auto& e : events)
        db.prepare("INSERT INTO webhook_events (webhook_id, event_type) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind_all(webhook_id, e)
            .exec();
}

// A delivery of no stored event (id 0): it keeps its own body (see SqlStore::kBodyColumns).
template <class D>
Id insert_delivery(D& db, Id webhook_id, const events::Event& e) {
    const auto now = domain::now_ms();
    db.prepare("INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, next_attempt_at, created_at) "
               "VALUES (?, NULL, ?, ?, ?, ?)")
        .bind_all(webhook_id, e.type, e.webhook_body(), now, now)
        .exec();
    return db.last_insert_id();
}

// The attempt log rows, a few multi-row INSERTs instead of one statement per attempt.
template <class D>
void insert_attempt_logs(D& db, std::span<const webhooks::AttemptOutcome> logged, domain::Millis now) {
    constexpr std::size_t kRowsPerInsert = 64;  // 640 parameters, within both databases' limits
    for (std::size_t first = 0; first < logged.size(); first += kRowsPerInsert) {
        const auto rows = logged.subspan(first, std::min(kRowsPerInsert, logged.size() - first));
        std::string sql = "INSERT INTO webhook_logs (webhook_id, delivery_id, event_type, attempt, status_code, error, "
                          "response_body, duration_ms, success, created_at) VALUES ";
        for (std::size_t i = 0; i < rows.size(); ++i) sql += i ? ",(?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?)";
        auto st = db.prepare(sql);
        int param = 0;  // the last one bound
        for (const auto& o : rows) {
            st.bind(param + 1, o.webhook_id).bind(param + 2, o.delivery_id).bind(param + 3, o.event_type);
            st.bind(param + 4, o.attempt).bind(param + 5, o.status_code).bind(param + 6, o.error);
            st.bind(param + 7, o.response_body).bind(param + 8, o.duration_ms).bind(param + 9, o.success);
            st.bind(param + 10, now);
            param += 10;
        }
        st.exec();
    }
}

// The dummy game.added of POST /api/webhooks/test/{id}: the documented shape with
// id 0 for the session and the game, so receivers can tell it from a real one.
events::Event test_event() {
    domain::Session session;
    session.is_active = true;
    domain::Game game;
    game.title = "Test Game";
    game.pack_name = "Test Pack";
    game.min_players = 3;
    game.max_players = 8;
    return {0, "game.added", std::nullopt, domain::now_ms(), events::game_added(session, game, false)};
}

}  // namespace

template <class D>
std::vector<Webhook> SqlStore<D>::list_webhooks() {
    auto st = db_.prepare(std::string(kWebhookSelect) + "ORDER BY id");
    std::vector<Webhook> out;
    while (st.step()) out.push_back(read_webhook(st));
    return out;
}

template <class D>
std::optional<Webhook> SqlStore<D>::find_webhook(Id id) {
    auto st = db_.prepare(std::string(kWebhookSelect) + "WHERE id = ?");
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_webhook(st);
}

template <class D>
Webhook SqlStore<D>::create_webhook(const webhooks::WebhookFields& f) {
    auto tx = begin();
    db_.prepare("INSERT INTO webhooks (name, url, secret, events, enabled, created_at, ordered, options) "
                "VALUES (?, ?, ?, ?, 1, ?, ?, ?)")
        .bind_all(f.name, f.url, f.secret, events_json(f.events), domain::now_ms(), f.ordered,
                  webhooks::encode_options(f.options))
        .exec();
    const Id id = db_.last_insert_id();
    write_event_types(db_, id, f.events);
    tx.commit();
    return *find_webhook(id);
}

template <class D>
Webhook SqlStore<D>::update_webhook(Id id, const webhooks::WebhookPatch& p) {
    auto tx = begin();
    auto found = find_webhook(id);
    if (!found) domain::not_found("Webhook not found");
    Webhook w = std::move(*found);
    if (p.name) w.name = *p.name;
    if (p.url) w.url = *p.url;
    if (p.secret) {
        // A replaced secret is invalid at once (rotate_webhook_secret keeps the previous one valid).
        w.secret = *p.secret;
        w.previous_secret.reset();
        w.previous_secret_until.reset();
    }
    if (p.events) {
        w.events = *p.events;
        write_event_types(db_, id, w.events);
    }
    if (p.ordered) w.ordered = *p.ordered;
    if (p.options) w.options = *p.options;
    if (p.enabled) {
        w.enabled = *p.enabled;
        // Enabling starts a fresh run: the failures that disabled it are forgiven.
        if (w.enabled) {
            w.consecutive_failures = 0;
            w.disabled_at.reset();
            w.disabled_reason.reset();
            db_.prepare("UPDATE webhooks SET failing_since = NULL WHERE id = ?").bind_all(id).exec();
        }
    }
    db_.prepare("UPDATE webhooks SET name = ?, url = ?, secret = ?, events = ?, enabled = ?, "
                "consecutive_failures = ?, disabled_at = ?, disabled_reason = ?, previous_secret = ?, "
                "previous_secret_until = ?, ordered = ?, options = ? WHERE id = ?")
        .bind_all(w.name, w.url, w.secret, events_json(w.events), w.enabled, w.consecutive_failures, w.disabled_at,
                  w.disabled_reason, w.previous_secret, w.previous_secret_until, w.ordered,
                  webhooks::encode_options(w.options), id)
        .exec();
    tx.commit();
    return w;
}

template <class D>
void SqlStore<D>::delete_webhook(Id id) {
    // Its deliveries before the webhook (ON DELETE CASCADE removes the rest): the delivery engine
    // stores an outcome on the delivery's row, then on its webhook's, and a delete taking the
    // rows the other way round would deadlock with it on PostgreSQL.
    auto tx = begin();
    db_.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ?").bind_all(id).exec();
    db_.prepare("DELETE FROM webhooks WHERE id = ?").bind_all(id).exec();
    if (db_.changes() == 0) domain::not_found("Webhook not found");
    tx.commit();
}

template <class D>
Webhook SqlStore<D>::rotate_webhook_secret(Id id, const std::string& secret, domain::Millis previous_until) {
    db_.prepare("UPDATE webhooks SET previous_secret = secret, previous_secret_until = ?, secret = ? WHERE id = ?")
        .bind_all(previous_until, secret, id)
        .exec();
    if (db_.changes() == 0) domain::not_found("Webhook not found");
    return *find_webhook(id);
}

template <class D>
void SqlStore<D>::require_enabled_webhook(Id webhook_id, const char* to_do) {
    const auto w = find_webhook(webhook_id);
    if (!w) domain::not_found("Webhook not found");
    if (!w->enabled) domain::conflict(std::string("Webhook is disabled; enable it to ") + to_do);
}

template <class D>
Id SqlStore<D>::enqueue_test_delivery(Id webhook_id) {
    auto tx = begin();
    require_enabled_webhook(webhook_id, "send a test event");
    const Id id = insert_delivery(db_, webhook_id, test_event());
    tx.commit();
    return id;
}

template <class D>
Id SqlStore<D>::redeliver(Id webhook_id, Id delivery_id) {
    auto tx = begin();
    require_enabled_webhook(webhook_id, "redeliver");
    const auto now = domain::now_ms();
    db_.prepare(std::string(kRequeueDeliveries) + "id = ? AND webhook_id = ?")
        .bind_all(now, now, delivery_id, webhook_id)
        .exec();
    if (db_.changes() == 0) domain::not_found("Delivery not found");
    const Id id = db_.last_insert_id();
    tx.commit();
    return id;
}

template <class D>
int SqlStore<D>::recover_failed_deliveries(Id webhook_id, domain::Millis since) {
    auto tx = begin();
    require_enabled_webhook(webhook_id, "recover its deliveries");
    const auto now = domain::now_ms();
    // Delivery ids follow the order in which events happened.
    db_.prepare(std::string(kRequeueDeliveries) + "webhook_id = ? AND status = 'failed' AND created_at >= ? ORDER BY id")
        .bind_all(now, now, webhook_id, since)
        .exec();
    const int recovered = db_.changes();
    tx.commit();
    return recovered;
}

template <class D>
std::vector<webhooks::AttemptLog> SqlStore<D>::webhook_logs(Id webhook_id, int limit) {
    if (!find_webhook(webhook_id)) domain::not_found("Webhook not found");
    auto st = db_.prepare(
        std::string("SELECT l.id, l.delivery_id, l.event_type, l.attempt, l.status_code, l.error, l.response_body, "
                    "l.duration_ms, l.success, l.created_at, ") +
        kBodyColumns + " FROM webhook_logs l JOIN webhook_deliveries d ON d.id = l.delivery_id" + kBodyJoin +
        "WHERE l.webhook_id = ? ORDER BY l.id DESC LIMIT ?");
    st.bind_all(webhook_id, limit);
    std::vector<webhooks::AttemptLog> out;
    while (st.step())
        out.push_back({st.int64(0), st.int64(1), st.text(2), st.integer(3), st.opt_int(4), st.opt_text(5),
                       st.text(6), st.integer(7), st.boolean(8), delivery_body(st, 10), st.int64(9)});
    return out;
}

template <class D>
std::vector<webhooks::StatsRow> SqlStore<D>::webhook_stats_rows(domain::Millis since) {
    // Per webhook a range of the primary key (webhook_id, hour).
    auto st = db_.prepare("SELECT webhook_id, hour, delivered, failed, latency FROM webhook_stats "
                          "WHERE webhook_id IN (SELECT id FROM webhooks) AND hour >= ?");
    st.bind_all(since);
    std::vector<webhooks::StatsRow> out;
    while (st.step())
        out.push_back({st.int64(0), st.int64(1), st.int64(2), st.int64(3),
                       webhooks::LatencyHistogram::decode(st.text(4)), std::nullopt, std::nullopt});
    return out;
}

template <class D>
std::optional<domain::Millis> SqlStore<D>::next_delivery_due(domain::Millis after) {
    auto st = db_.prepare(
        "SELECT MIN((SELECT p.next_attempt_at FROM webhook_deliveries p "
        "            WHERE p.webhook_id = w.id AND p.status = 'pending' AND p.next_attempt_at > ? "
        "            ORDER BY p.next_attempt_at LIMIT 1)) "
        "FROM webhooks w WHERE w.enabled = 1");
    st.bind_all(after);
    return st.step() ? st.opt_int64(0) : std::nullopt;
}

template <class D>
std::size_t SqlStore<D>::record_attempts(std::span<const webhooks::AttemptOutcome> outcomes,
                                         const webhooks::DisablePolicy& policy) {
    const auto now = domain::now_ms();
    auto tx = begin();
    store_outcomes_ahead(outcomes, now);
    std::vector<webhooks::AttemptOutcome> logged;  // of deliveries that still exist
    std::unordered_set<Id> reset;  // webhooks whose failure count this transaction has reset
    for (const auto& o : outcomes) {
        if (!store_outcome(o, now)) continue;  // deleted with its webhook while in flight
        logged.push_back(o);
        if (o.success) {
            // Once per webhook until its next failure: the webhook's later successes change nothing.
            if (reset.insert(o.webhook_id).second)
                db_.prepare("UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL "
                            "WHERE id = ? AND (consecutive_failures <> 0 OR failing_since IS NOT NULL)")
                    .bind_all(o.webhook_id)
                    .exec();
            continue;
        }
        reset.erase(o.webhook_id);
        db_.prepare("UPDATE webhooks SET failing_since = COALESCE(failing_since, ?), "
                    "consecutive_failures = consecutive_failures + ? WHERE id = ?")
            .bind_all(now, o.retry_at ? 0 : 1, o.webhook_id)
            .exec();
        // Disabled now if the receiver said so, after too many failed deliveries in a row, or
        // after nothing but failed attempts for too long.
        auto st = db_.prepare("SELECT consecutive_failures, failing_since FROM webhooks WHERE id = ? AND enabled = 1");
        st.bind_all(o.webhook_id);
        if (!st.step()) continue;
        const int failures = st.integer(0);
        const domain::Millis failing_for = now - st.int64(1);
        auto reason = o.disable_reason;
        if (!reason && policy.after_failures > 0 && failures >= policy.after_failures)
            reason = std::to_string(failures) + " failed deliveries in a row";
        if (!reason && policy.after_failing_for > 0 && failing_for >= policy.after_failing_for)
            reason = "every attempt failed for " + (failing_for >= 3600000 ? std::to_string(failing_for / 3600000) + " h"
                                                                          : std::to_string(failing_for / 1000) + " s");
        if (!reason) continue;
        db_.prepare("UPDATE webhooks SET enabled = 0, disabled_at = ?, disabled_reason = ? WHERE id = ?")
            .bind_all(now, *reason, o.webhook_id)
            .exec();
        spdlog::warn("msg=\"webhook disabled\" webhook_id={} reason=\"{}\"", o.webhook_id, *reason);
    }
    insert_attempt_logs(db_, logged, now);
    add_stats(webhooks::stats_rows(logged, now), now);
    tx.commit();
    return outcomes.size();
}

template <class D>
void SqlStore<D>::add_stats(const std::vector<webhooks::StatsRow>& rows, domain::Millis now) {
    for (const auto& row : rows) {
        auto latency = webhooks::LatencyHistogram{};
        auto st = db_.prepare("SELECT latency FROM webhook_stats WHERE webhook_id = ? AND hour = ?");
        st.bind_all(row.webhook_id, row.hour);
        if (st.step()) {
            latency = webhooks::LatencyHistogram::decode(st.text(0));
        } else {
            // A new hour: the webhook's rows that left the window go, so each keeps at most a day's.
            db_.prepare("DELETE FROM webhook_stats WHERE webhook_id = ? AND hour < ?")
                .bind_all(row.webhook_id, webhooks::stats_window_start(now))
                .exec();
        }
        latency.merge(row.latency);
        db_.prepare("INSERT INTO webhook_stats (webhook_id, hour, delivered, failed, latency) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (webhook_id, hour) DO UPDATE SET delivered = webhook_stats.delivered + excluded.delivered, "
                    "failed = webhook_stats.failed + excluded.failed, latency = excluded.latency")
            .bind_all(row.webhook_id, row.hour, row.delivered, row.failed, latency.encode())
            .exec();
        db_.prepare("UPDATE webhooks SET last_success_at = COALESCE(?, last_success_at), "
                    "last_failure_at = COALESCE(?, last_failure_at) WHERE id = ?")
            .bind_all(row.last_success_at, row.last_failure_at, row.webhook_id)
            .exec();
    }
}

template <class D>
bool SqlStore<D>::store_outcome(const webhooks::AttemptOutcome& o, domain::Millis now) {
    db_.prepare("UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, delivered_at = ? "
                "WHERE id = ? AND status = 'pending'")
        .bind_all(outcome_status(o), o.attempt, o.retry_at, o.success ? std::optional(now) : std::nullopt,
                  o.delivery_id)
        .exec();
    return db_.changes() > 0;
}

template <class D>
WebhookQueue SqlStore<D>::webhook_queue_from(const char* count_sql) {
    auto count = db_.prepare(count_sql);
    count.step();
    WebhookQueue q{count.int64(0), std::nullopt};
    if (const auto oldest = count.opt_int64(1)) {
        auto created = db_.prepare("SELECT created_at FROM webhook_deliveries WHERE id = ?");
        created.bind_all(*oldest);
        if (created.step()) q.oldest_created_at = created.int64(0);
    }
    return q;
}

template <class D>
int SqlStore<D>::prune_webhook_history(domain::Millis before, int limit) {
    auto tx = begin();
    if (!claim_retention()) return 0;
    // webhook_logs go with their delivery (ON DELETE CASCADE). Ids follow created_at,
    // so only the id range below the first recent delivery is walked.
    db_.prepare("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries "
                "WHERE status <> 'pending' AND created_at < ?1 AND id < COALESCE((SELECT id FROM webhook_deliveries "
                "WHERE created_at >= ?1 ORDER BY id LIMIT 1), 9223372036854775807) ORDER BY id LIMIT ?2)")
        .bind_all(before, limit)
        .exec();
    const int deleted = db_.changes();
    commit(tx);
    return deleted;
}

// The deliveries share the event's body: each refers to the event (body '', see kBodyColumns).
template <class D>
void SqlStore<D>::enqueue_webhook_deliveries(const events::Event& e) {
    const auto now = domain::now_ms();
    db_.prepare("INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, next_attempt_at, created_at) "
                "SELECT w.id, ?, ?, '', ?, ? FROM webhook_events we JOIN webhooks w ON w.id = we.webhook_id "
                "WHERE we.event_type = ? AND w.enabled = 1")
        .bind_all(e.id, e.type, now, now, e.type)
        .exec();
}

}  // namespace gp::store::sql
