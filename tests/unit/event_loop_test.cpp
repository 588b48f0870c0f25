#include "app/event_loop.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <vector>

TEST(EventLoop, AHandlerThatThrowsDoesNotStopTheOthers) {
    boost::asio::io_context ioc{1};
    int ran = 0;
    boost::asio::post(ioc, [] { throw std::length_error("field value too large"); });
    boost::asio::post(ioc, [&] { ++ran; });
    boost::asio::post(ioc, [] { throw 42; });
    boost::asio::post(ioc, [&] { ++ran; });
    gp::app::run_event_loop(ioc);
    EXPECT_EQ(ran, 2);
}

TEST(EventLoop, ReturnsWhenStopped) {
    boost::asio::io_context ioc{1};
    bool after_stop = false;
    boost::asio::post(ioc, [&] { ioc.stop(); });
    boost::asio::post(ioc, [&] { after_stop = true; });
    gp::app::run_event_loop(ioc);
    EXPECT_FALSE(after_stop);
}

TEST(LoopInbox, RunsWhatOtherThreadsPostOnTheLoopInOrderAndGoesOnAfterAThrow) {
    boost::asio::io_context ioc{1};
    gp::app::LoopInbox inbox(ioc);
    const auto loop_thread = std::this_thread::get_id();
    constexpr int kPerThread = 2000;
    std::vector<std::vector<int>> seen(2);  // per posting thread, in the order the loop ran them
    int off_loop = 0;
    int done = 0;
    std::vector<std::thread> posters;
    for (int t = 0; t < 2; ++t)
        posters.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                if (i == 7) inbox.post([] { throw std::runtime_error("a handler failed"); });
                inbox.post([&, t, i] {
                    if (std::this_thread::get_id() != loop_thread) ++off_loop;
                    seen[static_cast<std::size_t>(t)].push_back(i);
                    if (i == kPerThread - 1 && ++done == 2) ioc.stop();
                });
            }
        });
    gp::app::run_event_loop(ioc);
    for (auto& p : posters) p.join();
    EXPECT_EQ(off_loop, 0);
    for (const auto& s : seen) {
        ASSERT_EQ(s.size(), static_cast<std::size_t>(kPerThread));
        EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    }
}

TEST(LoopInbox, PostedOnceTheLoopStoppedNeverRuns) {
    boost::asio::io_context ioc{1};
    gp::app::LoopInbox inbox(ioc);
    bool ran = false;
    boost::asio::post(ioc, [&] { ioc.stop(); });
    gp::app::run_event_loop(ioc);
    inbox.post([&] { ran = true; });
    ioc.poll();  // stopped: runs nothing
    EXPECT_FALSE(ran);
}
