#include <gtest/gtest.h>

#include "domain/time.hpp"

using namespace gp::domain;

TEST(Time, FormatsIsoWithMilliseconds) {
    EXPECT_EQ(format_iso(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_iso(1773606600123), "2026-03-15T20:30:00.123Z");
}

TEST(Time, ParsesIsoVariants) {
    EXPECT_EQ(parse_iso("2026-03-15T20:30:00Z"), 1773606600000);
    EXPECT_EQ(parse_iso("2026-03-15T20:30:00.5Z"), 1773606600500);
    EXPECT_EQ(parse_iso("2026-03-15T21:30:00+01:00"), 1773606600000);
    EXPECT_EQ(parse_iso("2026-03-15T20:30:00"), 1773606600000);
    EXPECT_EQ(parse_iso("2026-03-15 20:30:00"), 1773606600000);
}

TEST(Time, RejectsGarbage) {
    EXPECT_FALSE(parse_iso(""));
    EXPECT_FALSE(parse_iso("yesterday"));
    EXPECT_FALSE(parse_iso("2026-02-30T00:00:00Z"));
    EXPECT_FALSE(parse_iso("2026-03-15T20:30:00Zjunk"));
    EXPECT_FALSE(parse_iso("2026-13-01T00:00:00Z"));
}
