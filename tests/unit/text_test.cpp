#include <gtest/gtest.h>

#include <string>

#include "domain/error.hpp"
#include "domain/text.hpp"

using namespace gp::domain;

TEST(CheckLength, CountsCharactersNotBytes) {
    EXPECT_NO_THROW(check_length("username", std::string(kMaxUsernameLength, 'a'), kMaxUsernameLength));
    std::string accented;
    for (std::size_t i = 0; i < kMaxUsernameLength; ++i) accented += "\xC3\xA9";  // é, two bytes
    EXPECT_NO_THROW(check_length("username", accented, kMaxUsernameLength));
    try {
        check_length("username", std::string(kMaxUsernameLength + 1, 'a'), kMaxUsernameLength);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadRequest);
        EXPECT_EQ(std::string(e.what()), "username must be at most 100 characters");
    }
}

TEST(Utf8, WellFormedTextIsKept) {
    for (const std::string s : {"", "plain", "Zo\xC3\xAB", "\xE2\x82\xAC", "\xF0\x9F\x8E\xAE", "\xF4\x8F\xBF\xBF"}) {
        EXPECT_EQ(invalid_utf8_at(s), std::string::npos) << s;
        EXPECT_EQ(to_valid_utf8(s), s);
    }
}

TEST(Utf8, IllFormedBytesBecomeReplacementCharacters) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(invalid_utf8_at("/api/\xFF\xFE"), 5u);
    EXPECT_EQ(to_valid_utf8("/api/\xFF\xFE"), "/api/" + fffd + fffd);
    EXPECT_EQ(to_valid_utf8("a\xC3"), "a" + fffd);                  // truncated
    EXPECT_EQ(to_valid_utf8("\xC0\xAF"), fffd + fffd);              // overlong "/"
    EXPECT_EQ(to_valid_utf8("\xE0\x80\xAF"), fffd + fffd + fffd);   // overlong, three bytes
    EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);   // a surrogate
    EXPECT_EQ(to_valid_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // past U+10FFFF
    EXPECT_EQ(to_valid_utf8("\x80x"), fffd + "x");                  // a lone continuation byte
    EXPECT_EQ(invalid_utf8_at(to_valid_utf8("\xF5\xC3(\xE2\x28\xA1")), std::string::npos);
}
