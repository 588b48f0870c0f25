#pragma once
// Domain records as the API shows them (the original's field names and types:
// booleans of catalogue and session rows are 0/1, timestamps ISO 8601).
#include <boost/json/value.hpp>

#include "domain/models.hpp"
#include "webhooks/model.hpp"
#include "webhooks/stats.hpp"

namespace gp::http {

boost::json::value to_json(const domain::Game& g);
boost::json::value to_json(const domain::Session& s);
boost::json::value to_json(const domain::SessionGame& sg);
boost::json::value to_json(const domain::Pack& p);
boost::json::value to_json(const domain::LiveVote& v);  // vote_type "up"/"down"
// Never the secret nor the private key; `stats` are its webhooks::summarise() figures.
boost::json::value to_json(const webhooks::Webhook& w, const webhooks::WebhookStats& stats);
boost::json::value to_json(const webhooks::AttemptLog& l);
boost::json::value to_json(const domain::PackMeta& p);
boost::json::value iso_or_null(const std::optional<domain::Millis>& t);

template <class T>
boost::json::value to_json_array(const std::vector<T>& items) {
    boost::json::array a;
    a.reserve(items.size());
    for (const auto& i : items) a.push_back(to_json(i));
    return a;
}

}  // namespace gp::http
