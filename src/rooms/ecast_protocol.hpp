#pragma once
// Jackbox's room service ("ecast") as an observer sees it, without any transport:
// the REST look-up reply, the frames of the shard WebSocket, and the URLs of both.
// Pure functions (Boost.JSON, Boost.URL); never throw on what the service sends.
// The protocol is described in ../shared/spec/ECAST.md; what we rely on, in docs/ROOMS.md.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gp::rooms::ecast {

// --- REST look-up: GET {ECAST_URL}/api/v2/rooms/{CODE} -------------------------
struct RoomInfo {
    std::string app_tag;
    std::string host;  // the WebSocket server for shards ("host[:port]")
    int max_players = 0;
    int min_players = 0;
    bool locked = false;
    bool full = false;
};

enum class LookupOutcome {
    Found,
    NotFound,  // 404 (or ok:false with a 2xx): the code names no live room
    Retry,     // anything else (5xx, 403 rate limit, garbage): worth trying again
};

struct Lookup {
    LookupOutcome outcome = LookupOutcome::Retry;
    RoomInfo room;      // Found
    std::string error;  // NotFound / Retry: why, for the log
};

Lookup parse_lookup(int http_status, std::string_view body);

// --- WebSocket frames ------------------------------------------------------------
struct Player {
    std::int64_t id = 0;
    std::string name;
};

// What the room entity says; absent fields stay unset (updates may carry only a few).
struct RoomState {
    std::optional<std::string> state;        // "Lobby", "Lobby_CanStart", "Logo", ...
    std::optional<std::string> lobby_state;  // "WaitingForMore", "CanStart", "Countdown", "PostGame", ...
    std::optional<bool> game_finished;
    // The entity's version (increases with each write): tells a stale copy (a probe's
    // welcome read before an update the watch already had) from a new one.
    std::optional<std::int64_t> version;
};

struct Welcome {
    std::int64_t id = 0;
    std::string secret;
    bool reconnect = false;
    // Entries of `here` with the player role; unset when `here` was null or absent
    // (an audience-style welcome cannot count).
    std::optional<std::vector<Player>> players;
    std::optional<RoomState> room;  // the room entity, when the welcome carried one
};

struct RoomUpdate {  // `object`/`text` frame of a room entity (room, bc:room, roomBlob)
    RoomState room;
};

struct ClientConnected {  // only players are reported; other roles are Ignored
    Player player;
};

struct ErrorFrame {
    int code = 0;
    std::string message;
};

struct RoomExit {
    int cause = 0;
};

struct RoomLock {};

struct Ignored {  // a well-formed frame we have no use for (other entities, audience, ok, ...)
    std::string opcode;
};

struct Malformed {  // not JSON, not an object, no opcode, wrong field types
    std::string why;
};

using Frame = std::variant<Welcome, RoomUpdate, ClientConnected, ErrorFrame, RoomExit, RoomLock, Ignored, Malformed>;

Frame parse_frame(std::string_view text);

// Error codes that end the watch instead of being retried.
inline constexpr int kErrorRoomNotFound = 2013;
inline constexpr int kErrorNoSuchRole = 2014;
inline constexpr int kErrorPasswordRequired = 2017;
inline constexpr int kErrorPermissionDenied = 2023;
inline constexpr int kErrorRoomEnded = 2027;

// `state` of a lobby screen: "Lobby" or "Lobby_<sub-state>".
bool is_lobby_state(std::string_view state);

// --- URLs ----------------------------------------------------------------------------
struct Endpoint {
    bool tls = false;
    std::string host;    // name or address, without brackets
    std::string port;    // always set ("443", "80" or the explicit one)
    std::string target;  // path and query
    std::string host_header() const;  // "host" or "host:port" when the port is not the default
};

// ECAST_URL must be http(s)://host[:port] with an optional path prefix; nullopt otherwise.
std::optional<Endpoint> lookup_endpoint(std::string_view ecast_url, std::string_view code);
// A shard connection on the server the look-up named: ws when ECAST_URL is http, wss
// when https. `resume` = (id, secret) of the last welcome, to come back as the same client.
std::optional<Endpoint> watch_endpoint(std::string_view ecast_url, std::string_view room_host,
                                       std::string_view code, std::string_view user_id,
                                       std::optional<std::pair<std::int64_t, std::string>> resume = std::nullopt);

}  // namespace gp::rooms::ecast
