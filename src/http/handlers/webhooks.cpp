// /api/webhooks: the registry, its delivery logs, test events and redelivery. All Admin.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "domain/error.hpp"
#include "domain/text.hpp"
#include "domain/time.hpp"
#include "events/event.hpp"
#include "http/json_input.hpp"
#include "http/routes.hpp"
#include "http/serialize.hpp"
#include "store/store.hpp"
#include "webhooks/event_catalog.hpp"
#include "webhooks/options.hpp"
#include "webhooks/signer.hpp"
#include "webhooks/stats.hpp"

namespace gp::http {

namespace json = boost::json;
using domain::bad_request;

namespace {

constexpr int kDefaultLogLimit = 50;
constexpr int kMaxLogLimit = 500;
constexpr std::int64_t kDefaultPreviousValidFor = 86400;      // seconds a rotated-out secret still signs
constexpr std::int64_t kMaxPreviousValidFor = 30LL * 86400;

// Longest host name DNS can carry (RFC 1035: 255 octets on the wire, 253 as text).
constexpr std::size_t kMaxHostLength = 253;

// A present field must not be blank (PATCH); absent or null leaves it unchanged.
std::optional<std::string> opt_nonblank(const json::object& o, std::string_view key, std::size_t max_length) {
    auto v = opt_string(o, key);
    if (v && is_blank(*v))
        bad_request(std::string(key) + " must not be empty");
    if (v) domain::check_length(key, *v, max_length);
    return v;
}

// A required field: present, not blank, within its cap.
std::string required(const json::object& o, std::string_view key, std::size_t max_length) {
    std::string v = req_string(o, key);
    domain::check_length(key, v, max_length);
    return v;
}

// An absolute http(s) URL with a host of at most 253 bytes, no credentials, and a
// port, if one is written, in 1-65535 (Boost.URL reads "99999" and wraps it).
std::string checked_url(std::string url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed ||
        (parsed->scheme_id() != boost::urls::scheme::http && parsed->scheme_id() != boost::urls::scheme::https) ||
        parsed->encoded_host().empty())
        bad_request("url must be a valid http or https URL");
    if (parsed->has_userinfo()) bad_request("url must not contain credentials");
    if (parsed->encoded_host().decoded_size() > kMaxHostLength)
        bad_request("url host must be at most " + std::to_string(kMaxHostLength) + " bytes");
    if (parsed->has_port()) {
        const std::string_view port = parsed->port();
        unsigned number = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (port.empty() || port.size() > 5 || ec != std::errc() || end != port.data() + port.size() ||
            number < 1 || number > 65535)
            bad_request("url port must be between 1 and 65535");
    }
    return url;
}

// A "whsec_" secret is the Standard Webhooks form: its rest must be the base64 key.
std::optional<std::string> opt_secret(const json::object& o) {
    auto secret = opt_nonblank(o, "secret", domain::kMaxWebhookSecretLength);
    if (secret && secret->starts_with(webhooks::kSecretPrefix)) {
        auto key = webhooks::base64_decode(std::string_view(*secret).substr(webhooks::kSecretPrefix.size()));
        if (!key || key->empty()) bad_request("secret: after whsec_ must come the key in base64");
    }
    return secret;
}

// A non-empty array of known event types; duplicates are dropped, order kept.
std::optional<std::vector<std::string>> opt_event_types(const json::object& o) {
    auto it = o.find("events");
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_array()) bad_request("events must be an array of event types");
    const auto& items = it->value().as_array();
    if (items.empty()) bad_request("events must not be empty");
    std::vector<std::string> out;
    for (const auto& v : items) {
        if (!v.is_string() || !events::is_known_type(v.as_string())) {
            json::array valid;
            for (const char* t : events::kAllTypes) valid.emplace_back(t);
            bad_request("Unknown event type: " + json::serialize(v), {{"validEvents", std::move(valid)}});
        }
        std::string type(v.as_string());
        if (std::find(out.begin(), out.end(), type) == out.end()) out.push_back(std::move(type));
    }
    return out;
}

webhooks::Webhook load(store::Store& store, domain::Id id) {
    auto w = store.find_webhook(id);
    if (!w) domain::not_found("Webhook not found");
    return *w;
}

std::unordered_map<domain::Id, webhooks::WebhookStats> all_stats(store::Store& store) {
    return webhooks::summarise(store.webhook_stats_rows(webhooks::stats_window_start(domain::now_ms())));
}

// A webhook record with its stats.
json::value record(store::Store& store, const webhooks::Webhook& w) {
    const auto stats = all_stats(store);
    const auto it = stats.find(w.id);
    return to_json(w, it == stats.end() ? webhooks::WebhookStats{} : it->second);
}

}  // namespace

void add_webhook_routes(Router& r, Services& s) {
    r.add("GET", "/api/webhooks", Access::Admin, [&s](Request&) {
        const auto stats = all_stats(s.store());
        json::array out;
        for (const auto& w : s.store().list_webhooks()) {
            const auto it = stats.find(w.id);
            out.push_back(to_json(w, it == stats.end() ? webhooks::WebhookStats{} : it->second));
        }
        return Response::json(200, std::move(out));
    });

    // Every event type with its description, example data, and what a chat template may use.
    r.add("GET", "/api/webhooks/event-types", Access::Admin, [](Request&) {
        json::array out;
        for (const auto& info : webhooks::event_catalog()) {
            json::array names;
            for (auto& p : webhooks::placeholders(info)) names.emplace_back(p);
            out.push_back(json::object{{"type", info.type},
                                       {"description", info.description},
                                       {"data", json::parse(info.example())},
                                       {"placeholders", std::move(names)},
                                       {"default_template", info.sentence}});
        }
        return Response::json(200, std::move(out));
    });

    r.add("GET", "/api/webhooks/{id}", Access::Admin, [&s](Request& req) {
        return Response::json(200, record(s.store(), load(s.store(), path_id(req, 0, "webhook"))));
    });

    r.add("POST", "/api/webhooks", Access::Admin, [&s](Request& req) {
        auto body = parse_object(req);
        webhooks::WebhookFields f;
        f.name = required(body, "name", domain::kMaxWebhookNameLength);
        f.url = checked_url(required(body, "url", domain::kMaxWebhookUrlLength));
        auto secret = opt_secret(body);
        f.secret = secret ? std::move(*secret) : webhooks::generate_secret();
        auto events = opt_event_types(body);
        if (!events) bad_request("events is required");
        f.events = std::move(*events);
        f.ordered = opt_bool(body, "ordered").value_or(false);
        webhooks::apply_options(body, f.options);
        auto created = to_json(s.store().create_webhook(f), {});
        // A generated secret is shown this once; it is write-only afterwards.
        if (!secret) created.as_object()["secret"] = f.secret;
        return Response::json(201, std::move(created));
    });

    r.add("PATCH", "/api/webhooks/{id}", Access::Admin, [&s](Request& req) {
        const auto id = path_id(req, 0, "webhook");
        auto body = parse_object(req);
        webhooks::WebhookPatch p;
        p.name = opt_nonblank(body, "name", domain::kMaxWebhookNameLength);
        if (auto url = opt_nonblank(body, "url", domain::kMaxWebhookUrlLength)) p.url = checked_url(std::move(*url));
        p.secret = opt_secret(body);
        p.events = opt_event_types(body);
        p.enabled = opt_bool(body, "enabled");
        p.ordered = opt_bool(body, "ordered");
        if (auto options = load(s.store(), id).options; webhooks::apply_options(body, options)) p.options = options;
        if (!p.name && !p.url && !p.secret && !p.events && !p.enabled && !p.ordered && !p.options)
            bad_request("No fields to update (name, url, secret, events, enabled)");  // the original's words
        auto w = s.store().update_webhook(id, p);
        if (p.enabled == true) s.wake_deliveries();  // its backlog is due again
        return Response::json(200, record(s.store(), w));
    });

    r.add("DELETE", "/api/webhooks/{id}", Access::Admin, [&s](Request& req) {
        s.store().delete_webhook(path_id(req, 0, "webhook"));
        return Response::json(200, json::object{{"message", "Webhook deleted successfully"}});
    });

    r.add("POST", "/api/webhooks/{id}/rotate-secret", Access::Admin, [&s](Request& req) {
        const auto id = path_id(req, 0, "webhook");
        auto body = parse_object(req);
        auto given = opt_secret(body);
        const std::string secret = given ? std::move(*given) : webhooks::generate_secret();
        const auto valid_for =
            opt_int(body, "previous_valid_for", 0, kMaxPreviousValidFor).value_or(kDefaultPreviousValidFor);
        auto rotated = record(s.store(), s.store().rotate_webhook_secret(id, secret, domain::now_ms() + valid_for * 1000));
        rotated.as_object()["secret"] = secret;  // shown this once
        return Response::json(200, std::move(rotated));
    });

    r.add("POST", "/api/webhooks/test/{id}", Access::Admin, [&s](Request& req) {
        const auto delivery_id = s.store().enqueue_test_delivery(path_id(req, 0, "webhook"));
        s.wake_deliveries();
        return Response::json(200, json::object{{"message", "Test webhook queued; its attempts appear in the logs"},
                                                {"delivery_id", delivery_id}});
    });

    r.add("POST", "/api/webhooks/{id}/recover", Access::Admin, [&s](Request& req) {
        const auto id = path_id(req, 0, "webhook");
        const auto since = domain::parse_iso(req_string(parse_object(req), "since"));
        if (!since) bad_request("since must be an ISO 8601 date-time");
        const int recovered = s.store().recover_failed_deliveries(id, *since);
        if (recovered > 0) s.wake_deliveries();
        return Response::json(202, json::object{{"message", "Failed deliveries queued again"}, {"recovered", recovered}});
    });

    r.add("GET", "/api/webhooks/{id}/logs", Access::Admin, [&s](Request& req) {
        const auto id = path_id(req, 0, "webhook");
        const auto limit = query_int(req, "limit", 1, kMaxLogLimit).value_or(kDefaultLogLimit);
        return Response::json(200, to_json_array(s.store().webhook_logs(id, static_cast<int>(limit))));
    });

    r.add("POST", "/api/webhooks/{id}/deliveries/{deliveryId}/redeliver", Access::Admin, [&s](Request& req) {
        const auto delivery_id =
            s.store().redeliver(path_id(req, 0, "webhook"), path_id(req, 1, "delivery"));
        s.wake_deliveries();
        return Response::json(202, json::object{{"message", "Delivery queued"}, {"delivery_id", delivery_id}});
    });
}

}  // namespace gp::http
