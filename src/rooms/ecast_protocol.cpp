#include "rooms/ecast_protocol.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <cmath>

namespace gp::rooms::ecast {

namespace json = boost::json;

namespace {

const json::value* field(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &it->value();
}

const json::object* object_field(const json::object& o, std::string_view key) {
    const json::value* v = field(o, key);
    return v ? v->if_object() : nullptr;
}

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
    const json::value* v = field(o, key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

std::optional<bool> bool_field(const json::object& o, std::string_view key) {
    const json::value* v = field(o, key);
    if (!v || !v->is_bool()) return std::nullopt;
    return v->get_bool();
}

// Integral JSON numbers only (ids arrive as int64, uint64 or whole doubles).
std::optional<std::int64_t> as_int(const json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v.get_uint64());
    if (v.is_double()) {
        double d = v.get_double();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

std::optional<std::int64_t> int_field(const json::object& o, std::string_view key) {
    const json::value* v = field(o, key);
    return v ? as_int(*v) : std::nullopt;
}

int clamp_int(std::optional<std::int64_t> v) {
    if (!v || *v < 0) return 0;
    return *v > 1000000 ? 1000000 : static_cast<int>(*v);
}

std::optional<json::value> parse_json(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return std::nullopt;
    return v;
}

bool is_room_key(std::string_view key) { return key == "room" || key == "bc:room" || key == "roomBlob"; }

// The value of a room entity: an object, or (text entities) a string holding JSON.
std::optional<RoomState> room_state(const json::value& val) {
    std::optional<json::value> parsed;
    const json::object* o = val.if_object();
    if (!o && val.is_string()) {
        parsed = parse_json(val.get_string());
        if (parsed) o = parsed->if_object();
    }
    if (!o) return std::nullopt;
    RoomState s;
    s.state = string_field(*o, "state");
    s.lobby_state = string_field(*o, "lobbyState");
    s.game_finished = bool_field(*o, "gameFinished");
    return s;
}

// Players in a `here` map: entries whose roles include "player" (never host, shard,
// moderator, audience). The name is roles.player.name, else the entry's name.
std::vector<Player> players_in(const json::object& here) {
    std::vector<Player> out;
    for (const auto& [key, entry] : here) {
        const json::object* e = entry.if_object();
        if (!e) continue;
        const json::object* roles = object_field(*e, "roles");
        if (!roles) continue;
        const json::value* player = field(*roles, "player");
        if (!player) continue;
        Player p;
        if (auto id = int_field(*e, "id"))
            p.id = *id;
        else if (auto parsed = parse_json(key); parsed && as_int(*parsed))
            p.id = *as_int(*parsed);
        else
            continue;
        std::optional<std::string> name;
        if (const json::object* po = player->if_object()) name = string_field(*po, "name");
        if (!name) name = string_field(*e, "name");
        p.name = name.value_or("");
        out.push_back(std::move(p));
    }
    return out;
}

Frame parse_welcome(const json::object& result) {
    Welcome w;
    auto id = int_field(result, "id");
    if (!id) return Malformed{"client/welcome without an id"};
    w.id = *id;
    w.secret = string_field(result, "secret").value_or("");
    w.reconnect = bool_field(result, "reconnect").value_or(false);
    if (const json::object* here = object_field(result, "here")) w.players = players_in(*here);
    if (const json::object* entities = object_field(result, "entities")) {
        for (const auto& [key, entity] : *entities) {
            if (!is_room_key(key)) continue;
            // [type, {key, val, ...}, meta]
            const json::array* parts = entity.if_array();
            if (!parts || parts->size() < 2 || !(*parts)[1].is_object()) continue;
            const json::object& payload = (*parts)[1].get_object();
            if (const json::value* val = field(payload, "val"))
                if (auto s = room_state(*val)) {
                    s->version = int_field(payload, "version");
                    w.room = s;
                }
        }
    }
    return w;
}

}  // namespace

Lookup parse_lookup(int http_status, std::string_view body) {
    Lookup out;
    if (http_status == 404) {
        out.outcome = LookupOutcome::NotFound;
        out.error = "404";
        return out;
    }
    if (http_status < 200 || http_status > 299) {
        out.error = "HTTP " + std::to_string(http_status);
        return out;
    }
    auto parsed = parse_json(body);
    const json::object* o = parsed ? parsed->if_object() : nullptr;
    if (!o) {
        out.error = "look-up reply is not a JSON object";
        return out;
    }
    if (bool_field(*o, "ok") == false) {
        out.outcome = LookupOutcome::NotFound;
        out.error = string_field(*o, "error").value_or("ok:false");
        return out;
    }
    const json::object* b = object_field(*o, "body");
    auto host = b ? string_field(*b, "host") : std::nullopt;
    if (!host || host->empty()) {
        out.error = "look-up reply without body.host";
        return out;
    }
    out.outcome = LookupOutcome::Found;
    out.room.host = *host;
    out.room.app_tag = string_field(*b, "appTag").value_or("");
    out.room.max_players = clamp_int(int_field(*b, "maxPlayers"));
    out.room.min_players = clamp_int(int_field(*b, "minPlayers"));
    out.room.locked = bool_field(*b, "locked").value_or(false);
    out.room.full = bool_field(*b, "full").value_or(false);
    return out;
}

Frame parse_frame(std::string_view text) {
    auto parsed = parse_json(text);
    if (!parsed) return Malformed{"not JSON"};
    const json::object* msg = parsed->if_object();
    if (!msg) return Malformed{"not a JSON object"};
    // The official parser falls back to `type` when `opcode` is absent.
    auto opcode = string_field(*msg, "opcode");
    if (!opcode) opcode = string_field(*msg, "type");
    if (!opcode) return Malformed{"no opcode"};
    const json::value* result_value = field(*msg, "result");
    static const json::object empty;
    const json::object& result = result_value && result_value->is_object() ? result_value->get_object() : empty;

    if (*opcode == "client/welcome") return parse_welcome(result);
    if (*opcode == "object" || *opcode == "text") {
        auto key = string_field(result, "key");
        if (!key || !is_room_key(*key)) return Ignored{*opcode};
        const json::value* val = field(result, "val");
        auto state = val ? room_state(*val) : std::nullopt;
        if (!state) return Malformed{*opcode + " " + *key + " without a usable val"};
        state->version = int_field(result, "version");
        return RoomUpdate{*state};
    }
    if (*opcode == "client/connected") {
        auto id = int_field(result, "id");
        if (!id) return Malformed{"client/connected without an id"};
        const json::object* profile = object_field(result, "profile");
        const json::object* roles = profile ? object_field(*profile, "roles") : nullptr;
        const bool is_player = string_field(result, "role") == "player" || (roles && field(*roles, "player"));
        if (!is_player) return Ignored{*opcode};
        std::optional<std::string> name;
        if (roles)
            if (const json::object* p = object_field(*roles, "player")) name = string_field(*p, "name");
        if (!name) name = string_field(result, "name");
        return ClientConnected{Player{*id, name.value_or("")}};
    }
    if (*opcode == "error") {
        ErrorFrame e;
        e.code = static_cast<int>(int_field(result, "code").value_or(0));
        e.message = string_field(result, "msg").value_or("");
        return e;
    }
    if (*opcode == "room/exit") return RoomExit{static_cast<int>(int_field(result, "cause").value_or(0))};
    if (*opcode == "room/lock") return RoomLock{};
    return Ignored{*opcode};
}

bool is_lobby_state(std::string_view state) { return state == "Lobby" || state.starts_with("Lobby_"); }

// --- URLs ----------------------------------------------------------------------------

namespace {

struct Base {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path;  // prefix without a trailing slash
};

std::optional<Base> parse_base(std::string_view ecast_url) {
    auto r = boost::urls::parse_uri(ecast_url);
    if (!r) return std::nullopt;
    Base b;
    if (r->scheme() == "https")
        b.tls = true;
    else if (r->scheme() != "http")
        return std::nullopt;
    b.host = r->host_address();
    if (b.host.empty()) return std::nullopt;
    b.port = r->has_port() && !r->port().empty() ? std::string(r->port()) : (b.tls ? "443" : "80");
    b.path = r->encoded_path();
    while (!b.path.empty() && b.path.back() == '/') b.path.pop_back();
    return b;
}

std::string percent_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

std::string Endpoint::host_header() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (tls ? "443" : "80")) h += ":" + port;
    return h;
}

std::optional<Endpoint> lookup_endpoint(std::string_view ecast_url, std::string_view code) {
    auto base = parse_base(ecast_url);
    if (!base) return std::nullopt;
    return Endpoint{base->tls, base->host, base->port, base->path + "/api/v2/rooms/" + percent_encode(code)};
}

std::optional<Endpoint> watch_endpoint(std::string_view ecast_url, std::string_view room_host,
                                       std::string_view code, std::string_view user_id,
                                       std::optional<std::pair<std::int64_t, std::string>> resume) {
    auto base = parse_base(ecast_url);
    if (!base) return std::nullopt;
    // room_host is "name", "name:port", "[v6]" or "[v6]:port".
    Endpoint e;
    e.tls = base->tls;
    e.port = e.tls ? "443" : "80";
    std::string_view h = room_host;
    if (h.starts_with('[')) {
        auto close = h.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        e.host = std::string(h.substr(1, close - 1));
        h.remove_prefix(close + 1);
        if (h.starts_with(':')) e.port = std::string(h.substr(1));
        else if (!h.empty()) return std::nullopt;
    } else if (auto colon = h.rfind(':'); colon != std::string_view::npos) {
        e.host = std::string(h.substr(0, colon));
        e.port = std::string(h.substr(colon + 1));
    } else {
        e.host = std::string(h);
    }
    if (e.host.empty() || e.port.empty() || e.port.size() > 5) return std::nullopt;
    for (char c : e.port)
        if (c < '0' || c > '9') return std::nullopt;
    for (char c : e.host)
        if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '?' || c == '#' || c == '@') return std::nullopt;
    e.target = "/api/v2/rooms/" + percent_encode(code) + "/play?role=shard&name=GamePicker&userId=" +
               percent_encode(user_id) + "&format=json";
    if (resume) e.target += "&id=" + std::to_string(resume->first) + "&secret=" + percent_encode(resume->second);
    return e;
}

}  // namespace gp::rooms::ecast
