#pragma once
// Thin RAII layer over libpq with the interface of sqlite::Db, so the SQL both stores
// share (store/sql/) runs on either: statements written with `?` / `?N` placeholders
// become `$N` (renumbered without gaps), are prepared once per connection and
// parameter types, and run with text parameters; a Stmt holds its result and steps
// through its rows.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;
struct pg_cancel;

#include "store/sql/nullable_columns.hpp"

namespace gp::store::postgres {

class Db;
class Transaction;

class Stmt : public sql::NullableColumns<Stmt> {
public:
    struct Shape;  // the translated SQL and its parameter numbering
    Stmt(Db& db, Shape& shape);
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    Stmt& bind(int i, std::int64_t v) { return set(i, std::to_string(v), kInt8); }
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
    Stmt& bind(int i, double v);
    Stmt& bind(int i, std::string_view v) { return set(i, std::string(v), kText); }
    Stmt& bind(int i, const std::string& v) { return set(i, v, kText); }
    Stmt& bind(int i, const char* v) { return set(i, v, kText); }
    Stmt& bind(int i, std::nullptr_t) { return set(i, std::nullopt, 0); }
    template <class T>
    Stmt& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : set(i, std::nullopt, type_of<T>());  // a typed NULL
    }
    template <class... Args>
    Stmt& bind_all(const Args&... args) {
        int i = 0;
        (bind(++i, args), ...);
        return *this;
    }

    bool step();  // runs the statement at the first call; true while a row is available
    void exec() { while (step()) {} }

    std::int64_t int64(int col) const;
    int integer(int col) const { return static_cast<int>(int64(col)); }
    bool boolean(int col) const;
    bool is_null(int col) const;
    std::string text(int col) const;

private:
    static constexpr unsigned kInt8 = 20, kText = 25, kFloat8 = 701;
    template <class T>
    static constexpr unsigned type_of() {
        if constexpr (std::is_same_v<T, std::string>) return kText;
        else if constexpr (std::is_same_v<T, double>) return kFloat8;
        else return kInt8;
    }
    Stmt& set(int i, std::optional<std::string> value, unsigned type);
    const char* value(int col) const;

    Db* db_;
    Shape& shape_;
    std::vector<std::optional<std::string>> values_;
    std::vector<unsigned> types_;
    pg_result* result_ = nullptr;
    int row_ = -1;
    int rows_ = 0;
};

struct Stmt::Shape {
    std::string sql;                  // with $1..$n
    std::vector<int> parameter;       // SQLite-style number -> $ number (0: unused)
    int count = 0;                    // n
    std::map<std::vector<unsigned>, std::string> prepared;  // parameter types -> statement name
};

class Db {
public:
    using Transaction = postgres::Transaction;

    explicit Db(const std::string& url);
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    Stmt prepare(std::string_view sql);
    void exec(std::string_view sql);  // one or more statements, no parameters, no results
    std::int64_t last_insert_id();    // lastval(): the id the last INSERT into a serial column took
    int changes() const { return changes_; }
    pg_conn* handle() const { return conn_; }
    // Runs after the connection was re-established (a new database session: its advisory
    // locks are gone).
    void on_reconnect(std::function<void()> f) { on_reconnect_ = std::move(f); }
    // Any thread: asks the server to cancel the statement running on this connection.
    void cancel();

private:
    friend class Stmt;
    // Runs a prepared statement (preparing it first on this connection); throws on failure.
    pg_result* run(Stmt::Shape& shape, const std::vector<std::optional<std::string>>& values,
                   const std::vector<unsigned>& types);
    [[noreturn]] void fail(pg_result* result, std::string_view what);
    void reconnect_if_broken();
    void renew_cancel();  // after (re)connecting: cancel() targets the current session

    std::string url_;
    pg_conn* conn_ = nullptr;
    std::mutex cancel_mutex_;
    pg_cancel* cancel_ = nullptr;  // guarded by cancel_mutex_
    std::unordered_map<std::string, Stmt::Shape> shapes_;
    int statements_ = 0;  // names prepared statements s1, s2, ...
    int changes_ = 0;
    std::function<void()> on_reconnect_;
};

// BEGIN on construction; ROLLBACK unless commit() was called.
class Transaction {
public:
    explicit Transaction(Db& db);
    Transaction(const Transaction&) = delete;
    ~Transaction();
    void commit();

private:
    Db& db_;
    bool done_ = false;
};

// `?` (the next number) and `?N` placeholders -> `$k`, numbered 1..n in the order of N, so
// parameters a statement shape leaves out leave no gap (PostgreSQL must type every $k).
// Quoted literals and identifiers are copied as they are.
Stmt::Shape translate_placeholders(std::string_view sql);

// Connects to url (a postgres:// URL); throws StorageUnavailable when it cannot.
pg_conn* connect(const std::string& url);

}  // namespace gp::store::postgres
