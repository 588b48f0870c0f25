#pragma once
// The WebSocket feed's wire protocol, without any transport: parsing client
// messages and building the server's control replies (Boost.JSON only).
// Events themselves are serialised by events::Event::ws_envelope().
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gp::ws::protocol {

enum class Kind { Auth, Subscribe, Unsubscribe, Ping, Invalid };

struct ClientMessage {
    Kind kind = Kind::Invalid;
    // Invalid: the text of the `error` reply. Auth: the text of the `auth_error`
    // reply when the token field is unusable. Subscribe/Unsubscribe: the text of
    // the `error` reply for a bad field, sent only once the client is
    // authenticated (not being authenticated is reported first).
    std::string error;
    std::string token;                  // Auth
    std::int64_t session_id = 0;        // Subscribe, Unsubscribe (positive)
    std::optional<std::int64_t> since;  // Subscribe: replay events with a larger id first
};

// Never throws: every malformed input becomes a message with `error` set.
ClientMessage parse(std::string_view text);

// Control replies, each a complete JSON text frame.
std::string auth_success();
std::string auth_error(std::string_view message);
std::string subscribed(std::int64_t session_id);
std::string unsubscribed(std::int64_t session_id);
std::string pong();
std::string error(std::string_view message);

// Reply texts shared by the connection and the tests.
inline constexpr std::string_view kTokenRequired = "Token required";
inline constexpr std::string_view kInvalidToken = "Invalid or expired token";
inline constexpr std::string_view kTokenExpired = "Token expired";
inline constexpr std::string_view kNotAuthenticated = "Not authenticated";

}  // namespace gp::ws::protocol
