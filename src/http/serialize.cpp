#include "http/serialize.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace gp::http {

namespace json = boost::json;

namespace {
template <class T>
json::value opt(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}
}  // namespace

json::value iso_or_null(const std::optional<domain::Millis>& t) {
    return t ? json::value(domain::format_iso(*t)) : json::value(nullptr);
}

json::value to_json(const domain::Game& g) {
    return json::object{{"id", g.id},
                        {"pack_name", g.pack_name},
                        {"title", g.title},
                        {"min_players", g.min_players},
                        {"max_players", g.max_players},
                        {"length_minutes", opt(g.length_minutes)},
                        {"has_audience", g.has_audience ? 1 : 0},
                        {"family_friendly", g.family_friendly ? 1 : 0},
                        {"game_type", opt(g.game_type)},
                        {"secondary_type", opt(g.secondary_type)},
                        {"play_count", g.play_count},
                        {"popularity_score", g.popularity_score},
                        {"upvotes", g.upvotes},
                        {"downvotes", g.downvotes},
                        {"enabled", g.enabled ? 1 : 0},
                        {"favor_bias", g.favor_bias},
                        {"created_at", domain::format_iso(g.created_at)}};
}

json::value to_json(const domain::Session& s) {
    return json::object{{"id", s.id},
                        {"notes", opt(s.notes)},
                        {"is_active", s.is_active ? 1 : 0},
                        {"created_at", domain::format_iso(s.created_at)},
                        {"closed_at", iso_or_null(s.closed_at)},
                        {"games_played", s.games_played}};
}

json::value to_json(const domain::SessionGame& sg) {
    return json::object{{"id", sg.id},
                        {"session_id", sg.session_id},
                        {"game_id", sg.game_id},
                        {"played_at", domain::format_iso(sg.played_at)},
                        {"manually_added", sg.manually_added ? 1 : 0},
                        {"status", domain::to_string(sg.status)},
                        {"room_code", opt(sg.room_code)},
                        {"player_count", opt(sg.player_count)},
                        {"player_check_active", sg.player_check_active ? 1 : 0},
                        {"title", sg.title},
                        {"pack_name", sg.pack_name},
                        {"min_players", sg.min_players},
                        {"max_players", sg.max_players},
                        {"game_type", opt(sg.game_type)},
                        {"length_minutes", opt(sg.length_minutes)},
                        {"has_audience", sg.has_audience ? 1 : 0},
                        {"family_friendly", sg.family_friendly ? 1 : 0},
                        {"popularity_score", sg.popularity_score},
                        {"upvotes", sg.upvotes},
                        {"downvotes", sg.downvotes}};
}

json::value to_json(const domain::Pack& p) {
    return json::object{{"id", p.id},
                        {"name", p.name},
                        {"favor_bias", p.favor_bias},
                        {"created_at", domain::format_iso(p.created_at)}};
}

json::value to_json(const domain::PackMeta& p) {
    return json::object{{"name", p.name},
                        {"favor_bias", p.favor_bias},
                        {"total_count", p.total_count},
                        {"enabled_count", p.enabled_count},
                        {"total_plays", p.total_plays}};
}

json::value to_json(const domain::LiveVote& v) {
    return json::object{{"id", v.id},
                        {"session_id", v.session_id},
                        {"game_id", v.game_id},
                        {"game_title", v.game_title},
                        {"pack_name", v.pack_name},
                        {"username", v.username},
                        {"vote_type", domain::to_string(v.type)},
                        {"timestamp", domain::format_iso(v.timestamp)},
                        {"created_at", domain::format_iso(v.created_at)}};
}

// The secret is write-only: it never leaves the server.
json::value to_json(const webhooks::Webhook& w, const webhooks::WebhookStats& stats) {
    const bool in_future = w.previous_secret_until > domain::now_ms();
    json::array events;
    for (const auto& e : w.events) events.emplace_back(e);
    auto opt_int = [](std::optional<int> v) { return v ? json::value(*v) : json::value(nullptr); };
    json::object record{{"id", w.id},
                        {"name", w.name},
                        {"url", w.url},
                        {"events", std::move(events)},
                        {"enabled", w.enabled},
                        {"ordered", w.ordered},
                        {"created_at", domain::format_iso(w.created_at)},
                        {"consecutive_failures", w.consecutive_failures},
                        {"disabled_at", iso_or_null(w.disabled_at)},
                        {"disabled_reason", opt(w.disabled_reason)},
                        {"previous_secret_expires_at", in_future ? iso_or_null(w.previous_secret_until) : nullptr}};
    webhooks::add_options_json(w.options, record);
    record["stats"] = json::object{{"delivered_24h", stats.delivered_24h},
                                   {"failed_24h", stats.failed_24h},
                                   {"p50_ms", opt_int(stats.p50_ms)},
                                   {"p99_ms", opt_int(stats.p99_ms)},
                                   {"last_success_at", iso_or_null(w.last_success_at)},
                                   {"last_failure_at", iso_or_null(w.last_failure_at)}};
    return record;
}

json::value to_json(const webhooks::AttemptLog& l) {
    return json::object{{"id", l.id},
                        {"delivery_id", l.delivery_id},
                        {"event_type", l.event_type},
                        {"attempt", l.attempt},
                        {"status_code", opt(l.status_code)},
                        {"error", opt(l.error)},
                        {"duration_ms", l.duration_ms},
                        {"success", l.success},
                        {"payload", l.payload},
                        {"response_body", l.response_body},
                        {"created_at", domain::format_iso(l.created_at)}};
}

}  // namespace gp::http
