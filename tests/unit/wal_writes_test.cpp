// store/sqlite/wal_writes: a commit's WAL frames gathered into one write must be in the
// file when the commit returns, for the other connections and for a process that dies.
#include "store/sqlite/wal_writes.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/sqlite/db.hpp"
#include "temp_folder.hpp"

namespace {

using gp::store::sqlite::Db;
using gp::store::sqlite::Transaction;

class WalWrites : public ::testing::Test {
protected:
    static void create_table(Db& db) {
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL); "
                "CREATE INDEX t_by_k ON t (k)");
    }
    // Rows [first, first + n) in one transaction, spread over the index.
    static void insert(Db& db, int first, int n, bool commit = true) {
        Transaction tx(db);
        for (int i = first; i < first + n; ++i)
            db.prepare("INSERT INTO t (id, k, v) VALUES (?, ?, ?)").bind_all(i, (i * 7919) % 1000, value(i)).exec();
        if (commit) tx.commit();
    }
    static std::string value(int i) { return std::string(200 + i % 300, static_cast<char>('a' + i % 26)); }
    static std::int64_t count(Db& db) {
        auto st = db.prepare("SELECT count(*) FROM t");
        st.step();
        return st.int64(0);
    }
    static std::int64_t total_length(Db& db) {
        auto st = db.prepare("SELECT sum(length(v)) FROM t");
        st.step();
        return st.int64(0);
    }
    static std::int64_t expected_length(int n) {
        std::int64_t sum = 0;
        for (int i = 0; i < n; ++i) sum += static_cast<std::int64_t>(value(i).size());
        return sum;
    }
    static std::string integrity(Db& db) {
        auto st = db.prepare("PRAGMA integrity_check");
        st.step();
        return st.text(0);
    }

    std::uintmax_t wal_bytes() const { return std::filesystem::file_size(path_ + "-wal"); }

    gp::test::TempFolder dir_{"wal"};
    const std::string path_ = dir_.file("test.db");
};

TEST_F(WalWrites, EachCommitIsReadByAnotherConnectionAtOnce) {
    Db writer(path_), reader(path_);
    create_table(writer);
    for (int n = 0; n < 3000; n += 10) {
        insert(writer, n, 10);
        ASSERT_EQ(count(reader), n + 10);
    }
    EXPECT_EQ(total_length(reader), expected_length(3000));
    EXPECT_EQ(integrity(reader), "ok");
}

TEST_F(WalWrites, TransactionsLargerThanTheCacheCommitOrRollBack) {
    Db writer(path_), reader(path_);
    writer.exec("PRAGMA cache_size=20");  // pages spill to the WAL before the commit
    create_table(writer);
    insert(writer, 0, 8000);  // several MiB: written in parts
    EXPECT_EQ(count(reader), 8000);
    insert(writer, 8000, 4000, false);  // spilled, then rolled back
    EXPECT_EQ(count(reader), 8000);
    insert(writer, 8000, 10);
    EXPECT_EQ(count(reader), 8010);
    EXPECT_EQ(count(writer), 8010);
    EXPECT_EQ(total_length(reader), expected_length(8010));
    EXPECT_EQ(integrity(reader), "ok");
}

TEST_F(WalWrites, ACommitOutlivesAProcessThatDiesRightAfterIt) {
    {
        Db db(path_);
        create_table(db);
    }
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        Db db(path_);
        insert(db, 0, 50);
        ::_exit(0);  // no close, no checkpoint: only what the commit wrote is there
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    Db db(path_);
    EXPECT_EQ(count(db), 50);
    EXPECT_EQ(integrity(db), "ok");
}

// A commit fills its last page of the file with zeros (no write needs to read a page back).
// After the WAL restarts over its old frames, a crash leaves a log that recovery reads up to
// its last commit, neither into the zeros nor into the old frames beyond them.
TEST_F(WalWrites, CommitsEndOnAWholePageAndRecoveryStopsAtTheLastOne) {
    Db db(path_);
    create_table(db);
    for (int n = 0; n < 2000; n += 10) {
        insert(db, n, 10);
        ASSERT_EQ(wal_bytes() % 4096, 0u) << "after row " << n;
    }
    db.exec("PRAGMA wal_checkpoint(RESTART)");
    const auto old_wal = wal_bytes();
    for (int n = 2000; n < 2030; n += 10) insert(db, n, 10);  // over the start of the old log
    ASSERT_EQ(wal_bytes(), old_wal);
    // A crash: the files as they are, without the WAL index (shared memory), which recovery rebuilds.
    const auto crashed = dir_.file("crashed.db");
    std::filesystem::copy_file(path_, crashed);
    std::filesystem::copy_file(path_ + "-wal", crashed + "-wal");
    Db recovered(crashed);
    EXPECT_EQ(count(recovered), 2030);
    EXPECT_EQ(total_length(recovered), expected_length(2030));
    EXPECT_EQ(integrity(recovered), "ok");
}

}  // namespace
