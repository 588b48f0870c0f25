// Migrations and the outbox (events written in the transaction of the change that caused them).
#include <spdlog/spdlog.h>

#include "store/sql/sql_store.hpp"

namespace gp::store::sql {

template <class D>
void SqlStore<D>::apply_migrations(std::span<const char* const> migrations) {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    int current = 0;
    {
        auto st = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        if (st.step()) current = st.integer(0);
    }
    for (int v = current; v < static_cast<int>(migrations.size()); ++v) {
        Transaction tx(db_);
        db_.exec(migrations[static_cast<std::size_t>(v)]);
        db_.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
            .bind_all(v + 1, domain::now_ms())
            .exec();
        tx.commit();
        spdlog::info("msg=\"schema migrated\" version={}", v + 1);
    }
}

template <class D>
typename SqlStore<D>::Transaction SqlStore<D>::begin() {
    uncommitted_.clear();
    return Transaction(db_);
}

template <class D>
void SqlStore<D>::append_event(std::string type, std::optional<Id> session_id, std::string data) {
    events::Event e{0, std::move(type), session_id, domain::now_ms(), std::move(data)};
    {
        auto st = db_.prepare(insert_event_sql());
        st.bind_all(e.type, e.session_id, e.timestamp, e.data);
        st.step();
        e.id = st.int64(0);
    }
    enqueue_webhook_deliveries(e);
    uncommitted_.push_back(std::move(e));
}

template <class D>
void SqlStore<D>::commit(Transaction& tx) {
    try {
        tx.commit();
    } catch (...) {
        uncommitted_.clear();
        throw;
    }
    auto committed = std::move(uncommitted_);
    uncommitted_.clear();
    if (!committed.empty()) publish_committed(std::move(committed));
}

template <class D>
void SqlStore<D>::publish_committed(std::vector<events::Event> committed) {
    if (bus_)
        for (const auto& e : committed) bus_->publish(e);
}

template <class D>
std::vector<events::Event> SqlStore<D>::events_after(Id after_id, std::optional<Id> session_id, int limit) {
    auto st = session_id ? db_.prepare("SELECT id, type, session_id, timestamp, data FROM events "
                                       "WHERE id > ? AND session_id = ? ORDER BY id LIMIT ?")
                         : db_.prepare("SELECT id, type, session_id, timestamp, data FROM events "
                                       "WHERE id > ? ORDER BY id LIMIT ?");
    if (session_id)
        st.bind_all(after_id, *session_id, limit);
    else
        st.bind_all(after_id, limit);
    std::vector<events::Event> out;
    while (st.step())
        out.push_back({st.int64(0), st.text(1), st.opt_int64(2), st.int64(3), st.text(4)});
    return out;
}

template <class D>
Id SqlStore<D>::published_up_to() {
    auto st = db_.prepare("SELECT COALESCE(MAX(id), 0) FROM events");
    st.step();
    return st.int64(0);
}

}  // namespace gp::store::sql
