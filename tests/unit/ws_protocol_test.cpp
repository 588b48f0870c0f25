#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "ws/protocol.hpp"

using namespace gp::ws::protocol;
namespace json = boost::json;

TEST(WsProtocol, ParsesEachMessageType) {
    auto auth = parse(R"({"type":"auth","token":"abc.def.ghi"})");
    EXPECT_EQ(auth.kind, Kind::Auth);
    EXPECT_EQ(auth.token, "abc.def.ghi");
    EXPECT_TRUE(auth.error.empty());

    auto sub = parse(R"({"type":"subscribe","sessionId":7})");
    EXPECT_EQ(sub.kind, Kind::Subscribe);
    EXPECT_EQ(sub.session_id, 7);
    EXPECT_FALSE(sub.since);
    EXPECT_TRUE(sub.error.empty());

    auto resume = parse(R"({"type":"subscribe","sessionId":7,"since":0})");
    EXPECT_EQ(resume.since, 0);
    EXPECT_EQ(parse(R"({"type":"subscribe","sessionId":7,"since":1234})").since, 1234);
    EXPECT_EQ(parse(R"({"type":"subscribe","sessionId":3.0})").session_id, 3);

    auto unsub = parse(R"({"type":"unsubscribe","sessionId":9007199254740})");
    EXPECT_EQ(unsub.kind, Kind::Unsubscribe);
    EXPECT_EQ(unsub.session_id, 9007199254740);

    EXPECT_EQ(parse(R"({"type":"ping"})").kind, Kind::Ping);
    EXPECT_EQ(parse(R"({"type":"ping","extra":[1,2]})").kind, Kind::Ping);
}

TEST(WsProtocol, RefusesMalformedMessages) {
    for (const char* text : {"", "{", "not json", R"({"type":"ping"} trailing)"}) {
        auto m = parse(text);
        EXPECT_EQ(m.kind, Kind::Invalid) << text;
        EXPECT_EQ(m.error, "Invalid JSON") << text;
    }
    for (const char* text : {"[]", "5", R"("ping")", "null"}) {
        auto m = parse(text);
        EXPECT_EQ(m.kind, Kind::Invalid) << text;
        EXPECT_EQ(m.error, "Message must be a JSON object") << text;
    }
    EXPECT_EQ(parse("{}").error, "Message type is required");
    EXPECT_EQ(parse(R"({"type":5})").error, "Message type is required");
    auto unknown = parse(R"({"type":"dance"})");
    EXPECT_EQ(unknown.kind, Kind::Invalid);
    EXPECT_EQ(unknown.error, "Unknown message type: dance");
    EXPECT_EQ(parse(R"({"type":"Ping"})").error, "Unknown message type: Ping");
}

TEST(WsProtocol, AuthTokenProblems) {
    for (const char* text : {R"({"type":"auth"})", R"({"type":"auth","token":null})", R"({"type":"auth","token":""})"}) {
        auto m = parse(text);
        EXPECT_EQ(m.kind, Kind::Auth) << text;
        EXPECT_EQ(m.error, kTokenRequired) << text;
    }
    for (const char* text : {R"({"type":"auth","token":12})", R"({"type":"auth","token":{"a":1}})"}) {
        auto m = parse(text);
        EXPECT_EQ(m.kind, Kind::Auth) << text;
        EXPECT_EQ(m.error, kInvalidToken) << text;
    }
}

TEST(WsProtocol, SessionIdAndSinceValidation) {
    for (const char* type : {"subscribe", "unsubscribe"}) {
        const std::string prefix = std::string(R"({"type":")") + type + R"(")";
        auto missing = parse(prefix + "}");
        EXPECT_NE(missing.kind, Kind::Invalid);
        EXPECT_EQ(missing.error, "sessionId is required");
        EXPECT_EQ(parse(prefix + R"(,"sessionId":null})").error, "sessionId is required");
        for (const char* bad : {"0", "-3", "1.5", R"("3")", "true", "[1]", "99999999999999999999", "1e300"})
            EXPECT_EQ(parse(prefix + R"(,"sessionId":)" + bad + "}").error, "sessionId must be a positive integer")
                << type << " " << bad;
    }
    for (const char* bad : {"-1", "1.5", R"("10")", "false"})
        EXPECT_EQ(parse(std::string(R"({"type":"subscribe","sessionId":1,"since":)") + bad + "}").error,
                  "since must be a non-negative integer (an event id)")
            << bad;
    // since means nothing on unsubscribe and is ignored there.
    EXPECT_TRUE(parse(R"({"type":"unsubscribe","sessionId":1,"since":"x"})").error.empty());
}

TEST(WsProtocol, Replies) {
    EXPECT_EQ(json::parse(auth_success()), json::parse(R"({"type":"auth_success","message":"Authenticated successfully"})"));
    EXPECT_EQ(json::parse(auth_error("Token required")), json::parse(R"({"type":"auth_error","message":"Token required"})"));
    EXPECT_EQ(json::parse(subscribed(21)),
              json::parse(R"({"type":"subscribed","sessionId":21,"message":"Subscribed to session 21"})"));
    EXPECT_EQ(json::parse(unsubscribed(21)),
              json::parse(R"({"type":"unsubscribed","sessionId":21,"message":"Unsubscribed from session 21"})"));
    EXPECT_EQ(pong(), R"({"type":"pong"})");
    // Message texts are escaped, never spliced.
    EXPECT_EQ(json::parse(error("Unknown message type: \"x\"\n")).at("message"), "Unknown message type: \"x\"\n");
}
