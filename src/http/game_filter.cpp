#include "http/game_filter.hpp"

#include "domain/error.hpp"
#include "http/json_input.hpp"

namespace gp::http {

namespace {

using domain::bad_request;

std::optional<domain::DrawingFilter> drawing_filter(const std::optional<std::string>& value) {
    if (!value) return std::nullopt;
    if (*value == "only") return domain::DrawingFilter::Only;
    if (*value == "exclude") return domain::DrawingFilter::Exclude;
    bad_request("drawing must be \"only\" or \"exclude\"");
}

std::optional<domain::LengthFilter> length_filter(const std::optional<std::string>& value) {
    if (!value) return std::nullopt;
    if (*value == "short") return domain::LengthFilter::Short;
    if (*value == "medium") return domain::LengthFilter::Medium;
    if (*value == "long") return domain::LengthFilter::Long;
    bad_request("length must be \"short\", \"medium\" or \"long\"");
}

std::optional<int> narrow(std::optional<std::int64_t> n) {
    return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
}

}  // namespace

domain::GameFilter game_filter_from_query(const Request& req) {
    domain::GameFilter f;
    f.enabled = query_bool(req, "enabled");
    f.player_count = narrow(query_int(req, "playerCount", 1, domain::kMaxPlayers));
    f.drawing = drawing_filter(req.query_param("drawing"));
    f.length = length_filter(req.query_param("length"));
    f.family_friendly = query_bool(req, "familyFriendly");
    f.pack = req.query_param("pack");
    return f;
}

domain::GameFilter game_filter_from_body(const boost::json::object& body) {
    domain::GameFilter f;
    f.player_count = narrow(opt_int(body, "playerCount", 1, domain::kMaxPlayers));
    f.drawing = drawing_filter(opt_string(body, "drawing"));
    f.length = length_filter(opt_string(body, "length"));
    f.family_friendly = opt_flag(body, "familyFriendly");
    return f;
}

}  // namespace gp::http
