#include "store/sqlite/db.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "metrics/instruments.hpp"
#include "store/errors.hpp"
#include "store/sqlite/wal_writes.hpp"

namespace gp::store::sqlite {

Stmt::~Stmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) db_->fail("bind");
    return *this;
}
Stmt& Stmt::bind(int i, double v) {
    if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK) db_->fail("bind");
    return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
    if (sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
        db_->fail("bind");
    return *this;
}
Stmt& Stmt::bind(int i, std::nullptr_t) {
    if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) db_->fail("bind");
    return *this;
}

bool Stmt::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail(sqlite3_sql(stmt_));
}

std::string Stmt::text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

namespace {

// A failure of the disk or the file rather than of the statement: the statement may
// work later, so callers answer "try again" instead of "bug".
bool storage_trouble(int rc) {
    switch (rc & 0xff) {
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN: return true;
        default: return false;
    }
}

// SQLite's process-wide set-up, once, before its first use, and the VFS every connection opens
// with. No memory statistics: with them every allocation by any connection takes one process-wide
// mutex, and the event loop waited on it (14 times in a 4 s webhook burst) behind the delivery
// engine's thread, which runs only when the core is otherwise idle.
const char* configured_vfs() {
    static const char* vfs = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return wal_write_vfs();
    }();
    return vfs;
}

// rc is the extended result code (e.g. 778, SQLITE_IOERR_WRITE: says which I/O failed).
[[noreturn]] void throw_sqlite(int rc, std::string_view message, std::string_view what) {
    std::string text = "sqlite: " + std::string(message) + " (code " + std::to_string(rc) + ") in: " +
                       std::string(what.substr(0, 160));
    if (storage_trouble(rc)) throw StorageUnavailable(text);
    throw std::runtime_error(text);
}
}  // namespace

Db::Db(const std::string& path, Role role) : role_(role) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        configured_vfs()) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("cannot open database '" + path + "': " + msg);
    }
    // SQLite quietly opens a file it may not write read-only; every write would then fail.
    if (sqlite3_db_readonly(db_, "main") == 1) {
        sqlite3_close(db_);
        throw StorageUnavailable("database '" + path + "' can only be opened read-only");
    }
    sqlite3_busy_handler(db_, &Db::on_busy, this);
    // WAL + NORMAL: a commit survives a crash of the process (not of the OS) without an
    // fsync per commit. Sorts and temporary b-trees stay in memory, not in temp files.
    // 1 KiB pages (new databases only): every commit writes each page it touched to the
    // WAL, and ours touch many pages with a small row each; 4 KiB pages quadrupled the
    // bytes written during a webhook burst.
    exec("PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
         "PRAGMA temp_store=MEMORY;");
}

void prepare_database_file(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path file(path);
    const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw StorageUnavailable("cannot create the database folder '" + folder.string() + "': " + ec.message());
    auto refuse = [](int error, const std::string& what) {
        throw StorageUnavailable(what + ": " + std::strerror(error) + " (the server must be able to write it)");
    };
    // The database and its WAL files, where they exist, are opened for writing as SQLite will.
    for (const std::string& name : {path, path + "-wal", path + "-shm"}) {
        const int fd = ::open(name.c_str(), O_RDWR | O_CLOEXEC);
        if (fd >= 0)
            ::close(fd);
        else if (const int error = errno; error != ENOENT)
            refuse(error, "cannot write the database file '" + name + "'");
    }
    // SQLite creates the database and its -wal and -shm files beside it.
    const std::string probe = path + ".write-test-" + std::to_string(::getpid());
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (const int error = fd < 0 ? errno : 0; error != 0)
        refuse(error, "cannot create files in the database folder '" + folder.string() + "'");
    ::close(fd);
    ::unlink(probe.c_str());
}

// SQLite's own busy timeout sleeps 1, 2, 5, 10... ms between tries, which turns a
// brief overlap with the other connection's write into a multi-millisecond stall on
// the event loop. Poll every 50 us for the first 10 ms, then every 1 ms, up to ~5 s.
int Db::on_busy(void* self, int tries) {
    constexpr int kFastTries = 200, kSlowTries = 5000;
    if (tries == 0) metrics::instruments().sqlite_busy_wait(static_cast<Db*>(self)->role_ == Role::EventLoop);
    if (tries >= kFastTries + kSlowTries) return 0;
    std::this_thread::sleep_for(std::chrono::microseconds(tries < kFastTries ? 50 : 1000));
    return 1;
}

Db::~Db() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

Stmt Db::prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                               nullptr) != SQLITE_OK)
            fail(sql);
        it = cache_.emplace(std::string(sql), stmt).first;
    }
    return Stmt(*this, it->second);
}

void Db::exec(std::string_view sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw_sqlite(sqlite3_extended_errcode(db_), msg, sql);
    }
}

void Db::fail(std::string_view what) const {
    throw_sqlite(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_), what);
}

// Prepared once per connection, like every other statement: sqlite3_exec would compile them
// again for each transaction.
Transaction::Transaction(Db& db) : db_(db) { db_.prepare("BEGIN IMMEDIATE").exec(); }
Transaction::~Transaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
    db_.prepare("COMMIT").exec();
    done_ = true;
}

}  // namespace gp::store::sqlite
