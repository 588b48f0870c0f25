#include "app/event_loop.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <stdexcept>

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
