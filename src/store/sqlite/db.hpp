#pragma once
// Thin RAII layer over the SQLite C API: a connection, prepared statements
// (cached per SQL text) and a scoped transaction.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sql/nullable_columns.hpp"

namespace gp::store::sqlite {

class Db;
class Transaction;

class Stmt : public sql::NullableColumns<Stmt> {
public:
    Stmt(Db& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
    Stmt& bind(int i, double v);
    Stmt& bind(int i, std::string_view v);
    Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, std::nullptr_t);
    template <class T>
    Stmt& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : bind(i, nullptr);
    }
    // Binds all arguments to parameters 1..N.
    template <class... Args>
    Stmt& bind_all(const Args&... args) {
        int i = 0;
        (bind(++i, args), ...);
        return *this;
    }

    bool step();  // true while a row is available
    void exec() { while (step()) {} }

    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
    int integer(int col) const { return sqlite3_column_int(stmt_, col); }
    bool boolean(int col) const { return sqlite3_column_int(stmt_, col) != 0; }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) const;

private:
    Db* db_;
    sqlite3_stmt* stmt_;
};

class Db {
public:
    // Whose connection it is, for the busy-wait metric's label: the event loop's (which also
    // writes the delivery engine's outcomes, store/sqlite/loop_writer) or a background one.
    enum class Role { EventLoop, Background };
    using Transaction = sqlite::Transaction;

    explicit Db(const std::string& path, Role role = Role::Background);
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    Stmt prepare(std::string_view sql);  // cached; reset when the Stmt goes out of scope
    void exec(std::string_view sql);     // one or more statements, no results
    std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    [[noreturn]] void fail(std::string_view what) const;
    sqlite3* handle() const { return db_; }

private:
    static int on_busy(void* self, int tries);

    sqlite3* db_ = nullptr;
    Role role_;
    // Looked up by the SQL's view: no copy of the text per statement run.
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
    };
    std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
};

// At start-up, before the first connection: creates the database's folder, and throws
// StorageUnavailable, naming the file and the reason, when the process cannot write the
// database, its WAL files, or new files in that folder.
void prepare_database_file(const std::string& path);

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
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

}  // namespace gp::store::sqlite
