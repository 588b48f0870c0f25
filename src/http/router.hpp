#pragma once
// Method + path-pattern routing with {param} segments, the Bearer middleware,
// and the single place where exceptions become JSON errors.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace gp::http {

class TokenService;

// LoopbackOrAdmin: public to clients on the loopback interface, Admin to others.
enum class Access { Public, Admin, LoopbackOrAdmin };

struct RouteInfo {
    std::string method;
    std::string pattern;  // as registered, e.g. "/api/sessions/{id}/games"
    Access access = Access::Public;
};

class Router {
public:
    using Handler = std::function<Response(Request&)>;

    explicit Router(const TokenService& tokens) : tokens_(tokens) {}

    // Patterns like "/api/sessions/{id}/games"; literal segments win over {params}.
    void add(std::string method, std::string_view pattern, Access access, Handler handler);
    // Answers requests for paths no route matches (the web app); without one they get 404.
    void set_fallback(Handler handler) { fallback_ = std::move(handler); }
    // Never throws: unknown path 404 (or the fallback), known path with another method 405,
    // domain errors their status, an unwritable database 503, anything else 500. Counted
    // and timed in the metrics by route pattern.
    Response dispatch(Request& req) const;
    // Every registered route, in registration order.
    std::vector<RouteInfo> routes() const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;  // "{}" marks a parameter
        int literal_count = 0;
        Access access = Access::Public;
        Handler handler;
    };
    // `matched` is the route of the request's path (if any), for the metrics.
    Response route_request(Request& req, const Route*& matched) const;
    Response run(const Route& route, Request& req) const;

    const TokenService& tokens_;
    std::vector<Route> routes_;  // most specific first
    std::vector<RouteInfo> registered_;
    Handler fallback_;
};

}  // namespace gp::http
