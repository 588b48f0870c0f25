#include "store/sqlite/wal_writes.hpp"

#include <sched.h>
#include <sqlite3.h>

#include <algorithm>
#include <new>
#include <stdexcept>
#include <vector>

namespace gp::store::sqlite {

namespace {

constexpr int kWalHeaderBytes = 32;
constexpr int kFrameHeaderBytes = 24;
constexpr std::size_t kMaxGathered = 256 * 1024;  // a transaction larger than this is written in parts
// The default VFS writes at most 128 KiB - 1 per call (it masks the length with 0x1ffff).
constexpr std::size_t kMaxWrite = 64 * 1024;
// The page cache's unit: a write that covers part of a page the cache does not hold must
// first read that page from the disk (see flush()).
constexpr sqlite3_int64 kCachePageBytes = 4096;

sqlite3_vfs* g_base = nullptr;  // the default VFS, which does the I/O

thread_local int t_yield_every = 0;  // see yield_during_wal_reads()
thread_local int t_reads = 0;

// A WAL file: SQLite's sqlite3_file first, the default VFS's file after it.
struct WalFile {
    sqlite3_file file;
    sqlite3_file* real;
    std::vector<char> gathered;  // consecutive appends not written yet
    sqlite3_int64 offset = 0;    // where gathered[0] goes
    bool page_next = false;      // a frame header was gathered last: its page follows
    bool commit = false;         // ... and it is a commit frame's

    sqlite3_int64 end() const { return offset + static_cast<sqlite3_int64>(gathered.size()); }
};

constexpr std::size_t kRealOffset = (sizeof(WalFile) + 15) & ~std::size_t{15};

WalFile& wal(sqlite3_file* f) { return *reinterpret_cast<WalFile*>(f); }

// `to_page_end`: the gathered frames end with a commit frame, the log's last (SQLite never
// rewrites a commit frame in place), so nothing valid follows them, and zeros fill the rest of
// their last page. Without them, once the WAL had restarted over its old frames, a commit that
// ended in a page the kernel had dropped from its cache (this host reclaims cold page cache)
// waited in write() for that page to be read from the disk: 24-62 reads in a 5 s webhook
// burst, on the event loop. Zeros there are an invalid frame, as the old frames are (their
// salt differs), so recovery stops where it did.
int flush(WalFile& w, bool to_page_end = false) {
    if (to_page_end)
        w.gathered.resize(w.gathered.size() + static_cast<std::size_t>(-w.end() & (kCachePageBytes - 1)));
    w.page_next = w.commit = false;
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < w.gathered.size() && rc == SQLITE_OK; done += kMaxWrite) {
        const auto n = std::min(kMaxWrite, w.gathered.size() - done);
        rc = w.real->pMethods->xWrite(w.real, w.gathered.data() + done, static_cast<int>(n),
                                      w.offset + static_cast<sqlite3_int64>(done));
    }
    w.gathered.clear();
    return rc;
}

void gather(WalFile& w, const void* data, int amount, sqlite3_int64 offset) {
    if (w.gathered.empty()) w.offset = offset;
    const auto* bytes = static_cast<const char*>(data);
    w.gathered.insert(w.gathered.end(), bytes, bytes + amount);
}

int wal_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
    WalFile& w = wal(f);
    const bool appends = w.gathered.empty() || offset == w.end();
    if (w.page_next && appends && amount > kFrameHeaderBytes) {  // the page of the header gathered last
        const bool commit = w.commit;
        gather(w, data, amount, offset);
        w.page_next = false;
        if (commit || w.gathered.size() >= kMaxGathered) return flush(w, commit);
        return SQLITE_OK;
    }
    const bool wal_header = offset == 0 && amount == kWalHeaderBytes;
    const bool frame_header = offset >= kWalHeaderBytes && amount == kFrameHeaderBytes;
    if (!w.page_next && (wal_header || frame_header)) {
        if (!appends)
            if (const int rc = flush(w); rc != SQLITE_OK) return rc;
        gather(w, data, amount, offset);
        if (frame_header) {
            const auto* h = static_cast<const unsigned char*>(data);
            w.page_next = true;
            w.commit = (h[4] | h[5] | h[6] | h[7]) != 0;  // the database size after a commit
        }
        return SQLITE_OK;
    }
    // Anything else (a frame rewritten in place, checksums redone): written as it comes.
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    return w.real->pMethods->xWrite(w.real, data, amount, offset);
}

int wal_close(sqlite3_file* f) {
    WalFile& w = wal(f);
    const int flushed = flush(w);
    const int rc = w.real->pMethods->xClose(w.real);
    w.~WalFile();
    return flushed != SQLITE_OK ? flushed : rc;
}

int wal_read(sqlite3_file* f, void* data, int amount, sqlite3_int64 offset) {
    if (t_yield_every > 0 && ++t_reads >= t_yield_every) {
        t_reads = 0;
        sched_yield();
    }
    WalFile& w = wal(f);
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    return w.real->pMethods->xRead(w.real, data, amount, offset);
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
    WalFile& w = wal(f);
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    return w.real->pMethods->xTruncate(w.real, size);
}

int wal_sync(sqlite3_file* f, int flags) {
    WalFile& w = wal(f);
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    return w.real->pMethods->xSync(w.real, flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
    WalFile& w = wal(f);
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    return w.real->pMethods->xFileSize(w.real, size);
}

int wal_file_control(sqlite3_file* f, int op, void* arg) {
    WalFile& w = wal(f);
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    return w.real->pMethods->xFileControl(w.real, op, arg);
}

int wal_lock(sqlite3_file* f, int level) { return wal(f).real->pMethods->xLock(wal(f).real, level); }
int wal_unlock(sqlite3_file* f, int level) { return wal(f).real->pMethods->xUnlock(wal(f).real, level); }
int wal_check_reserved_lock(sqlite3_file* f, int* out) {
    return wal(f).real->pMethods->xCheckReservedLock(wal(f).real, out);
}
int wal_sector_size(sqlite3_file* f) { return wal(f).real->pMethods->xSectorSize(wal(f).real); }
int wal_device_characteristics(sqlite3_file* f) {
    return wal(f).real->pMethods->xDeviceCharacteristics(wal(f).real);
}

// Version 1: a WAL file has no shared memory or memory mapping of its own (those are the
// database file's, which keeps the default VFS's methods).
const sqlite3_io_methods kWalMethods = {
    1,        wal_close,       wal_read,
    wal_write, wal_truncate,   wal_sync,
    wal_file_size, wal_lock,   wal_unlock,
    wal_check_reserved_lock, wal_file_control, wal_sector_size,
    wal_device_characteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    if (!(flags & SQLITE_OPEN_WAL)) return g_base->xOpen(g_base, name, file, flags, out_flags);
    auto* w = new (file) WalFile{};
    w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
    const int rc = g_base->xOpen(g_base, name, w->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        // SQLite closes a file whose pMethods is set; the default VFS's own file is closed already.
        if (w->real->pMethods) w->real->pMethods->xClose(w->real);
        w->~WalFile();
        file->pMethods = nullptr;
        return rc;
    }
    file->pMethods = &kWalMethods;
    return SQLITE_OK;
}

sqlite3_vfs make_vfs() {
    g_base = sqlite3_vfs_find(nullptr);
    if (!g_base) throw std::runtime_error("sqlite: no default VFS");
    sqlite3_vfs vfs = *g_base;  // everything but opening a file is the default VFS's
    vfs.pNext = nullptr;
    vfs.zName = "gamepicker-wal-writes";
    vfs.szOsFile = static_cast<int>(kRealOffset) + g_base->szOsFile;
    vfs.xOpen = open_file;
    return vfs;
}

}  // namespace

void yield_during_wal_reads(int every) { t_yield_every = every; }

const char* wal_write_vfs() {
    static sqlite3_vfs vfs = make_vfs();
    static const int registered = sqlite3_vfs_register(&vfs, 0);
    if (registered != SQLITE_OK) throw std::runtime_error("sqlite: cannot register the WAL write VFS");
    return vfs.zName;
}

}  // namespace gp::store::sqlite
