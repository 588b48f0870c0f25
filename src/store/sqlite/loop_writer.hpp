#pragma once
// SQLite has one writer at a time, and a commit by one connection drops the page cache of every
// other. The delivery engine's writes (its attempt outcomes) therefore run on the event loop's
// connection, between requests, not on the engine's own: the loop never waits for the write
// lock, and neither connection reads its pages again after each of the other's commits. The
// engine's thread posts each write to the loop and waits for it; once the loop has stopped
// (shutdown), the write runs on the caller's own connection.
#include <cstddef>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace gp::store::sqlite {

class SqliteStore;

class LoopWriter {
public:
    using Post = std::function<void(std::function<void()>)>;  // runs a function on the event loop
    using Job = std::function<std::size_t(SqliteStore&)>;

    LoopWriter(SqliteStore& loop_store, Post post);
    // Runs job on the event loop's store and returns its result (or throws what it threw); once
    // close() was called, on `here`. Waits meanwhile.
    std::size_t run(const Job& job, SqliteStore& here);
    // The event loop has stopped (any thread): jobs it has not run run on their caller's store.
    void close();

private:
    SqliteStore& loop_store_;
    const Post post_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool closed_ = false;
};

}  // namespace gp::store::sqlite
