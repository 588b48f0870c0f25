#include <gtest/gtest.h>

#include "http/login_throttle.hpp"

using gp::http::LoginThrottle;
using namespace std::chrono_literals;

namespace {
const LoginThrottle::Clock::time_point t0{};

void fail_times(LoginThrottle& t, const char* address, int n, LoginThrottle::Clock::time_point at) {
    for (int i = 0; i < n; ++i) t.record_failure(address, at);
}
}  // namespace

TEST(LoginThrottle, RefusesAnAddressAfterItsFailuresUntilTheWindowEnds) {
    LoginThrottle t({3, 60s, 100});
    EXPECT_FALSE(t.record_failure("10.0.0.1", t0));
    EXPECT_FALSE(t.record_failure("10.0.0.1", t0 + 1s));
    EXPECT_EQ(t.retry_after("10.0.0.1", t0 + 2s), 0);
    EXPECT_TRUE(t.record_failure("10.0.0.1", t0 + 2s));
    EXPECT_EQ(t.retry_after("10.0.0.1", t0 + 2s), 58);            // the window began at the first failure
    EXPECT_EQ(t.retry_after("10.0.0.1", t0 + 59s + 100ms), 1);   // rounded up
    EXPECT_EQ(t.retry_after("10.0.0.2", t0 + 3s), 0);             // others are not affected
    EXPECT_EQ(t.retry_after("10.0.0.1", t0 + 60s), 0);
    EXPECT_EQ(t.tracked(), 0u);  // the expired window is forgotten
}

TEST(LoginThrottle, ACorrectKeyClearsTheFailures) {
    LoginThrottle t({3, 60s, 100});
    fail_times(t, "10.0.0.1", 2, t0);
    t.record_success("10.0.0.1");
    fail_times(t, "10.0.0.1", 2, t0 + 1s);
    EXPECT_EQ(t.retry_after("10.0.0.1", t0 + 1s), 0);
}

TEST(LoginThrottle, CountsIpv6PerSlash64AndMappedIpv4AsIpv4) {
    LoginThrottle t({2, 60s, 100});
    t.record_failure("2001:db8:1:2::1", t0);
    t.record_failure("2001:db8:1:2:ffff::9", t0);
    EXPECT_GT(t.retry_after("2001:db8:1:2::77", t0), 0);
    EXPECT_EQ(t.retry_after("2001:db8:1:3::1", t0), 0);
    t.record_failure("::ffff:192.0.2.7", t0);
    t.record_failure("192.0.2.7", t0);
    EXPECT_GT(t.retry_after("192.0.2.7", t0), 0);
}

TEST(LoginThrottle, TracksAtMostMaxAddressesForgettingTheOldestWindow) {
    LoginThrottle t({2, 60s, 3});
    fail_times(t, "10.0.0.1", 2, t0);
    fail_times(t, "10.0.0.2", 2, t0 + 1s);
    fail_times(t, "10.0.0.3", 2, t0 + 2s);
    fail_times(t, "10.0.0.4", 1, t0 + 3s);
    EXPECT_EQ(t.tracked(), 3u);
    EXPECT_EQ(t.retry_after("10.0.0.1", t0 + 3s), 0);  // evicted
    EXPECT_GT(t.retry_after("10.0.0.2", t0 + 3s), 0);
    EXPECT_GT(t.retry_after("10.0.0.3", t0 + 3s), 0);
    for (int i = 0; i < 10000; ++i) t.record_failure("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0 + 4s);
    EXPECT_EQ(t.tracked(), 3u);
}
