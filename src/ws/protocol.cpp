#include "ws/protocol.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <limits>

#include "domain/error.hpp"
#include "http/json_input.hpp"

namespace gp::ws::protocol {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();
// Client input echoed in a reply is cut to this many bytes: a reply must not cost
// more than a few bytes per byte the client sends.
constexpr std::size_t kMaxEchoedBytes = 64;

// The longest prefix of at most `max` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return s.substr(0, end);
}

// An integer field in [min, kMaxId] (absent or null -> nullopt); `error` names the
// problem for any other value.
std::optional<std::int64_t> id_field(const json::object& o, std::string_view key, std::int64_t min,
                                     std::string_view requirement, std::string& error) {
    try {
        return http::opt_int(o, key, min, kMaxId);
    } catch (const domain::Error&) {
        error = std::string(key) + " must be " + std::string(requirement);
        return std::nullopt;
    }
}

ClientMessage invalid(std::string error) {
    ClientMessage m;
    m.error = std::move(error);
    return m;
}

void parse_auth(const json::object& o, ClientMessage& m) {
    m.kind = Kind::Auth;
    auto it = o.find("token");
    if (it == o.end() || it->value().is_null() || (it->value().is_string() && it->value().as_string().empty())) {
        m.error = kTokenRequired;
    } else if (!it->value().is_string()) {
        m.error = kInvalidToken;
    } else {
        m.token = it->value().as_string();
    }
}

void parse_subscription(const json::object& o, ClientMessage& m) {
    auto id = id_field(o, "sessionId", 1, "a positive integer", m.error);
    if (!m.error.empty()) return;
    if (!id) {
        m.error = "sessionId is required";
        return;
    }
    m.session_id = *id;
    if (m.kind == Kind::Subscribe) m.since = id_field(o, "since", 0, "a non-negative integer (an event id)", m.error);
}

std::string reply(json::object o) { return json::serialize(o); }

}  // namespace

ClientMessage parse(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return invalid("Invalid JSON");
    if (!v.is_object()) return invalid("Message must be a JSON object");
    const json::object& o = v.as_object();
    auto type = o.find("type");
    if (type == o.end() || !type->value().is_string()) return invalid("Message type is required");
    const std::string_view name = type->value().as_string();

    ClientMessage m;
    if (name == "auth") {
        parse_auth(o, m);
    } else if (name == "subscribe") {
        m.kind = Kind::Subscribe;
        parse_subscription(o, m);
    } else if (name == "unsubscribe") {
        m.kind = Kind::Unsubscribe;
        parse_subscription(o, m);
    } else if (name == "ping") {
        m.kind = Kind::Ping;
    } else {
        return invalid("Unknown message type: " + std::string(utf8_prefix(name, kMaxEchoedBytes)));
    }
    return m;
}

std::string auth_success() { return reply({{"type", "auth_success"}, {"message", "Authenticated successfully"}}); }

std::string auth_error(std::string_view message) { return reply({{"type", "auth_error"}, {"message", message}}); }

std::string subscribed(std::int64_t session_id) {
    return reply({{"type", "subscribed"},
                  {"sessionId", session_id},
                  {"message", "Subscribed to session " + std::to_string(session_id)}});
}

std::string unsubscribed(std::int64_t session_id) {
    return reply({{"type", "unsubscribed"},
                  {"sessionId", session_id},
                  {"message", "Unsubscribed from session " + std::to_string(session_id)}});
}

std::string pong() { return reply({{"type", "pong"}}); }

std::string error(std::string_view message) { return reply({{"type", "error"}, {"message", message}}); }

}  // namespace gp::ws::protocol
