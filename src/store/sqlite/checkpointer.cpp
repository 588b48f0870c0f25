#include "store/sqlite/checkpointer.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace gp::store::sqlite {

namespace {

std::mutex g_running_mutex;
std::unordered_map<std::string, std::weak_ptr<Checkpointer>> g_running;  // by database path

}  // namespace

Checkpointer::Checkpointer(const std::string& path, Db& writer, int pages)
    : db_(path), pages_(pages), thread_([this] { run(); }) {
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
    thread_.join();
}

int Checkpointer::on_commit(void* self, sqlite3*, const char*, int wal_pages) {
    auto* c = static_cast<Checkpointer*>(self);
    int base = c->checkpointed_frames_.load(std::memory_order_relaxed);
    if (wal_pages < base) {  // the WAL restarted
        base = 0;
        c->checkpointed_frames_.store(0, std::memory_order_relaxed);
    }
    if (wal_pages - base < c->pages_) return SQLITE_OK;
    {
        std::lock_guard lock(c->mutex_);
        if (c->requested_) return SQLITE_OK;  // already asked; no wake-up per commit
        c->requested_ = true;
    }
    c->wake_.notify_one();
    return SQLITE_OK;
}

void Checkpointer::run() {
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);  // behind the event loop
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return requested_ || stopping_; });
        if (stopping_) return;
        requested_ = false;
        lock.unlock();
        int wal_frames = 0;
        int rc = sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, nullptr);
        checkpointed_frames_.store(std::max(wal_frames, 0), std::memory_order_relaxed);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            spdlog::warn("msg=\"wal checkpoint failed\" error=\"{}\"", sqlite3_errmsg(db_.handle()));
        lock.lock();
    }
}

}  // namespace gp::store::sqlite
