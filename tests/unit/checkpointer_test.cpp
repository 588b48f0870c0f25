// store/sqlite/checkpointer: under commits without a pause no PASSIVE checkpoint catches up,
// so the WAL would never restart; past its cap it must.
#include "store/sqlite/checkpointer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
    // The largest the WAL file got over `commits` back-to-back commits of about 2 KiB each.
    std::uintmax_t largest_wal(int pages, int max_pages, int commits) {
        Db writer(path_, Db::Role::EventLoop);
        writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
        const auto checkpointer = std::make_shared<Checkpointer>(path_, writer, pages, max_pages);
        std::uintmax_t largest = 0;
        for (int i = 0; i < commits; ++i) {
            Transaction tx(writer);
            writer.prepare("INSERT OR REPLACE INTO t (id, v) VALUES (?, zeroblob(2000))").bind_all(i % 500).exec();
            tx.commit();
            if (i % 100 == 0) largest = std::max(largest, std::filesystem::file_size(path_ + "-wal"));
        }
        return largest;
    }

    gp::test::TempFolder dir_{"ckpt"};
    const std::string path_ = dir_.file("test.db");
};

TEST_F(CheckpointerTest, TheWalStopsGrowingAtItsCapUnderCommitsWithoutAPause) {
    constexpr int kMaxPages = 8000;
    constexpr std::uintmax_t kFrameBytes = 1024 + 24;
    const std::uintmax_t largest = largest_wal(200, kMaxPages, 60000);
    // Without the cap it grew to 239,654 frames (each commit writes 3 or more). With it, the
    // frames written while the checkpoints run (fsyncs) come on top of the cap: it reached 9,700
    // frames alone, 18,600-22,800 with the other core busy, 37,900 with both cores busy besides.
    EXPECT_LT(largest, 6 * kMaxPages * kFrameBytes) << largest / kFrameBytes << " frames";
}

}  // namespace
