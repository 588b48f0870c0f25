#pragma once
// Moves WAL checkpoints off the thread that commits. SQLite's automatic checkpoint
// runs inside the commit that crosses the threshold and fsyncs the database file,
// which put multi-millisecond stalls on the event loop. With a Checkpointer the
// connection's WAL hook only asks; this thread, on its own connection, checkpoints
// (PASSIVE: never blocks writers or readers).
#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/db.hpp"

namespace gp::store::sqlite {

class Checkpointer {
public:
    // Installs the WAL hook on `writer`; checkpoints once the WAL holds `pages` pages.
    Checkpointer(const std::string& path, Db& writer, int pages = 1000);
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

private:
    static int on_commit(void* self, sqlite3*, const char*, int wal_pages);
    void run();

    Db db_;
    int pages_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool requested_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace gp::store::sqlite
