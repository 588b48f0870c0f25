#include <gtest/gtest.h>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>

#include "http/response_head.hpp"

using namespace gp::http;
namespace bhttp = boost::beast::http;

namespace {

// What Beast's own serializer writes for the same response: the bytes the server sent
// before it formatted heads itself, and the reference they must still match.
std::string beast_wire(const Response& r, unsigned version, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = r.body;
    res.prepare_payload();
    std::ostringstream out;
    out << res;
    std::string wire = out.str();
    // Beast 1.81 also writes "Content-Length: 0" on 204 and 304, which RFC 9110 §8.6 forbids
    // on 204 and allows on 304 only with the length a 200 would have had. We leave it out.
    if (!status_allows_body(r.status)) {
        const std::string zero_length = "Content-Length: 0\r\n";
        if (const auto at = wire.find(zero_length); at != std::string::npos) wire.erase(at, zero_length.size());
    }
    return wire;
}

std::string our_wire(const Response& r, unsigned version, bool keep_alive) {
    std::string head;
    format_response_head(head, r, version, keep_alive);
    return status_allows_body(r.status) ? head + r.body : head;
}

Response with_headers(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers) {
    return {status, "application/json", std::move(body), std::move(headers), {}, {}};
}

}  // namespace

TEST(ResponseHead, MatchesBeastsSerializerForEveryVersionAndConnection) {
    const std::vector<Response> responses{
        Response::text(200, "application/json", R"({"game":{"id":7}})"),
        Response::error(404, "Game not found"),
        Response::text(201, "text/csv; charset=utf-8", ""),
        with_headers(429, R"({"error":"slow down"})", {{"Retry-After", "12"}}),
        with_headers(426, R"({"error":"ws"})", {{"Upgrade", "websocket"}}),
        with_headers(304, "", {{"ETag", "\"a1\""}, {"Cache-Control", "no-cache"}}),
        with_headers(204, "", {}),
        with_headers(503, std::string(70000, 'x'), {{"Retry-After", "1"}}),
    };
    for (const auto& r : responses) {
        for (unsigned version : {10u, 11u}) {
            for (bool keep_alive : {true, false}) {
                SCOPED_TRACE("status " + std::to_string(r.status) + " version " + std::to_string(version) +
                             (keep_alive ? " keep-alive" : " close"));
                EXPECT_EQ(our_wire(r, version, keep_alive), beast_wire(r, version, keep_alive));
            }
        }
    }
}

TEST(ResponseHead, ReplacesWhatTheStringHeld) {
    std::string head = "left over from the previous response";
    format_response_head(head, Response::text(200, "text/plain", "ok"), 11, true);
    EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHead, ContentLengthOfAKeptBody) {
    Response res;
    const auto cached = std::make_shared<const std::string>(R"([{"id":1}])");
    res.kept_body = *cached;
    res.body_owner = cached;
    std::string head;
    format_response_head(head, res, 11, true);
    EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n");
    EXPECT_EQ(res.payload(), R"([{"id":1}])");
}

TEST(ResponseHead, NoContentLengthWhereTheStatusForbidsABody) {
    for (int status : {204, 304}) {
        std::string head;
        format_response_head(head, Response::text(status, "application/json", ""), 11, true);
        EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    }
}

TEST(ResponseHead, OnlyStatusesThatForbidABodyGoWithout) {
    EXPECT_FALSE(status_allows_body(101));
    EXPECT_FALSE(status_allows_body(204));
    EXPECT_FALSE(status_allows_body(304));
    EXPECT_TRUE(status_allows_body(200));
    EXPECT_TRUE(status_allows_body(205));
    EXPECT_TRUE(status_allows_body(404));
}
