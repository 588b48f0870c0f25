#include "store/sqlite/checkpointer.hpp"

#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "store/sqlite/wal_writes.hpp"

namespace gp::store::sqlite {

namespace {

std::mutex g_running_mutex;
std::unordered_map<std::string, std::weak_ptr<Checkpointer>> g_running;  // by database path

// A RESTART checkpoint holds writers off while it waits for readers: it waits 20 ms at
// most, then gives up until the next one (the connection's only waits are for it; a
// PASSIVE checkpoint never waits). 20 ms by the clock, not 400 tries of 50 us: with every
// core busy each sleep of this low-priority thread lasted milliseconds, and the API's
// writes were held off for seconds.
int restart_busy(void* wait_started, int tries) {
    auto& started = *static_cast<std::chrono::steady_clock::time_point*>(wait_started);
    const auto now = std::chrono::steady_clock::now();
    if (tries == 0) started = now;
    else if (now - started >= std::chrono::milliseconds(20)) return 0;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    return 1;
}

}  // namespace

Checkpointer::Checkpointer(const std::string& path, Db& writer, int pages, int max_pages)
    : db_(path),
      db_file_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)),
      pages_(pages),
      max_pages_(max_pages),
      thread_([this] { run(); }) {
    sqlite3_busy_handler(db_.handle(), &restart_busy, &restart_wait_started_);
    watch(writer);
}

std::shared_ptr<Checkpointer> Checkpointer::start(const std::string& path, Db& writer) {
    auto c = std::make_shared<Checkpointer>(path, writer);
    std::lock_guard lock(g_running_mutex);
    g_running[path] = c;
    return c;
}

std::shared_ptr<Checkpointer> Checkpointer::of(const std::string& path) {
    std::lock_guard lock(g_running_mutex);
    const auto it = g_running.find(path);
    return it == g_running.end() ? nullptr : it->second.lock();
}

void Checkpointer::watch(Db& db) { sqlite3_wal_hook(db.handle(), &Checkpointer::on_commit, this); }

Checkpointer::~Checkpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    finished_changed_.notify_all();
    thread_.join();
    if (db_file_ >= 0) ::close(db_file_);
}

int Checkpointer::on_commit(void* self, sqlite3*, const char*, int wal_pages) {
    auto* c = static_cast<Checkpointer*>(self);
    int base = c->checkpointed_frames_.load(std::memory_order_relaxed);
    if (wal_pages < base) {  // the WAL restarted
        base = 0;
        c->checkpointed_frames_.store(0, std::memory_order_relaxed);
    }
    const bool over_limit = wal_pages >= 2 * c->max_pages_;
    if (!over_limit && wal_pages - base < c->pages_) return SQLITE_OK;
    std::uint64_t finished = 0;
    {
        std::lock_guard lock(c->mutex_);
        finished = c->finished_;
        const bool restart = wal_pages >= c->max_pages_;
        if (c->requested_ && (c->restart_ || !restart) && !over_limit)
            return SQLITE_OK;  // already asked; no wake-up per commit
        c->requested_ = true;
        c->restart_ = c->restart_ || restart;
    }
    c->wake_.notify_one();
    if (over_limit) {
        // Twice the cap: the checkpointer has not had the CPU to restart the WAL (every core busy,
        // at its lower priority), or a reader holds its snapshot. The committer waits for its
        // next checkpoint: the WAL's size stays bounded, whatever the machine's load.
        std::unique_lock lock(c->mutex_);
        c->finished_changed_.wait(lock, [&] { return c->finished_ != finished || c->stopping_; });
    }
    return SQLITE_OK;
}

void Checkpointer::run() {
    // Behind the event loop, but not SCHED_IDLE as the delivery engine is: with every core busy
    // that got it no CPU at all, and the WAL grew without bound (an unprivileged thread cannot
    // leave SCHED_IDLE to restart it when it must). SCHED_BATCH: woken by a commit, it no longer
    // preempts the loop that made the commit (at nice 10 alone it did, about 40 times in a 4 s
    // webhook burst, in the middle of a request, for 0.35 ms on average), and it keeps its share.
    // With every core busy it falls further behind (no preemption of the others either): the
    // commits' wait past twice the cap bounds the WAL then.
    sched_param batch{};
    sched_setscheduler(0, SCHED_BATCH, &batch);
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return requested_ || stopping_; });
        if (stopping_) return;
        requested_ = false;
        const bool restart = std::exchange(restart_, false);
        lock.unlock();
        int wal_frames = 0;
        const int rc = checkpoint(restart, wal_frames);
        checkpointed_frames_.store(std::max(wal_frames, 0), std::memory_order_relaxed);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            spdlog::warn("msg=\"wal checkpoint failed\" error=\"{}\"", sqlite3_errmsg(db_.handle()));
        lock.lock();
        ++finished_;
        finished_changed_.notify_all();
        // Commits made meanwhile, the WAL still full, asked again: the WAL restarts at the next
        // one. Another RESTART would hold writers off for nothing.
        if (restart && rc == SQLITE_OK) requested_ = restart_ = false;
    }
}

int Checkpointer::checkpoint(bool restart, int& wal_frames) {
    // Copying pages is a CPU burst of about 1 ms, and this kernel's scheduler (EEVDF) lets a woken
    // thread preempt only if its lag is not negative, which the event loop's, after running with
    // this thread waiting, often is: in a webhook burst the woken loop waited for the copy 0.76 ms
    // (median). A yield every 32 pages read lets it in. Not once the WAL has reached its cap: on
    // a machine with every core busy the yields let the WAL run ahead (commits then wait, past
    // twice the cap), and the RESTART that follows is waited for by writers.
    if (!restart) yield_during_wal_reads(32);
    int rc = sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, nullptr);
    yield_during_wal_reads(0);
    if (!restart) return rc;
    // A RESTART holds writers off until it has copied what is left and synced both files. The
    // database file's sync then carries every page the PASSIVE checkpoints copied since the
    // last RESTART (they do not sync it): 8-10 ms of the event loop's time in a webhook burst.
    // Synced here first, with writers going on, it is what the last PASSIVE copied: 3.7 ms.
    if (rc == SQLITE_OK && db_file_ >= 0) ::fdatasync(db_file_);
    if (rc == SQLITE_OK)
        rc = sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_RESTART, &wal_frames, nullptr);
    return rc;
}

}  // namespace gp::store::sqlite
