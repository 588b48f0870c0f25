#include "http/request_workers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <latch>
#include <set>
#include <stdexcept>
#include <thread>

#include "domain/error.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_folder.hpp"

namespace {

using gp::http::RequestWorkers;

class RequestWorkersTest : public ::testing::Test {
protected:
    // `count` workers on real SQLite connections; on_loop() posts to ioc_.
    std::unique_ptr<RequestWorkers> workers(int count) {
        std::vector<std::unique_ptr<gp::store::Store>> stores;
        for (int i = 0; i < count; ++i) {
            stores.push_back(std::make_unique<gp::store::sqlite::SqliteStore>(
                dir_.file("t.db"), nullptr, gp::store::sqlite::SqliteStore::Role::Background));
            opened_.insert(stores.back().get());
        }
        return std::make_unique<RequestWorkers>(
            std::move(stores), [this](std::function<void()> f) { boost::asio::post(ioc_, std::move(f)); });
    }

    gp::test::TempFolder dir_{"workers"};
    boost::asio::io_context ioc_{1};
    std::set<gp::store::Store*> opened_;
};

TEST_F(RequestWorkersTest, JobsRunAtOnceEachWithItsWorkersStore) {
    auto pool = workers(3);
    EXPECT_EQ(pool->size(), 3u);
    EXPECT_EQ(RequestWorkers::thread_store(), nullptr);  // not a worker
    std::latch all_running(3);
    std::mutex mutex;
    std::set<gp::store::Store*> seen;
    std::atomic<int> done{0};
    for (int i = 0; i < 3; ++i)
        pool->submit([&] {
            {
                std::lock_guard lock(mutex);
                seen.insert(RequestWorkers::thread_store());
            }
            all_running.arrive_and_wait();  // only returns if the three run at the same time
            ++done;
        });
    while (done < 3) std::this_thread::yield();
    EXPECT_EQ(seen, opened_);
}

TEST_F(RequestWorkersTest, OnLoopRunsOnTheLoopAndHandsBackTheResultOrTheError) {
    auto pool = workers(1);
    auto guard = boost::asio::make_work_guard(ioc_);
    std::thread loop([this] { ioc_.run(); });
    const auto loop_id = loop.get_id();
    std::promise<std::pair<std::thread::id, int>> value;
    std::promise<std::string> error;
    pool->submit([&] {
        value.set_value(pool->on_loop([&] { return std::make_pair(std::this_thread::get_id(), 42); }));
        try {
            pool->on_loop([] { gp::domain::conflict("cap reached"); });
        } catch (const gp::domain::Error& e) {
            error.set_value(e.what());
        }
    });
    EXPECT_EQ(value.get_future().get(), std::make_pair(loop_id, 42));
    EXPECT_EQ(error.get_future().get(), "cap reached");
    guard.reset();
    loop.join();
    // Anywhere but on a worker it runs at once.
    EXPECT_EQ(pool->on_loop([] { return std::this_thread::get_id(); }), std::this_thread::get_id());
}

TEST_F(RequestWorkersTest, StopDropsQueuedJobsAndReleasesAWorkerWaitingForAStoppedLoop) {
    auto pool = workers(1);
    std::promise<void> started;
    std::promise<std::string> waiting;
    std::atomic<bool> queued_ran{false};
    pool->submit([&] {
        started.set_value();
        try {
            pool->on_loop([] {});  // the loop never runs
        } catch (const std::runtime_error& e) {
            waiting.set_value(e.what());
        }
    });
    pool->submit([&] { queued_ran = true; });
    started.get_future().wait();
    pool->stop();
    EXPECT_EQ(waiting.get_future().get(), "shutting down: the event loop has stopped");
    EXPECT_FALSE(queued_ran);
    pool->submit([&] { queued_ran = true; });  // ignored after stop
    pool.reset();
    EXPECT_FALSE(queued_ran);
}

}  // namespace
