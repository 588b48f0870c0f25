#include <gtest/gtest.h>

#include <string>
#include <vector>

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
    EXPECT_FALSE(game_playing_at(kStarts, 1000 - kFirstGameGraceMs - 1, kEnd));
    EXPECT_FALSE(game_playing_at({}, 1000, kEnd));
}

// A vote stamped in whole seconds, cast just after the first game was added, is
// stamped before that game's start.
TEST(GamePlayingAt, FirstGameTakesVotesUpToOneSecondBeforeItsStart) {
    EXPECT_EQ(game_playing_at(kStarts, 999, kEnd), 0u);
    EXPECT_EQ(game_playing_at(kStarts, 1000 - kFirstGameGraceMs, kEnd), 0u);
    // Only the first game: before a later one, the vote belongs to the game then playing.
    EXPECT_EQ(game_playing_at(kStarts, 4500, kEnd), 0u);
    const std::vector<Millis> tied = {1000, 1000, 3000};
    EXPECT_EQ(game_playing_at(tied, 500, kEnd), 1u);
}

TEST(VoteMatchTime, IsTheVoteTimeOrTheFirstStartWithinTheGrace) {
    EXPECT_EQ(vote_match_time(1000, 1500, kEnd), 1500);
    EXPECT_EQ(vote_match_time(1000, 1000, kEnd), 1000);
    EXPECT_EQ(vote_match_time(1000, 1000 - kFirstGameGraceMs, kEnd), 1000);
    EXPECT_FALSE(vote_match_time(1000, 1000 - kFirstGameGraceMs - 1, kEnd));
    EXPECT_EQ(vote_match_time(1000, kEnd, kEnd), kEnd);
    EXPECT_FALSE(vote_match_time(1000, kEnd + 1, kEnd));
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
