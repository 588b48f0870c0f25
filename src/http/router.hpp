#pragma once
// Method + path-pattern routing with {param} segments, the Bearer middleware,
// and the single place where exceptions become JSON errors.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace gp::http {

class TokenService;

// LoopbackOrAdmin: public to clients on the loopback interface, Admin to others.
enum class Access { Public, Admin, LoopbackOrAdmin };

// Whether a route's handler uses the database. With request workers (PostgreSQL) the ones
// that do run there; the others (health, login, the API description, the web app) are
// answered on the event loop, also while every worker waits for the database.
enum class Database { Used, NotUsed };

struct RouteInfo {
    std::string method;
    std::string pattern;  // as registered, e.g. "/api/sessions/{id}/games"
    Access access = Access::Public;
};

class Router {
public:
    using Handler = std::function<Response(Request&)>;
    // A route's answer from memory (a cached body), or nullopt when it needs the database.
    using MemoryAnswer = std::function<std::optional<Response>(Request&)>;

    explicit Router(const TokenService& tokens) : tokens_(tokens) {}

    // Patterns like "/api/sessions/{id}/games"; literal segments win over {params}.
    void add(std::string method, std::string_view pattern, Access access, Handler handler,
             Database database = Database::Used);
    // A route that uses the database but can often answer from memory: with request workers
    // the event loop tries `from_memory` first, so a cache hit waits neither for a worker nor
    // for two thread hops. `from_memory` must not touch the database.
    void add(std::string method, std::string_view pattern, Access access, Handler handler, MemoryAnswer from_memory);
    // Answers requests for paths no route matches (the web app); without one they get 404.
    void set_fallback(Handler handler) { fallback_ = std::move(handler); }
    // Never throws: unknown path 404 (or the fallback), known path with another method 405,
    // domain errors their status, an unwritable database 503, anything else 500. Counted
    // and timed in the metrics by route pattern.
    Response dispatch(Request& req) const;
    // Whether dispatching this request runs a handler that uses the database (the fallback,
    // 404 and 405 do not).
    bool uses_database(const Request& req) const;
    // The route's answer from memory, checked and counted as dispatch() does; nullopt when the
    // route has none or it needs the database, and the request goes to dispatch() after all.
    std::optional<Response> answer_from_memory(Request& req) const;
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
        Database database = Database::Used;
        MemoryAnswer from_memory;

        bool matches(const std::vector<std::string_view>& path_segments) const;
    };
    // `matched` is the route of the request's path (if any), for the metrics.
    Response route_request(Request& req, const Route*& matched) const;
    void insert(Route route);
    // The route of the request's method and path.
    const Route* find(const Request& req) const;
    // req.params: the path's segments at the route's {params}.
    static void bind_params(const Route& route, const std::vector<std::string_view>& segs, Request& req);
    // 401/403 when the route needs a token the request lacks.
    std::optional<Response> refusal(const Route& route, Request& req) const;
    Response run(const Route& route, Request& req) const;
    void count(const Request& req, const Route* matched, int status, std::chrono::steady_clock::time_point started) const;

    const TokenService& tokens_;
    std::vector<Route> routes_;  // most specific first
    std::vector<RouteInfo> registered_;
    Handler fallback_;
};

}  // namespace gp::http
