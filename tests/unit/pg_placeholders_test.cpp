// The shared SQL's SQLite placeholders as PostgreSQL gets them (store/postgres/db.cpp).
#include <gtest/gtest.h>

#include "store/postgres/db.hpp"

using gp::store::postgres::translate_placeholders;

TEST(PgPlaceholders, BareQuestionMarksAreNumberedInOrder) {
    const auto s = translate_placeholders("INSERT INTO t (a, b, c) VALUES (?, ?, ?)");
    EXPECT_EQ(s.sql, "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)");
    EXPECT_EQ(s.count, 3);
}

TEST(PgPlaceholders, NumberedOnesRepeatAndBareOnesFollowTheHighest) {
    const auto s = translate_placeholders("SELECT ?2, ?1, ?2, ?");
    EXPECT_EQ(s.sql, "SELECT $2, $1, $2, $3");
    EXPECT_EQ(s.count, 3);
}

TEST(PgPlaceholders, UnusedNumbersLeaveNoGap) {
    // A filter shape that uses ?2 and ?4 only: PostgreSQL must know the type of every $k.
    const auto s = translate_placeholders("WHERE 1 = 1 AND b = ?2 AND d = ?4 LIMIT ?5");
    EXPECT_EQ(s.sql, "WHERE 1 = 1 AND b = $1 AND d = $2 LIMIT $3");
    EXPECT_EQ(s.count, 3);
    ASSERT_EQ(s.parameter.size(), 6u);
    EXPECT_EQ(s.parameter[1], 0);  // ?1 binds to nothing
    EXPECT_EQ(s.parameter[2], 1);
    EXPECT_EQ(s.parameter[3], 0);
    EXPECT_EQ(s.parameter[4], 2);
    EXPECT_EQ(s.parameter[5], 3);
}

TEST(PgPlaceholders, QuotedTextAndCastsAreKept) {
    const auto s = translate_placeholders(R"(SELECT '?', "a?b", ?::integer WHERE x = 'it''s ?')");
    EXPECT_EQ(s.sql, R"(SELECT '?', "a?b", $1::integer WHERE x = 'it''s ?')");
    EXPECT_EQ(s.count, 1);
}
