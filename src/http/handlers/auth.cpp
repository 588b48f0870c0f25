#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <memory>

#include "domain/time.hpp"
#include "http/json_input.hpp"
#include "http/login_throttle.hpp"
#include "http/routes.hpp"
#include "http/tokens.hpp"

namespace gp::http {

namespace json = boost::json;

void add_auth_routes(Router& r, Services& s) {
    r.add("GET", "/health", Access::Public, [](Request&) {
        return Response::json(200, json::object{{"status", "ok"}, {"message", "Jackbox Game Picker API is running"}});
    }, Database::NotUsed);

    // Guessing the admin key: 10 wrong keys a minute per client address, then 429.
    auto throttle = std::make_shared<LoginThrottle>();
    r.add("POST", "/api/auth/login", Access::Public, [&s, throttle](Request& req) {
        const auto now = LoginThrottle::Clock::now();
        if (const long long wait = throttle->retry_after(req.remote_address, now); wait > 0) {
            auto res = Response::error(429, "Too many failed login attempts; try again later", {{"retryAfter", wait}});
            res.headers.emplace_back("Retry-After", std::to_string(wait));
            return res;
        }
        auto body = parse_object(req);
        auto key = opt_string(body, "key");
        if (!key || key->empty()) return Response::error(400, "Admin key is required");
        if (!s.tokens.admin_key_matches(*key)) {
            if (throttle->record_failure(req.remote_address, now))
                spdlog::warn("msg=\"login throttled\" address={}", req.remote_address);
            return Response::error(401, "Invalid admin key");
        }
        throttle->record_success(req.remote_address);
        return Response::json(200, json::object{{"token", s.tokens.issue()},
                                                {"message", "Authentication successful"},
                                                {"expiresIn", "24h"}});
    }, Database::NotUsed);

    // A long-lived token for the live feed only (a stream overlay's URL): the WebSocket
    // accepts it, every admin route answers 403.
    r.add("POST", "/api/auth/feed-token", Access::Admin, [&s](Request& req) {
        constexpr long long kDefaultTtl = 30LL * 24 * 3600, kMaxTtl = 366LL * 24 * 3600;
        const auto ttl = opt_int(parse_object(req), "ttl_seconds", 1, kMaxTtl).value_or(kDefaultTtl);
        std::string token = s.tokens.issue_feed(ttl);
        const long long exp = s.tokens.verify(token)->exp;
        return Response::json(200, json::object{{"token", std::move(token)},
                                                {"expires_at", domain::format_iso(exp * 1000)}});
    }, Database::NotUsed);

    r.add("POST", "/api/auth/verify", Access::Admin, [](Request& req) {
        const Claims& c = *req.user;
        return Response::json(200, json::object{{"valid", true},
                                                {"user", json::object{{"role", c.role},
                                                                      {"timestamp", c.timestamp},
                                                                      {"iat", c.iat},
                                                                      {"exp", c.exp}}}});
    }, Database::NotUsed);
}

}  // namespace gp::http
