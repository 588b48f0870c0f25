// store/sqlite/checkpointer: under commits without a pause no PASSIVE checkpoint catches up,
// so the WAL would never restart; past its cap it must.
#include "store/sqlite/checkpointer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include "store/sqlite/db.hpp"
#include "temp_folder.hpp"

namespace {

using gp::store::sqlite::Checkpointer;
using gp::store::sqlite::Db;
using gp::store::sqlite::Transaction;

class CheckpointerTest : public ::testing::Test {
protected:
    static constexpr std::uintmax_t kFrameBytes = 1024 + 24;  // a WAL frame: its header and a page

    CheckpointerTest() { writer_.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)"); }

    // One commit of about 2 KiB.
    void commit(int i) {
        Transaction tx(writer_);
        writer_.prepare("INSERT OR REPLACE INTO t (id, v) VALUES (?, zeroblob(2000))").bind_all(i % 500).exec();
        tx.commit();
    }
    std::uintmax_t wal_bytes() const { return std::filesystem::file_size(path_ + "-wal"); }

    // The largest the WAL file got over `commits` back-to-back commits.
    std::uintmax_t largest_wal(int pages, int max_pages, int commits) {
        const auto checkpointer = std::make_shared<Checkpointer>(path_, writer_, pages, max_pages);
        std::uintmax_t largest = 0;
        for (int i = 0; i < commits; ++i) {
            commit(i);
            if (i % 100 == 0) largest = std::max(largest, wal_bytes());
        }
        return largest;
    }

    gp::test::TempFolder dir_{"ckpt"};
    const std::string path_ = dir_.file("test.db");
    Db writer_{path_, Db::Role::EventLoop};
};

TEST_F(CheckpointerTest, TheWalStopsGrowingAtItsCapUnderCommitsWithoutAPause) {
    constexpr int kMaxPages = 8000;
    const std::uintmax_t largest = largest_wal(200, kMaxPages, 60000);
    // Without the cap it grew to 239,654 frames (each commit writes 3 or more). With it, the
    // frames written while the checkpoints run (fsyncs) come on top of the cap: 10,500-12,700
    // frames alone; with a CPU hog on each core 24,000-69,000 before commits waited past twice
    // the cap (a commit adds a few frames to that).
    EXPECT_LT(largest, (2 * kMaxPages + 200) * kFrameBytes) << largest / kFrameBytes << " frames";
}

TEST_F(CheckpointerTest, PastTwiceItsCapEachCommitWaitsForACheckpoint) {
    // A reader that holds its snapshot keeps every checkpoint short of the WAL's end, as a
    // checkpointer that gets no CPU time does. Without the wait the WAL reached 5,000-33,000
    // frames in the time below.
    constexpr int kMaxPages = 1000;
    const auto checkpointer = std::make_shared<Checkpointer>(path_, writer_, 200, kMaxPages);
    Db reader(path_);
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) FROM t").step();  // the snapshot starts with the first read
    std::uintmax_t largest = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
    for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
        commit(i);
        largest = std::max(largest, wal_bytes());
    }
    EXPECT_LT(largest, (2 * kMaxPages + 200) * kFrameBytes) << largest / kFrameBytes << " frames";
    reader.exec("COMMIT");
}

}  // namespace
