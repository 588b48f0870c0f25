#include <gtest/gtest.h>

#include "domain/catalogue_csv.hpp"
#include "domain/error.hpp"
#include "domain/text.hpp"

using namespace gp::domain;

namespace {

const std::string kHeader = std::string(kCatalogueCsvHeader) + "\n";

// The message of the BadRequest that parsing `csv` raises ("" if it parses).
std::string parse_error(const std::string& csv) {
    try {
        parse_catalogue_csv(csv);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadRequest);
        return e.what();
    }
    return "";
}

Game sample(std::string pack, std::string title) {
    Game g;
    g.pack_name = std::move(pack);
    g.title = std::move(title);
    g.min_players = 2;
    g.max_players = 8;
    return g;
}

}  // namespace

TEST(CatalogueCsv, ParsesAllColumns) {
    auto rows = parse_catalogue_csv(kHeader + "Party Pack 3,Quiplash 2,3,8,15,1,0,Writing,Comedy\n"
                                              "Party Pack 3,Tee K.O.,3,8,,0,1,Drawing,\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].pack_name, "Party Pack 3");
    EXPECT_EQ(rows[0].title, "Quiplash 2");
    EXPECT_EQ(rows[0].min_players, 3);
    EXPECT_EQ(rows[0].max_players, 8);
    EXPECT_EQ(rows[0].length_minutes, 15);
    EXPECT_TRUE(rows[0].has_audience);
    EXPECT_FALSE(rows[0].family_friendly);
    EXPECT_EQ(rows[0].game_type, "Writing");
    EXPECT_EQ(rows[0].secondary_type, "Comedy");
    EXPECT_EQ(rows[1].length_minutes, std::nullopt);
    EXPECT_TRUE(rows[1].family_friendly);
    EXPECT_EQ(rows[1].secondary_type, std::nullopt);
}

TEST(CatalogueCsv, QuotingRoundTrips) {
    std::vector<Game> games = {sample("Pack, \"Deluxe\"", "Line\nbreak"), sample("Ünïcödé 🎉", "'; DROP TABLE games; --"),
                               sample("Plain", "Comma, and \"quotes\"")};
    games[0].length_minutes = 20;
    games[0].has_audience = true;
    games[0].game_type = "Drawing";
    games[1].family_friendly = true;
    games[1].secondary_type = "Trivia, mostly";
    const std::string csv = write_catalogue_csv(games);
    auto rows = parse_catalogue_csv(csv);
    ASSERT_EQ(rows.size(), games.size());
    for (std::size_t i = 0; i < games.size(); ++i) {
        EXPECT_EQ(rows[i].pack_name, games[i].pack_name);
        EXPECT_EQ(rows[i].title, games[i].title);
        EXPECT_EQ(rows[i].min_players, games[i].min_players);
        EXPECT_EQ(rows[i].max_players, games[i].max_players);
        EXPECT_EQ(rows[i].length_minutes, games[i].length_minutes);
        EXPECT_EQ(rows[i].has_audience, games[i].has_audience);
        EXPECT_EQ(rows[i].family_friendly, games[i].family_friendly);
        EXPECT_EQ(rows[i].game_type, games[i].game_type);
        EXPECT_EQ(rows[i].secondary_type, games[i].secondary_type);
    }
    // Writing what was parsed gives the same text back.
    std::vector<Game> again;
    for (auto& r : rows) {
        Game g;
        static_cast<GameFields&>(g) = r;
        again.push_back(g);
    }
    EXPECT_EQ(write_catalogue_csv(again), csv);
}

TEST(CatalogueCsv, WriterQuotesOnlyWhenNeeded) {
    auto csv = write_catalogue_csv({sample("A", "B")});
    EXPECT_EQ(csv, kHeader + "A,B,2,8,,0,0,,\n");
    csv = write_catalogue_csv({sample("A", "say \"hi\"")});
    EXPECT_EQ(csv, kHeader + "A,\"say \"\"hi\"\"\",2,8,,0,0,,\n");
}

TEST(CatalogueCsv, BomCrlfAndBlankLinesAreAccepted) {
    auto rows = parse_catalogue_csv("\xEF\xBB\xBF" + std::string(kCatalogueCsvHeader) +
                                    "\r\nP,T,1,4,10,0,0,,\r\n\r\nP,U,2,6,,yes,no,,\r\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].title, "U");
    EXPECT_TRUE(rows[1].has_audience);
    EXPECT_FALSE(rows[1].family_friendly);
}

TEST(CatalogueCsv, HeaderOnlyIsNoGames) { EXPECT_TRUE(parse_catalogue_csv(kHeader).empty()); }

TEST(CatalogueCsv, RejectsEmptyTextAndWrongHeader) {
    EXPECT_EQ(parse_error(""), "CSV is empty");
    EXPECT_NE(parse_error("title,pack_name\nA,B\n").find("CSV line 1: header must be"), std::string::npos);
    // A missing header column is a header error, not a silent shift of the data.
    EXPECT_NE(parse_error("pack_name,title,min_players,max_players\nP,T,1,2\n").find("CSV line 1"), std::string::npos);
}

TEST(CatalogueCsv, BadRowsNameTheirLine) {
    EXPECT_EQ(parse_error(kHeader + "P,T,1,4,,0,0,,\nP,T,1,4,,0,0\n"), "CSV line 3: expected 9 columns, got 7");
    EXPECT_EQ(parse_error(kHeader + "P,T,1,4,,0,0,,,extra\n"), "CSV line 2: expected 9 columns, got 10");
    EXPECT_EQ(parse_error(kHeader + "P,,1,4,,0,0,,\n"), "CSV line 2: title is required");
    EXPECT_EQ(parse_error(kHeader + " ,T,1,4,,0,0,,\n"), "CSV line 2: pack_name is required");
    EXPECT_NE(parse_error(kHeader + "P,T,four,4,,0,0,,\n").find("CSV line 2: min_players must be an integer"),
              std::string::npos);
    EXPECT_NE(parse_error(kHeader + "P,T,0,4,,0,0,,\n").find("CSV line 2: min_players"), std::string::npos);
    EXPECT_EQ(parse_error(kHeader + "P,T,5,4,,0,0,,\n"), "CSV line 2: min_players is greater than max_players");
    EXPECT_NE(parse_error(kHeader + "P,T,1,4,-3,0,0,,\n").find("CSV line 2: length_minutes"), std::string::npos);
    EXPECT_NE(parse_error(kHeader + "P,T,1,4,,maybe,0,,\n").find("CSV line 2: has_audience must be 0 or 1"),
              std::string::npos);
}

TEST(CatalogueCsv, LineNumbersCountNewlinesInsideQuotes) {
    // The first row spans lines 2-3, so the bad row starts on line 4.
    EXPECT_EQ(parse_error(kHeader + "P,\"Two\nlines\",1,4,,0,0,,\nP,T,9,4,,0,0,,\n"),
              "CSV line 4: min_players is greater than max_players");
    EXPECT_EQ(parse_error(kHeader + "P,\"never closed,1,4,,0,0,,\n"), "CSV line 2: unterminated quoted field");
}

TEST(CatalogueCsv, TextFieldsHaveLengthCaps) {
    const std::string title(kMaxGameTitleLength, 't');
    EXPECT_EQ(parse_catalogue_csv(kHeader + "P," + title + ",1,2,,0,0,,\n")[0].title, title);
    EXPECT_EQ(parse_error(kHeader + "P,ok,1,2,,0,0,,\nP," + title + "t,1,2,,0,0,,\n"),
              "CSV line 3: title must be at most 200 characters");
    EXPECT_EQ(parse_error(kHeader + std::string(kMaxPackNameLength + 1, 'p') + ",T,1,2,,0,0,,\n"),
              "CSV line 2: pack_name must be at most 100 characters");
    EXPECT_EQ(parse_error(kHeader + "P,T,1,2,,0,0," + std::string(kMaxGameTypeLength + 1, 'g') + ",\n"),
              "CSV line 2: game_type must be at most 100 characters");
    EXPECT_EQ(parse_error(kHeader + "P,T,1,2,,0,0,,Party" + std::string(kMaxGameTypeLength, 'g') + "\n"),
              "CSV line 2: secondary_type must be at most 100 characters");
}

TEST(CatalogueCsv, RejectsInvalidUtf8NamingTheLine) {
    EXPECT_EQ(parse_error(kHeader + "P,ok,1,2,,0,0,,\nP,bad \xFF\xFE,1,2,,0,0,,\n"), "CSV line 3: not valid UTF-8");
}
