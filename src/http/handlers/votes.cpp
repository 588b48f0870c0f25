#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <string>

#include "domain/error.hpp"
#include "domain/text.hpp"
#include "domain/votes.hpp"
#include "http/json_input.hpp"
#include "http/routes.hpp"
#include "http/serialize.hpp"
#include "store/store.hpp"

namespace gp::http {

namespace json = boost::json;
using domain::bad_request;

namespace {

constexpr int kMaxPageSize = 100;

std::optional<domain::VoteType> parse_vote_type(std::string_view s) {
    if (s == "up") return domain::VoteType::Up;
    if (s == "down") return domain::VoteType::Down;
    return std::nullopt;
}

// The texts are the original's.
store::LiveVoteInput read_live_vote(const json::object& body) {
    const auto missing = [&body](std::string_view key) {
        auto it = body.find(key);
        return it == body.end() || it->value().is_null() ||
               (it->value().is_string() && is_blank(it->value().as_string()));
    };
    if (missing("username") || missing("vote") || missing("timestamp"))
        bad_request("Missing required fields: username, vote, timestamp");

    store::LiveVoteInput vote;
    vote.username = *opt_string(body, "username");
    domain::check_length("username", vote.username, domain::kMaxUsernameLength);
    const json::value& type = body.at("vote");
    auto parsed_type = type.is_string() ? parse_vote_type(type.as_string()) : std::nullopt;
    if (!parsed_type) bad_request("vote must be either \"up\" or \"down\"");
    vote.type = *parsed_type;
    const json::value& when = body.at("timestamp");
    auto parsed_when = when.is_string() ? domain::parse_iso(when.as_string()) : std::nullopt;
    if (!parsed_when) bad_request("Invalid timestamp format. Use ISO 8601 format (e.g., 2025-11-01T20:30:00Z)");
    vote.timestamp = *parsed_when;
    vote.timestamp_text = std::string(when.as_string());
    return vote;
}

store::VoteQuery read_vote_query(const Request& req) {
    store::VoteQuery q;
    q.session_id = query_int(req, "session_id", 1, INT32_MAX);
    q.game_id = query_int(req, "game_id", 1, INT32_MAX);
    // An empty username (a blank search field) filters nothing.
    if (auto name = req.query_param("username"); name && !name->empty()) q.username = *name;
    if (auto type = req.query_param("vote_type")) {
        q.vote_type = parse_vote_type(*type);
        if (!q.vote_type) bad_request("vote_type must be \"up\" or \"down\"");
    }
    q.page = static_cast<int>(query_int(req, "page", 1, INT32_MAX).value_or(1));
    // Larger pages are cut to the documented maximum rather than refused.
    q.limit = static_cast<int>(std::min<std::int64_t>(query_int(req, "limit", 1, INT32_MAX).value_or(50), kMaxPageSize));
    return q;
}

}  // namespace

void add_vote_routes(Router& r, Services& s) {
    r.add("GET", "/api/votes", Access::Public, [&s](Request& req) {
        const auto query = read_vote_query(req);
        const auto page = s.store().list_votes(query);
        json::array votes;
        for (const auto& v : page.votes) votes.push_back(to_json(v));
        const int total_pages = (page.total + query.limit - 1) / query.limit;
        return Response::json(200, json::object{{"votes", std::move(votes)},
                                                {"pagination", json::object{{"page", query.page},
                                                                            {"limit", query.limit},
                                                                            {"total", page.total},
                                                                            {"total_pages", total_pages}}}});
    });

    r.add("POST", "/api/votes/live", Access::Admin, [&s](Request& req) {
        const auto vote = read_live_vote(parse_object(req));
        const auto result = s.store().record_live_vote(vote);
        const auto& g = result.game;
        return Response::json(
            200, json::object{{"success", true},
                              {"message", "Vote recorded successfully"},
                              {"session", json::object{{"id", result.session.id},
                                                       {"games_played", result.session.games_played}}},
                              {"game", json::object{{"id", g.id},
                                                    {"title", g.title},
                                                    {"upvotes", g.upvotes},
                                                    {"downvotes", g.downvotes},
                                                    {"popularity_score", g.popularity_score}}},
                              {"vote", json::object{{"username", vote.username},
                                                    {"type", domain::to_string(vote.type)},
                                                    {"timestamp", vote.timestamp_text}}}});
    });
}

}  // namespace gp::http
