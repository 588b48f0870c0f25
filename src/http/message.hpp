#pragma once
// Transport-neutral request and response: the router and the handlers see only
// these, never Beast types (Beast's I/O stays in server.cpp and ws/; response_head
// borrows only its reason phrases).
#include <boost/json/fwd.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gp::http {

inline constexpr const char* kRoleAdmin = "admin";
inline constexpr const char* kRoleFeed = "feed";  // live feed only (POST /api/auth/feed-token)

struct Claims {
    std::string role;
    long long iat = 0;
    long long exp = 0;
    long long timestamp = 0;
};

struct Request {
    std::string method;  // upper case, e.g. "GET"
    std::string path;    // percent-decoded, no query
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
    std::string authorization;
    std::string content_type;
    std::string accept_encoding;  // for the web app's precompressed files
    std::string if_none_match;    // for the web app's ETags
    std::string body;
    std::string remote_address;  // the peer's IP address as text (for throttling and loopback checks)

    std::vector<std::string> params;  // path parameters, filled by the router
    std::optional<Claims> user;       // set by the auth middleware on protected routes

    std::optional<std::string> query_param(std::string_view name) const;
    // The peer is on the loopback interface (127.0.0.0/8, ::1, or IPv4-mapped 127.x).
    bool from_loopback() const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // A body that outlives the response, written in place of `body` (which then stays empty) so
    // that it is not copied for every request: a cached body, kept alive by `body_owner`, or
    // one of the binary's embedded files, which needs no owner.
    std::optional<std::string_view> kept_body;
    std::shared_ptr<const void> body_owner;

    std::string_view payload() const { return kept_body ? *kept_body : std::string_view(body); }

    static Response json(int status, const boost::json::value& v);
    // Every error answer is made here: {"error": message, ...extra}. Its body is always
    // valid UTF-8 (messages can quote client bytes, e.g. a percent-decoded path):
    // ill-formed sequences become U+FFFD.
    static Response error(int status, std::string_view message);
    static Response error(int status, std::string_view message, const boost::json::object& extra);
    static Response text(int status, std::string content_type, std::string body);
};

}  // namespace gp::http
