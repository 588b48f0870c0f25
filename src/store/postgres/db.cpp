#include "store/postgres/db.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "store/errors.hpp"

namespace gp::store::postgres {

Stmt::Shape translate_placeholders(std::string_view sql) {
    struct Use {
        std::size_t at;
        int number;
    };
    std::vector<Use> uses;
    std::string stripped;  // sql without the placeholders
    int highest = 0;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?') {
            int n = 0;
            std::size_t j = i + 1;
            while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
            if (j == i + 1) n = highest + 1;
            highest = std::max(highest, n);
            uses.push_back({stripped.size(), n});
            i = j - 1;
            continue;
        }
        stripped += c;
    }
    Stmt::Shape shape;
    shape.parameter.assign(static_cast<std::size_t>(highest) + 1, 0);
    for (const auto& u : uses) shape.parameter[static_cast<std::size_t>(u.number)] = 1;
    for (int n = 1; n <= highest; ++n)
        if (shape.parameter[static_cast<std::size_t>(n)]) shape.parameter[static_cast<std::size_t>(n)] = ++shape.count;
    std::size_t from = 0;
    for (const auto& u : uses) {
        shape.sql.append(stripped, from, u.at - from);
        shape.sql += '$';
        shape.sql += std::to_string(shape.parameter[static_cast<std::size_t>(u.number)]);
        from = u.at;
    }
    shape.sql.append(stripped, from, std::string::npos);
    return shape;
}

namespace {

// Connection trouble, a full disk, a server shutting down: the statement may work
// later, so callers answer "try again" (503) instead of "bug" (500).
bool storage_trouble(const char* sqlstate) {
    if (!sqlstate) return true;  // no answer from the server at all
    const std::string_view s(sqlstate);
    return s.starts_with("08") || s.starts_with("53") || s.starts_with("57P") || s == "25006";
}

}  // namespace

pg_conn* connect(const std::string& url) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        PQfinish(conn);
        throw StorageUnavailable("cannot connect to PostgreSQL: " + msg);
    }
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "already exists, skipping" and the like
    return conn;
}

Stmt::Stmt(Db& db, Shape& shape)
    : db_(&db), shape_(shape), values_(static_cast<std::size_t>(shape.count)), types_(values_.size(), 0) {}

Stmt::~Stmt() { PQclear(result_); }

Stmt& Stmt::bind(int i, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return set(i, std::string(buf), kFloat8);
}

Stmt& Stmt::set(int i, std::optional<std::string> value, unsigned type) {
    if (i <= 0 || static_cast<std::size_t>(i) >= shape_.parameter.size()) return *this;
    const int k = shape_.parameter[static_cast<std::size_t>(i)];
    if (k == 0) return *this;  // not used by this shape
    values_[static_cast<std::size_t>(k - 1)] = std::move(value);
    types_[static_cast<std::size_t>(k - 1)] = type;
    return *this;
}

bool Stmt::step() {
    if (!result_) {
        result_ = db_->run(shape_, values_, types_);
        rows_ = PQntuples(result_);
    }
    return ++row_ < rows_;
}

const char* Stmt::value(int col) const { return PQgetvalue(result_, row_, col); }

bool Stmt::is_null(int col) const { return PQgetisnull(result_, row_, col) != 0; }

std::int64_t Stmt::int64(int col) const {
    if (is_null(col)) return 0;  // as sqlite3_column_int64
    const char* v = value(col);
    std::int64_t out = 0;
    std::from_chars(v, v + PQgetlength(result_, row_, col), out);
    return out;
}

bool Stmt::boolean(int col) const {
    if (is_null(col)) return false;
    const char* v = value(col);
    return v[0] == 't' || (v[0] != 'f' && int64(col) != 0);
}

std::string Stmt::text(int col) const {
    return std::string(value(col), static_cast<std::size_t>(PQgetlength(result_, row_, col)));
}

Db::Db(const std::string& url) : url_(url), conn_(connect(url)) { renew_cancel(); }

Db::~Db() {
    PQfreeCancel(cancel_);
    PQfinish(conn_);
}

void Db::renew_cancel() {
    std::lock_guard lock(cancel_mutex_);
    PQfreeCancel(cancel_);
    cancel_ = PQgetCancel(conn_);
}

void Db::cancel() {
    std::lock_guard lock(cancel_mutex_);
    char error[256];
    if (cancel_) PQcancel(cancel_, error, sizeof error);
}

void Db::reconnect_if_broken() {
    // Between transactions, first take in what the server sent meanwhile (no wait: libpq's
    // socket does not block): a server that shut down sent its last message and closed the
    // connection, which is noticed here (the second read sees the end after that message)
    // instead of by the next statement failing (each request worker's connection would fail a
    // request).
    if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE && PQconsumeInput(conn_))
        PQconsumeInput(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) return;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK)
        throw StorageUnavailable(std::string("PostgreSQL connection lost: ") + PQerrorMessage(conn_));
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    renew_cancel();
    for (auto& [sql, shape] : shapes_) shape.prepared.clear();  // they died with the old session
    if (on_reconnect_) on_reconnect_();
}

Stmt Db::prepare(std::string_view sql) {
    auto it = shapes_.find(std::string(sql));
    if (it == shapes_.end()) it = shapes_.emplace(std::string(sql), translate_placeholders(sql)).first;
    return Stmt(*this, it->second);
}

pg_result* Db::run(Stmt::Shape& shape, const std::vector<std::optional<std::string>>& values,
                   const std::vector<unsigned>& types) {
    reconnect_if_broken();
    auto name = shape.prepared.find(types);
    if (name == shape.prepared.end()) {
        const std::string n = std::string("s").append(std::to_string(++statements_));
        std::vector<Oid> oids(types.begin(), types.end());
        PGresult* r = PQprepare(conn_, n.c_str(), shape.sql.c_str(), static_cast<int>(oids.size()), oids.data());
        if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, shape.sql);
        PQclear(r);
        name = shape.prepared.emplace(types, n).first;
    }
    std::vector<const char*> params;
    params.reserve(values.size());
    for (const auto& v : values) params.push_back(v ? v->c_str() : nullptr);
    PGresult* r = PQexecPrepared(conn_, name->second.c_str(), static_cast<int>(params.size()), params.data(),
                                 nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(r, shape.sql);
    const char* tuples = PQcmdTuples(r);
    changes_ = tuples && *tuples ? std::atoi(tuples) : 0;
    return r;
}

void Db::exec(std::string_view sql) {
    reconnect_if_broken();
    PGresult* r = PQexec(conn_, std::string(sql).c_str());
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, sql);
    PQclear(r);
}

std::int64_t Db::last_insert_id() {
    auto st = prepare("SELECT lastval()");
    st.step();
    return st.int64(0);
}

void Db::fail(pg_result* result, std::string_view what) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    const std::string text = "postgres: " + msg + " (" + (state ? state : "no SQLSTATE") + ") in: " +
                             std::string(what.substr(0, 160));
    const bool trouble = storage_trouble(state) || PQstatus(conn_) != CONNECTION_OK;
    PQclear(result);
    if (trouble) throw StorageUnavailable(text);
    throw std::runtime_error(text);
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN"); }
Transaction::~Transaction() {
    if (!done_ && PQstatus(db_.handle()) == CONNECTION_OK) PQclear(PQexec(db_.handle(), "ROLLBACK"));
}
void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace gp::store::postgres
