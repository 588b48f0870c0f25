#include <gtest/gtest.h>

#include <vector>

#include "domain/chat_import.hpp"

using namespace gp::domain;

TEST(ParseChatVote, FindsVotesAnywhereIgnoringCase) {
    EXPECT_EQ(parse_chat_vote("thisgame++"), VoteType::Up);
    EXPECT_EQ(parse_chat_vote("wow ThisGame++ is great"), VoteType::Up);
    EXPECT_EQ(parse_chat_vote("THISGAME--"), VoteType::Down);
    EXPECT_EQ(parse_chat_vote("meh thisgame-- :("), VoteType::Down);
}

TEST(ParseChatVote, IgnoresOtherMessages) {
    EXPECT_FALSE(parse_chat_vote(""));
    EXPECT_FALSE(parse_chat_vote("this game++"));
    EXPECT_FALSE(parse_chat_vote("thisgame+"));
    EXPECT_FALSE(parse_chat_vote("thisgame+-"));
    EXPECT_FALSE(parse_chat_vote("thisgame++ no wait thisgame--"));  // both: neither
}

TEST(MatchChatVotes, MatchesEachVoteToItsGameAndCounts) {
    const std::vector<ChatMessage> log = {
        {"early", "thisgame++", -1},     // more than a second before the first game
        {"alice", "thisgame++", 1500},   // game 0
        {"bob", "hello", 1600},          // no vote
        {"carol", "thisgame--", 5000},   // game 1 (starts exactly then)
        {"dave", "THISGAME++", 9999},    // game 1, last one until 10000
        {"late", "thisgame--", 10001},   // after the end
    };
    const std::vector<Millis> starts = {1000, 5000};
    auto votes = match_chat_votes(log, starts, 10000);
    EXPECT_EQ(votes.found, 5);
    EXPECT_EQ(votes.unmatched, 2);
    ASSERT_EQ(votes.matched.size(), 3u);
    EXPECT_EQ(votes.matched[0].message_index, 1u);
    EXPECT_EQ(votes.matched[0].game_index, 0u);
    EXPECT_EQ(votes.matched[0].type, VoteType::Up);
    EXPECT_EQ(votes.matched[1].message_index, 3u);
    EXPECT_EQ(votes.matched[1].game_index, 1u);
    EXPECT_EQ(votes.matched[1].type, VoteType::Down);
    EXPECT_EQ(votes.matched[2].message_index, 4u);
    EXPECT_EQ(votes.matched[2].game_index, 1u);
}

TEST(MatchChatVotes, NoGamesMeansEveryVoteIsUnmatched) {
    const std::vector<ChatMessage> log = {{"alice", "thisgame++", 1500}};
    auto votes = match_chat_votes(log, {}, 10000);
    EXPECT_EQ(votes.found, 1);
    EXPECT_EQ(votes.unmatched, 1);
    EXPECT_TRUE(votes.matched.empty());
}
