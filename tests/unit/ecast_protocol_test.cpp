// The ecast parsing and the room tracker, on the scripted room of ECAST.md §6
// (tests/fixtures/ecast_scripted_room.jsonl, one server frame per line) and on
// captured shapes, variants and garbage.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "rooms/ecast_protocol.hpp"
#include "rooms/room_tracker.hpp"

using namespace gp::rooms;
using namespace gp::rooms::ecast;
using Kind = Change::Kind;

namespace {

std::vector<std::string> scripted_frames() {
    std::ifstream in(std::string(GAMEPICKER_FIXTURES) + "/ecast_scripted_room.jsonl");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

std::vector<Kind> kinds(const std::vector<Change>& changes) {
    std::vector<Kind> out;
    for (const auto& c : changes) out.push_back(c.kind);
    return out;
}

// Feeds one frame to the tracker the way the monitor does.
std::vector<Change> feed(RoomTracker& t, const std::string& text) {
    Frame f = parse_frame(text);
    if (auto* w = std::get_if<Welcome>(&f)) return t.on_welcome(*w);
    if (auto* u = std::get_if<RoomUpdate>(&f)) return t.on_room(u->room);
    if (auto* c = std::get_if<ClientConnected>(&f)) return t.on_player_connected(c->player);
    if (std::holds_alternative<RoomLock>(f)) return t.on_lock();
    if (std::holds_alternative<RoomExit>(f)) return t.on_exit();
    return {};
}

}  // namespace

TEST(EcastLookup, ParsesTheLiveReply) {
    auto l = parse_lookup(200, R"({"ok":true,"body":{"appId":"928c228b-4d28-44a1-aee0-88678fe27b15","appTag":"bigsurvey",
        "audienceEnabled":true,"code":"DSDM","host":"ecast-prod-use2.jackboxgames.com",
        "audienceHost":"ecast-prod-use2.jackboxgames.com","locked":false,"full":false,"maxPlayers":10,"minPlayers":2,
        "moderationEnabled":false,"passwordRequired":false,"twitchLocked":false,"locale":"en","keepalive":true,
        "controllerBranch":""}})");
    ASSERT_EQ(l.outcome, LookupOutcome::Found);
    EXPECT_EQ(l.room.app_tag, "bigsurvey");
    EXPECT_EQ(l.room.host, "ecast-prod-use2.jackboxgames.com");
    EXPECT_EQ(l.room.max_players, 10);
    EXPECT_EQ(l.room.min_players, 2);
    EXPECT_FALSE(l.room.locked);
}

TEST(EcastLookup, NotFoundAndFailures) {
    EXPECT_EQ(parse_lookup(404, R"({"ok":false,"error":"no such room"})").outcome, LookupOutcome::NotFound);
    EXPECT_EQ(parse_lookup(404, "<html>gone</html>").outcome, LookupOutcome::NotFound);
    EXPECT_EQ(parse_lookup(200, R"({"ok":false,"error":"no such room"})").outcome, LookupOutcome::NotFound);
    for (auto [status, body] : std::vector<std::pair<int, std::string>>{
             {403, "banned"}, {500, "{}"}, {502, ""}, {200, "not json"}, {200, "[]"}, {200, R"({"ok":true})"},
             {200, R"({"ok":true,"body":{"host":7}})"}, {200, R"({"ok":true,"body":{"host":""}})"}}) {
        auto l = parse_lookup(status, body);
        EXPECT_EQ(l.outcome, LookupOutcome::Retry) << status << " " << body;
        EXPECT_FALSE(l.error.empty());
    }
    // Wrong types elsewhere do not matter: only host is needed.
    auto l = parse_lookup(200, R"({"ok":true,"body":{"host":"h:1","maxPlayers":"8","appTag":null,"locked":1}})");
    ASSERT_EQ(l.outcome, LookupOutcome::Found);
    EXPECT_EQ(l.room.max_players, 0);
    EXPECT_EQ(l.room.app_tag, "");
}

TEST(EcastFrames, WelcomeOfTheScriptedRoom) {
    auto frames = scripted_frames();
    ASSERT_EQ(frames.size(), 16u);
    Frame f = parse_frame(frames[0]);
    auto* w = std::get_if<Welcome>(&f);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->id, 2);
    EXPECT_EQ(w->secret, "a1b2c3d4e5f6a7b8c9d0e1f2");
    EXPECT_FALSE(w->reconnect);
    ASSERT_TRUE(w->players);
    EXPECT_TRUE(w->players->empty());  // only the host is here
    ASSERT_TRUE(w->room);
    EXPECT_EQ(w->room->state, "Lobby");
    EXPECT_EQ(w->room->lobby_state, "WaitingForMore");
    EXPECT_EQ(w->room->game_finished, false);
    EXPECT_EQ(w->room->version, 0);
}

TEST(EcastFrames, CountsOnlyPlayersInHere) {
    Frame f = parse_frame(R"({"pc":5,"opcode":"client/welcome","result":{"id":9,"secret":"s","reconnect":true,
        "here":{"1":{"id":1,"roles":{"host":{}}},"2":{"id":2,"roles":{"shard":{}}},
                "3":{"id":3,"roles":{"player":{"name":"ALICE"}}},"4":{"id":4,"roles":{"player":{"name":"BOB"}}},
                "5":{"id":5,"roles":{"moderator":{}}},"6":{"roles":{"player":{}}},"x":{"roles":{"player":{}}},
                "7":"junk","8":{"id":8,"roles":{"broadcaster":{},"player":{"name":"CARA"}}}},
        "entities":{"bc:room":["object",{"key":"bc:room","val":"{\"state\":\"Gameplay_Round\"}"},{}]}}})");
    auto* w = std::get_if<Welcome>(&f);
    ASSERT_TRUE(w);
    EXPECT_TRUE(w->reconnect);
    ASSERT_TRUE(w->players);
    std::vector<std::string> names;
    for (const auto& p : *w->players) names.push_back(std::to_string(p.id) + ":" + p.name);
    // "6" has no id field: the key gives it; "x" has neither and is skipped.
    EXPECT_EQ(names, (std::vector<std::string>{"3:ALICE", "4:BOB", "6:", "8:CARA"}));
    ASSERT_TRUE(w->room);  // a text entity holding JSON, under the bc: key
    EXPECT_EQ(w->room->state, "Gameplay_Round");
}

TEST(EcastFrames, AudienceStyleWelcomeCannotCount) {
    Frame f = parse_frame(R"({"pc":777,"opcode":"client/welcome","result":{"id":10000001594,"name":"AUDIENCE",
        "secret":"x","reconnect":false,"entities":{"audience":["audience/pn-counter",{"key":"audience","count":0},
        {"locked":false}],"room":["object",{"key":"room","val":"<trimmed>"},{"locked":false}]},"here":null,"profile":null}})");
    auto* w = std::get_if<Welcome>(&f);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->id, 10000001594);
    EXPECT_FALSE(w->players);
    EXPECT_FALSE(w->room);  // "<trimmed>" is not a usable value
}

TEST(EcastFrames, OtherOpcodes) {
    auto connected = parse_frame(R"({"pc":11,"opcode":"client/connected","result":{"id":3,"userId":"u-alice",
        "name":"ALICE","role":"player","reconnect":false}})");
    ASSERT_TRUE(std::holds_alternative<ClientConnected>(connected));
    EXPECT_EQ(std::get<ClientConnected>(connected).player.name, "ALICE");
    EXPECT_TRUE(std::holds_alternative<Ignored>(
        parse_frame(R"({"opcode":"client/connected","result":{"id":1,"role":"host","reconnect":true}})")));

    auto error = parse_frame(R"({"pc":0,"opcode":"error","result":{"code":2027,"msg":"room has already ended"}})");
    ASSERT_TRUE(std::holds_alternative<ErrorFrame>(error));
    EXPECT_EQ(std::get<ErrorFrame>(error).code, kErrorRoomEnded);
    EXPECT_EQ(std::get<ErrorFrame>(error).message, "room has already ended");

    auto exit = parse_frame(R"({"pc":3588,"opcode":"room/exit","result":{"cause":5}})");
    ASSERT_TRUE(std::holds_alternative<RoomExit>(exit));
    EXPECT_EQ(std::get<RoomExit>(exit).cause, 5);
    EXPECT_TRUE(std::holds_alternative<RoomLock>(parse_frame(R"({"opcode":"room/lock","result":{}})")));
    // The reply to object/get carries the entity opcode and is a room update like any other.
    auto reply = parse_frame(R"({"pc":0,"re":1,"opcode":"object","result":{"key":"room","val":{"state":"Lobby",
        "lobbyState":"CanStart"},"version":3,"from":1}})");
    ASSERT_TRUE(std::holds_alternative<RoomUpdate>(reply));
    EXPECT_EQ(std::get<RoomUpdate>(reply).room.lobby_state, "CanStart");
    // `type` instead of `opcode` (the official parser's fallback).
    EXPECT_TRUE(std::holds_alternative<RoomLock>(parse_frame(R"({"type":"room/lock"})")));
    for (const char* ignored : {R"({"opcode":"audience/count-group","result":{"key":"quiplash3 Vote","choices":{}}})",
                                R"({"opcode":"object","result":{"key":"audiencePlayer","val":{}}})",
                                R"({"pc":0,"re":4,"opcode":"ok","result":{}})", R"({"opcode":"client/disconnected"})"})
        EXPECT_TRUE(std::holds_alternative<Ignored>(parse_frame(ignored))) << ignored;
}

TEST(EcastFrames, GarbageNeverThrows) {
    for (const char* text :
         {"", "{", "null", "42", "[]", "\"text\"", R"({"pc":1})", R"({"opcode":7})", R"({"opcode":"client/welcome"})",
          R"({"opcode":"client/welcome","result":{"id":"2"}})", R"({"opcode":"object","result":{"key":"room"}})",
          R"({"opcode":"object","result":{"key":"room","val":[1,2]}})", R"({"opcode":"text","result":{"key":"room","val":"{"}})",
          R"({"opcode":"client/connected","result":{"role":"player"}})", "\xff\xfe{\"opcode\":1}",
          R"({"opcode":"client/welcome","result":{"id":1e308}})"})
        EXPECT_TRUE(std::holds_alternative<Malformed>(parse_frame(text))) << text;
    // Odd types inside otherwise valid frames are tolerated.
    auto e = parse_frame(R"({"opcode":"error","result":{"code":"x","msg":5}})");
    ASSERT_TRUE(std::holds_alternative<ErrorFrame>(e));
    EXPECT_EQ(std::get<ErrorFrame>(e).code, 0);
    auto w = parse_frame(R"({"opcode":"client/welcome","result":{"id":2,"here":{"3":{"id":3,"roles":{"player":7}}},
        "entities":{"room":"nope","bc:room":[1],"roomBlob":["object",{"val":{"state":5}}]}}})");
    ASSERT_TRUE(std::holds_alternative<Welcome>(w));
    EXPECT_EQ(std::get<Welcome>(w).players->size(), 1u);
}

TEST(RoomTracker, ScriptedRoomFromLobbyToEnd) {
    auto frames = scripted_frames();
    RoomTracker t;
    std::vector<std::vector<Kind>> seen;
    for (const auto& f : frames) seen.push_back(kinds(feed(t, f)));
    std::vector<std::vector<Kind>> expected{
        {Kind::CountChanged},                     // welcome: 0 players
        {Kind::PlayerJoined, Kind::CountChanged},  // ALICE
        {},
        {Kind::PlayerJoined, Kind::CountChanged},  // BOB
        {},
        {Kind::PlayerJoined, Kind::CountChanged},  // CARA
        {Kind::LobbyUpdated},                      // CanStart
        {},                                        // the reply to object/get: nothing new
        {Kind::LobbyUpdated},                      // Countdown
        {Kind::GameStarted},                       // Logo
        {}, {}, {}, {},
        {Kind::LobbyUpdated, Kind::GameEnded},  // Lobby / PostGame / gameFinished
        {},                                     // room/exit after the end: nothing more
    };
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(t.player_count(), 3);
    EXPECT_EQ(t.player_names(), (std::vector<std::string>{"ALICE", "BOB", "CARA"}));
    EXPECT_EQ(t.lobby_state(), "PostGame");
    EXPECT_EQ(t.game_state(), "Lobby");
    EXPECT_TRUE(t.game_started());
    EXPECT_TRUE(t.game_finished());
}

TEST(RoomTracker, StaleRoomStatesAreIgnored) {
    RoomTracker t;
    t.on_welcome(Welcome{2, "", false, std::vector<Player>{}, RoomState{"Lobby", "CanStart", false, 3}});
    EXPECT_EQ(kinds(t.on_room({"Lobby", "Countdown", false, 4})), (std::vector<Kind>{Kind::LobbyUpdated}));
    // A probe's welcome read before version 4 arrived: nothing goes back.
    EXPECT_TRUE(t.on_room({"Lobby", "CanStart", false, 3}).empty());
    EXPECT_EQ(t.lobby_state(), "Countdown");
    EXPECT_TRUE(t.on_room({"Lobby", "Countdown", false, 4}).empty());
    EXPECT_EQ(kinds(t.on_room({"Logo", std::nullopt, std::nullopt, std::nullopt})), (std::vector<Kind>{Kind::GameStarted}));
}

TEST(RoomTracker, WithoutJoinEventsTheProbeFindsThePlayers) {
    RoomTracker t;
    auto frames = scripted_frames();
    feed(t, frames[0]);
    EXPECT_TRUE(t.on_players({}).empty());
    auto c = t.on_players({{3, "ALICE"}, {4, "BOB"}});
    EXPECT_EQ(kinds(c), (std::vector<Kind>{Kind::PlayerJoined, Kind::PlayerJoined, Kind::CountChanged}));
    EXPECT_EQ(c[0].player, "ALICE");
    EXPECT_EQ(c[1].player, "BOB");
    // Seen again (or through a late join event): nothing new. A shorter list removes no one.
    EXPECT_TRUE(t.on_player_connected({4, "BOB"}).empty());
    EXPECT_TRUE(t.on_players({{3, "ALICE"}}).empty());
    EXPECT_EQ(t.player_count(), 2);
}

TEST(RoomTracker, ReconnectWelcomeReportsWhatWasMissed) {
    RoomTracker t;
    auto first = t.on_welcome(Welcome{2, "s", false, std::vector<Player>{{3, "ALICE"}},
                                      RoomState{"Lobby", "WaitingForMore", false}});
    EXPECT_EQ(kinds(first), (std::vector<Kind>{Kind::CountChanged}));  // ALICE was there before us
    auto again = t.on_welcome(Welcome{2, "s", true, std::vector<Player>{{3, "ALICE"}, {4, "BOB"}},
                                      RoomState{"Logo", std::nullopt, std::nullopt}});
    EXPECT_EQ(kinds(again), (std::vector<Kind>{Kind::PlayerJoined, Kind::GameStarted, Kind::CountChanged}));
}

TEST(RoomTracker, FirstWelcomeMidGameOrAfterAGame) {
    RoomTracker mid;
    EXPECT_EQ(kinds(mid.on_welcome(Welcome{2, "", false, std::vector<Player>{}, RoomState{"Draw", std::nullopt, false}})),
              (std::vector<Kind>{Kind::CountChanged}));
    EXPECT_TRUE(mid.game_started());
    EXPECT_EQ(kinds(mid.on_room({"Lobby", "PostGame", true})), (std::vector<Kind>{Kind::LobbyUpdated, Kind::GameEnded}));

    // The post-game lobby of an earlier game: this game has not started yet.
    RoomTracker after;
    after.on_welcome(Welcome{2, "", false, std::vector<Player>{}, RoomState{"Lobby", "PostGame", true}});
    EXPECT_FALSE(after.game_started());
    EXPECT_FALSE(after.game_finished());
    EXPECT_EQ(kinds(after.on_room({"Logo", std::nullopt, std::nullopt})), (std::vector<Kind>{Kind::GameStarted}));
}

TEST(RoomTracker, GluedLobbyStatesAndRoomWithoutEntity) {
    RoomTracker t;  // Lie Swatter style: "Lobby_CanStart", "Lobby_PostGame"
    t.on_welcome(Welcome{2, "", false, std::vector<Player>{}, RoomState{"Lobby_WaitingForMore", std::nullopt, {}}});
    EXPECT_EQ(t.lobby_state(), "WaitingForMore");
    EXPECT_EQ(kinds(t.on_room({"Lobby_CanStart", std::nullopt, {}})), (std::vector<Kind>{Kind::LobbyUpdated}));
    EXPECT_EQ(kinds(t.on_room({"Gameplay_Round", std::nullopt, {}})), (std::vector<Kind>{Kind::GameStarted}));
    EXPECT_EQ(kinds(t.on_room({"Lobby_PostGame", std::nullopt, {}})),
              (std::vector<Kind>{Kind::LobbyUpdated, Kind::GameEnded}));

    RoomTracker bare;  // newer games: no room entity, only room/lock and room/exit
    bare.on_welcome(Welcome{2, "", false, std::vector<Player>{}, std::nullopt});
    EXPECT_EQ(kinds(bare.on_lock()), (std::vector<Kind>{Kind::GameStarted}));
    EXPECT_TRUE(bare.on_lock().empty());
    EXPECT_EQ(kinds(bare.on_exit()), (std::vector<Kind>{Kind::GameEnded}));
    RoomTracker closed_in_lobby;
    EXPECT_TRUE(closed_in_lobby.on_exit().empty());
}

TEST(EcastUrls, LookupAndWatch) {
    auto l = lookup_endpoint("https://ecast.jackboxgames.com", "ABCD");
    ASSERT_TRUE(l);
    EXPECT_TRUE(l->tls);
    EXPECT_EQ(l->host, "ecast.jackboxgames.com");
    EXPECT_EQ(l->port, "443");
    EXPECT_EQ(l->target, "/api/v2/rooms/ABCD");
    EXPECT_EQ(l->host_header(), "ecast.jackboxgames.com");
    auto local = lookup_endpoint("http://127.0.0.1:8123/prefix/", "ABCD");
    ASSERT_TRUE(local);
    EXPECT_FALSE(local->tls);
    EXPECT_EQ(local->port, "8123");
    EXPECT_EQ(local->target, "/prefix/api/v2/rooms/ABCD");
    EXPECT_EQ(local->host_header(), "127.0.0.1:8123");
    for (const char* bad : {"", "ecast.jackboxgames.com", "ftp://x", "http://", "ws://x"})
        EXPECT_FALSE(lookup_endpoint(bad, "ABCD")) << bad;

    auto w = watch_endpoint("https://ecast.jackboxgames.com", "ecast-prod-use2.jackboxgames.com", "ABCD", "gamepicker-7");
    ASSERT_TRUE(w);
    EXPECT_TRUE(w->tls);
    EXPECT_EQ(w->host, "ecast-prod-use2.jackboxgames.com");
    EXPECT_EQ(w->port, "443");
    EXPECT_EQ(w->target, "/api/v2/rooms/ABCD/play?role=shard&name=GamePicker&userId=gamepicker-7&format=json");
    auto resumed = watch_endpoint("http://127.0.0.1:1", "127.0.0.1:9443", "ABCD", "gamepicker-7",
                                  std::make_pair(std::int64_t{2}, std::string("a b&c")));
    ASSERT_TRUE(resumed);
    EXPECT_FALSE(resumed->tls);
    EXPECT_EQ(resumed->host, "127.0.0.1");
    EXPECT_EQ(resumed->port, "9443");
    EXPECT_EQ(resumed->target,
              "/api/v2/rooms/ABCD/play?role=shard&name=GamePicker&userId=gamepicker-7&format=json&id=2&secret=a%20b%26c");
    auto v6 = watch_endpoint("http://x", "[::1]:9443", "ABCD", "u");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->host_header(), "[::1]:9443");
    for (const char* bad : {"", ":80", "h:", "h:x", "h:123456", "[::1", "[::1]x", "a/b", "user@h", "h h"})
        EXPECT_FALSE(watch_endpoint("http://x", bad, "ABCD", "u")) << bad;
}
