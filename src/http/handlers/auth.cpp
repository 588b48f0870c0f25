#include <boost/json/object.hpp>

#include "http/json_input.hpp"
#include "http/routes.hpp"
#include "http/tokens.hpp"

namespace gp::http {

namespace json = boost::json;

void add_auth_routes(Router& r, Services& s) {
    r.add("GET", "/health", Access::Public, [](Request&) {
        return Response::json(200, json::object{{"status", "ok"}, {"message", "Jackbox Game Picker API is running"}});
    });

    r.add("POST", "/api/auth/login", Access::Public, [&s](Request& req) {
        auto body = parse_object(req);
        auto key = opt_string(body, "key");
        if (!key || key->empty()) return Response::error(400, "Admin key is required");
        if (!s.tokens.admin_key_matches(*key)) return Response::error(401, "Invalid admin key");
        return Response::json(200, json::object{{"token", s.tokens.issue()},
                                                {"message", "Authentication successful"},
                                                {"expiresIn", "24h"}});
    });

    r.add("POST", "/api/auth/verify", Access::Admin, [](Request& req) {
        const Claims& c = *req.user;
        return Response::json(200, json::object{{"valid", true},
                                                {"user", json::object{{"role", c.role},
                                                                      {"timestamp", c.timestamp},
                                                                      {"iat", c.iat},
                                                                      {"exp", c.exp}}}});
    });
}

}  // namespace gp::http
