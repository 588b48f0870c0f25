#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/error.hpp"
#include "domain/votes.hpp"

using namespace gp::domain;

namespace {
const std::vector<Millis> kStarts = {1000, 5000, 9000};
constexpr Millis kEnd = 20000;
}  // namespace

TEST(GamePlayingAt, EachGameCoversUntilTheNextStarts) {
    EXPECT_EQ(game_playing_at(kStarts, 1000, kEnd), 0u);
    EXPECT_EQ(game_playing_at(kStarts, 4999, kEnd), 0u);
    EXPECT_EQ(game_playing_at(kStarts, 5000, kEnd), 1u);
    EXPECT_EQ(game_playing_at(kStarts, 8999, kEnd), 1u);
    EXPECT_EQ(game_playing_at(kStarts, 9000, kEnd), 2u);
}

TEST(GamePlayingAt, LastGameRunsUntilTheEnd) {
    EXPECT_EQ(game_playing_at(kStarts, kEnd, kEnd), 2u);
    EXPECT_FALSE(game_playing_at(kStarts, kEnd + 1, kEnd));
}

TEST(GamePlayingAt, NothingBeforeTheFirstGameOrWithoutGames) {
    EXPECT_FALSE(game_playing_at(kStarts, 999, kEnd));
    EXPECT_FALSE(game_playing_at({}, 1000, kEnd));
}

TEST(GamePlayingAt, EqualStartsGoToTheLaterGame) {
    const std::vector<Millis> starts = {1000, 3000, 3000};
    EXPECT_EQ(game_playing_at(starts, 3000, kEnd), 2u);
    EXPECT_EQ(game_playing_at(starts, 2999, kEnd), 0u);
}

TEST(VotingEnd, ClosedSessionEndsAtClosingActiveAllowsClockSkew) {
    EXPECT_EQ(voting_end(7000, 50000), 7000);
    EXPECT_EQ(voting_end(std::nullopt, 50000), 50000 + kClockSkewMs);
}

TEST(DuplicateWindow, OneSecondEitherSide) {
    const auto w = duplicate_window(10000);
    EXPECT_EQ(w.first, 9001);
    EXPECT_EQ(w.last, 10999);
}

TEST(UsernameLength, CountsCharactersNotBytes) {
    EXPECT_NO_THROW(check_username_length(std::string(kMaxUsernameLength, 'a')));
    EXPECT_THROW(check_username_length(std::string(kMaxUsernameLength + 1, 'a')), Error);
    std::string accented;
    for (std::size_t i = 0; i < kMaxUsernameLength; ++i) accented += "\xC3\xA9";  // é, two bytes
    EXPECT_NO_THROW(check_username_length(accented));
}
