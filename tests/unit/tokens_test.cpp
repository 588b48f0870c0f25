// TokenService keeps the tokens it verified: what it accepts must not change for that.
#include "http/tokens.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "domain/time.hpp"

namespace {

gp::http::TokenService service() { return {"admin-key", "secret-0123456789abcdef0123456789"}; }

}  // namespace

TEST(Tokens, AVerifiedTokenIsRefusedOnceItExpires) {
    const auto tokens = service();
    // 2 s: expiry is in whole seconds, so a 1 s token issued late in a second may be expired
    // by the time it is first verified.
    const std::string token = tokens.issue_feed(2);
    ASSERT_TRUE(tokens.verify(token));
    const auto kept = tokens.verify(token);  // the second time from the verified tokens
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->role, gp::http::kRoleFeed);
    // Waits for the clock to pass the expiry (two seconds at most).
    while (gp::domain::now_ms() / 1000 < kept->exp) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(tokens.verify(token));
}

TEST(Tokens, AnAlteredTokenIsRefusedAfterTheOriginalWasVerified) {
    const auto tokens = service();
    const std::string token = tokens.issue();
    ASSERT_TRUE(tokens.verify(token));
    std::string altered = token;
    char& first_of_signature = altered[altered.rfind('.') + 1];
    first_of_signature = first_of_signature == 'A' ? 'B' : 'A';
    EXPECT_FALSE(tokens.verify(altered));
    EXPECT_TRUE(tokens.verify(token));
}
