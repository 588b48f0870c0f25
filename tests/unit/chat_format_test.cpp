#include "webhooks/chat_format.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "domain/error.hpp"
#include "events/event.hpp"
#include "webhooks/event_catalog.hpp"

using namespace gp::webhooks;
namespace json = boost::json;

namespace {

std::string stored_body(const EventTypeInfo& info) {
    return gp::events::Event{1, info.type, std::nullopt, 1773606600000, info.example()}.webhook_body();
}

std::string refusal(std::string_view type, std::string_view text) {
    try {
        check_template(type, text);
    } catch (const gp::domain::Error& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST(EventCatalog, HasEveryEventTypeInOrderAndItsTemplatesAreValid) {
    const auto catalog = event_catalog();
    ASSERT_EQ(catalog.size(), std::size(gp::events::kAllTypes));
    for (std::size_t i = 0; i < catalog.size(); ++i) {
        EXPECT_STREQ(catalog[i].type, gp::events::kAllTypes[i]);
        EXPECT_EQ(refusal(catalog[i].type, catalog[i].sentence), "accepted") << catalog[i].type;
        for (const auto& f : catalog[i].fields)
            if (f.name) EXPECT_EQ(refusal(catalog[i].type, f.value), "accepted") << catalog[i].type;
    }
}

TEST(EventCatalog, PlaceholdersAreTheExampleDataPaths) {
    const auto names = placeholders(*find_event_type("game.added"));
    EXPECT_NE(std::find(names.begin(), names.end(), "game.title"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "session.games_played"), names.end());
    EXPECT_EQ(std::find(names.begin(), names.end(), "game"), names.end());  // objects are not values
    EXPECT_EQ(find_event_type("game.exploded"), nullptr);
}

TEST(ChatFormat, DiscordEmbedOfGameAdded) {
    const auto body = json::parse(chat_body(Format::Discord, {}, stored_body(*find_event_type("game.added"))));
    const auto& embed = body.at("embeds").at(0);
    EXPECT_EQ(embed.at("description"), "🎮 Coming up next: **Fibbage 4** (The Jackbox Party Pack 9)");
    EXPECT_EQ(embed.at("title"), "Coming up next");
    EXPECT_EQ(embed.at("timestamp"), "2026-03-15T20:30:00.000Z");
    EXPECT_EQ(embed.at("fields").at(0).at("value"), "2–8");
    EXPECT_EQ(body.at("username"), "Game Picker");
    EXPECT_EQ(body.at("allowed_mentions"), json::parse(R"({"parse":[]})"));
}

TEST(ChatFormat, SlackMarkupAndOverrides) {
    const auto& info = *find_event_type("lobby.player-joined");
    const auto body = json::parse(chat_body(Format::Slack, {}, stored_body(info)));
    EXPECT_EQ(body.at("text"), "👋 *Chloe* joined room *ABCD* (3/8)");
    const NamedTexts templates{{"lobby.player-joined", "{{players}} are in; state {{appTag}}, {{nothing.here}}"}};
    EXPECT_EQ(json::parse(chat_body(Format::Slack, templates, stored_body(info))).at("text"),
              "Ana, Ben, Chloe are in; state fibbage4, –");
}

TEST(ChatFormat, TemplatesAreChecked) {
    EXPECT_EQ(refusal("game.added", "Next: {{ game.title }}"), "accepted");
    EXPECT_EQ(refusal("nope", "x"), "templates: unknown event type: nope");
    EXPECT_EQ(refusal("game.added", "{{game.title"), "templates: game.added: a {{ is not closed");
    EXPECT_EQ(refusal("session.started", "{{session}}").rfind("templates: session.started: unknown placeholder {{session}}", 0),
              0u);
    EXPECT_EQ(refusal("game.added", std::string(1001, 'x')), "templates: game.added: must be 1 to 1000 bytes");
}
