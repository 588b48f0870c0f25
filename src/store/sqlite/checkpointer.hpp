#pragma once
// Moves WAL checkpoints off the thread that commits. SQLite's automatic checkpoint
// runs inside the commit that crosses the threshold and fsyncs the database file,
// which put multi-millisecond stalls on the event loop. With a Checkpointer the
// connection's WAL hook only asks; this thread, on its own connection, checkpoints
// (PASSIVE: never blocks writers or readers). A checkpoint is asked for once the
// WAL has grown by `pages` since the last one: while readers keep the WAL from
// restarting it stays above any fixed size, and asking on every commit then kept
// the disk busy with back-to-back fsyncs that stalled the committing thread. Each
// checkpoint syncs the WAL written since the last one, and requests that overlap it
// wait longer: every 1,500 pages rather than 4,000, the API's p99 during a webhook
// burst fell from about 1.8 to 1.3 ms (median of 8 alternating runs; lower in 7).
// The WAL restarts (is written from its start again) only once a checkpoint has copied
// every frame, and a PASSIVE one syncs the WAL first: under steady writes (1,000 POSTs a second:
// 11 MB of WAL a second; a webhook burst: 60 MB) none ever caught up, and the WAL grew
// without bound. Once it holds `max_pages`, a RESTART checkpoint follows the PASSIVE one:
// it holds writers off for the 4 ms it takes (the one stall of the loop it allows; the
// database file is synced first, with writers going on), and the file, no longer growing,
// is rewritten in place. At twice `max_pages` (this thread starved of CPU, or a reader
// holding its snapshot) each commit waits for the next checkpoint, so the WAL stays bounded.
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/db.hpp"

namespace gp::store::sqlite {

class Checkpointer {
public:
    // Installs the WAL hook on `writer`; checkpoints each time the WAL grows by `pages` pages,
    // and restarts it once it holds `max_pages` (about 1 KiB each); past twice that, commits
    // wait for a checkpoint.
    Checkpointer(const std::string& path, Db& writer, int pages = 1500, int max_pages = 128 * 1024);
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // Starts the checkpointer of the database at `path` (its writer: the event loop's connection).
    static std::shared_ptr<Checkpointer> start(const std::string& path, Db& writer);
    // The running checkpointer of `path`, if any. Another connection that writes (the delivery
    // engine's) asks it too, through watch(), instead of running SQLite's automatic checkpoint
    // in its own commits: past 1,000 WAL pages that checkpointed after every one of them (the
    // WAL does not restart during a burst), copying the pages both connections keep rewriting
    // about a hundred times a second, with an fsync each time.
    static std::shared_ptr<Checkpointer> of(const std::string& path);
    void watch(Db& db);

private:
    static int on_commit(void* self, sqlite3*, const char*, int wal_pages);
    void run();
    // One checkpoint; with `restart`, the WAL is written from its start again afterwards.
    int checkpoint(bool restart, int& wal_frames);

    Db db_;
    int db_file_;  // the database file, to sync it without SQLite's locks
    int pages_;
    int max_pages_;
    std::chrono::steady_clock::time_point restart_wait_started_;  // the RESTART's wait for readers
    std::atomic<int> checkpointed_frames_{0};  // WAL size at the last checkpoint
    std::mutex mutex_;
    std::condition_variable wake_;
    bool requested_ = false;
    bool restart_ = false;  // the WAL reached max_pages_
    bool stopping_ = false;
    std::uint64_t finished_ = 0;  // checkpoints run (or tried)
    std::condition_variable finished_changed_;
    std::thread thread_;
};

}  // namespace gp::store::sqlite
