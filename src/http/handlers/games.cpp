#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "domain/catalogue_csv.hpp"
#include "domain/error.hpp"
#include "http/game_filter.hpp"
#include "http/json_input.hpp"
#include "http/routes.hpp"
#include "http/serialize.hpp"
#include "store/store.hpp"

namespace gp::http {

namespace json = boost::json;
using domain::bad_request;

namespace {

// Serialised GET /api/games bodies by filter, all dropped when the catalogue version
// moves. The catalogue list is the hottest read; this keeps it off the database and the
// serializer. Bounded because filters (playerCount, pack) come from clients. Locked: with
// request workers several threads share it.
class GameListCache {
public:
    using Body = std::shared_ptr<const std::string>;

    Body find(std::uint64_t version, const std::string& key) {
        std::lock_guard lock(mutex_);
        if (version > version_) {
            bodies_.clear();
            version_ = version;
        }
        if (version != version_) return nullptr;  // read before a change another thread saw
        auto it = bodies_.find(key);
        return it == bodies_.end() ? nullptr : it->second;
    }
    // `version`: the one read before the rows were: a body read before a change is not kept
    // once a newer version was seen.
    void put(std::uint64_t version, std::string key, Body body) {
        std::lock_guard lock(mutex_);
        if (version != version_) return;
        if (bodies_.size() >= kMaxEntries) bodies_.clear();
        bodies_.insert_or_assign(std::move(key), std::move(body));
    }

private:
    static constexpr std::size_t kMaxEntries = 512;
    std::mutex mutex_;
    std::uint64_t version_ = 0;
    std::unordered_map<std::string, Body> bodies_;
};

std::string cache_key(const domain::GameFilter& f) {
    auto part = [](const auto& v) { return v ? std::to_string(static_cast<long long>(*v)) : std::string("-"); };
    // The pack name goes last so that no character in it can make two filters collide.
    return part(f.enabled) + '|' + part(f.player_count) + '|' + part(f.drawing) + '|' + part(f.length) + '|' +
           part(f.family_friendly) + '|' + (f.pack ? "=" + *f.pack : std::string("-"));
}

// Optional text columns: null, absent or blank means "none" (as in the CSV).
std::optional<std::string> opt_text(const json::object& body, std::string_view key) {
    auto v = opt_string(body, key);
    if (v && is_blank(*v)) return std::nullopt;
    return v;
}

// The catalogue fields of a POST/PUT body laid over `fields`: keys the body does not
// have keep their value, so PUT accepts a whole game (as GET returns it) or a part.
domain::GameFields read_game_fields(const json::object& body, domain::GameFields fields, bool creating) {
    if (creating || body.contains("pack_name")) fields.pack_name = req_string(body, "pack_name");
    if (creating || body.contains("title")) fields.title = req_string(body, "title");
    auto players = [&](std::string_view key, int& target) {
        if (auto n = opt_int(body, key, 1, domain::kMaxPlayers))
            target = static_cast<int>(*n);
        else if (creating || body.contains(key))
            bad_request(std::string(key) + " is required");
    };
    players("min_players", fields.min_players);
    players("max_players", fields.max_players);
    if (fields.min_players > fields.max_players) bad_request("min_players must not be greater than max_players");
    if (body.contains("length_minutes")) {
        auto n = opt_int(body, "length_minutes", 0, domain::kMaxLengthMinutes);
        fields.length_minutes = n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
    }
    if (auto v = opt_flag(body, "has_audience")) fields.has_audience = *v;
    if (auto v = opt_flag(body, "family_friendly")) fields.family_friendly = *v;
    if (body.contains("game_type")) fields.game_type = opt_text(body, "game_type");
    if (body.contains("secondary_type")) fields.secondary_type = opt_text(body, "secondary_type");
    domain::check_text_lengths(fields);
    return fields;
}

int read_favor_bias(const Request& req) {
    auto bias = opt_int(parse_object(req), "favor_bias", -1, 1);
    if (!bias) bad_request("favor_bias is required (-1, 0 or 1)");
    return static_cast<int>(*bias);
}

// POST /api/games/import/csv takes the CSV as the raw body (text/csv) or as
// {"csvData": "..."} (application/json, what the original web UI sent).
std::string csv_text(const Request& req) {
    if (req.content_type.starts_with("application/json")) return req_string(parse_object(req), "csvData");
    return req.body;
}

}  // namespace

void add_game_routes(Router& r, Services& s) {
    // The bodies by filter, for the catalogue's version: a hit is answered on the event loop.
    auto cache = std::make_shared<GameListCache>();
    auto games_body = [](GameListCache::Body body) {
        Response res;
        res.kept_body = *body;
        res.body_owner = std::move(body);
        return res;
    };
    r.add("GET", "/api/games", Access::Public, [&s, cache, games_body](Request& req) {
        const domain::GameFilter filter = game_filter_from_query(req);
        std::string key = cache_key(filter);
        const std::uint64_t version = s.store().catalogue_version();
        GameListCache::Body body = cache->find(version, key);
        if (!body) {
            body = std::make_shared<const std::string>(json::serialize(to_json_array(s.store().list_games(filter))));
            cache->put(version, std::move(key), body);
        }
        return games_body(body);
    }, [&s, cache, games_body](Request& req) -> std::optional<Response> {
        auto body = cache->find(s.store().catalogue_version(), cache_key(game_filter_from_query(req)));
        if (!body) return std::nullopt;
        return games_body(body);
    });

    r.add("GET", "/api/games/packs", Access::Public,
          [&s](Request&) { return Response::json(200, to_json_array(s.store().list_packs())); });

    r.add("GET", "/api/games/meta/packs", Access::Public,
          [&s](Request&) { return Response::json(200, to_json_array(s.store().pack_meta())); });

    r.add("GET", "/api/games/export/csv", Access::Admin, [&s](Request&) {
        auto res = Response::text(200, "text/csv; charset=utf-8", domain::write_catalogue_csv(s.store().list_games({})));
        res.headers.emplace_back("Content-Disposition", "attachment; filename=\"games.csv\"");
        return res;
    });

    r.add("POST", "/api/games/import/csv", Access::Admin, [&s](Request& req) {
        const int imported = s.store().import_games(domain::parse_catalogue_csv(csv_text(req)));
        return Response::json(200, json::object{{"message", "Imported " + std::to_string(imported) + " games"},
                                                {"imported", imported}});
    });

    r.add("PATCH", "/api/games/packs/{name}/favor", Access::Admin, [&s](Request& req) {
        return Response::json(200, to_json(s.store().set_pack_favor(req.params[0], read_favor_bias(req))));
    });

    r.add("PATCH", "/api/games/packs/{name}/toggle", Access::Admin, [&s](Request& req) {
        auto enabled = opt_flag(parse_object(req), "enabled");
        if (!enabled) bad_request("enabled is required (true or false)");
        const int games = s.store().set_pack_enabled(req.params[0], *enabled);
        return Response::json(200, json::object{{"message", std::string("Pack ") + (*enabled ? "enabled" : "disabled")},
                                                {"pack", req.params[0]},
                                                {"enabled", *enabled},
                                                {"gamesAffected", games}});
    });

    r.add("GET", "/api/games/{id}", Access::Public, [&s](Request& req) {
        auto game = s.store().find_game(path_id(req, 0, "game"));
        if (!game) domain::not_found("Game not found");
        return Response::json(200, to_json(*game));
    });

    r.add("POST", "/api/games", Access::Admin, [&s](Request& req) {
        auto fields = read_game_fields(parse_object(req), {}, true);
        return Response::json(201, to_json(s.store().create_game(fields)));
    });

    r.add("PUT", "/api/games/{id}", Access::Admin, [&s](Request& req) {
        const auto id = path_id(req, 0, "game");
        auto body = parse_object(req);
        auto current = s.store().find_game(id);
        if (!current) domain::not_found("Game not found");
        return Response::json(200, to_json(s.store().update_game(id, read_game_fields(body, *current, false))));
    });

    r.add("DELETE", "/api/games/{id}", Access::Admin, [&s](Request& req) {
        s.store().delete_game(path_id(req, 0, "game"));
        return Response::json(200, json::object{{"message", "Game deleted successfully"}});
    });

    r.add("PATCH", "/api/games/{id}/toggle", Access::Admin, [&s](Request& req) {
        return Response::json(200, to_json(s.store().toggle_game(path_id(req, 0, "game"))));
    });

    r.add("PATCH", "/api/games/{id}/favor", Access::Admin, [&s](Request& req) {
        const auto id = path_id(req, 0, "game");
        return Response::json(200, to_json(s.store().set_game_favor(id, read_favor_bias(req))));
    });
}

}  // namespace gp::http
