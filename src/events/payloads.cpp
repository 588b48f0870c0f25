#include "events/payloads.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace gp::events {

namespace json = boost::json;

std::string session_started(const domain::Session& s) {
    json::object session{{"id", s.id}, {"is_active", 1}, {"created_at", domain::format_iso(s.created_at)}};
    session["notes"] = s.notes ? json::value(*s.notes) : json::value(nullptr);
    return json::serialize(json::object{{"session", std::move(session)}});
}

std::string session_ended(const domain::Session& s) {
    return json::serialize(
        json::object{{"session", json::object{{"id", s.id}, {"is_active", 0}, {"games_played", s.games_played}}}});
}

std::string game_added(const domain::Session& s, const domain::Game& g, bool manually_added) {
    json::object data;
    data["session"] = json::object{{"id", s.id}, {"is_active", true}, {"games_played", s.games_played}};
    data["game"] = json::object{{"id", g.id},
                                {"title", g.title},
                                {"pack_name", g.pack_name},
                                {"min_players", g.min_players},
                                {"max_players", g.max_players},
                                {"manually_added", manually_added}};
    return json::serialize(data);
}

std::string player_count_updated(domain::Id session_id, domain::Id session_game_id, int player_count) {
    return json::serialize(json::object{{"sessionId", session_id},
                                        {"gameId", session_game_id},
                                        {"playerCount", player_count},
                                        {"status", "completed"}});
}

std::string vote_received(domain::Id session_id, const domain::Game& g, const std::string& username,
                          domain::VoteType type, const std::string& vote_timestamp) {
    json::object data;
    data["sessionId"] = session_id;
    data["game"] = json::object{{"id", g.id}, {"title", g.title}, {"pack_name", g.pack_name}};
    data["vote"] = json::object{{"username", username}, {"type", domain::to_string(type)}, {"timestamp", vote_timestamp}};
    data["totals"] = json::object{
        {"upvotes", g.upvotes}, {"downvotes", g.downvotes}, {"popularity_score", g.popularity_score}};
    return json::serialize(data);
}

}  // namespace gp::events
