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

enum class Access { Public, Admin };

class Router {
public:
    using Handler = std::function<Response(Request&)>;

    explicit Router(const TokenService& tokens) : tokens_(tokens) {}

    // Patterns like "/api/sessions/{id}/games"; literal segments win over {params}.
    void add(std::string method, std::string_view pattern, Access access, Handler handler);
    // Answers requests for paths no route matches (the web app); without one they get 404.
    void set_fallback(Handler handler) { fallback_ = std::move(handler); }
    // Never throws: unknown path 404 (or the fallback), known path with another method 405,
    // domain errors their status, an unwritable database 503, anything else 500.
    Response dispatch(Request& req) const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;  // "{}" marks a parameter
        int literal_count = 0;
        Access access = Access::Public;
        Handler handler;
    };
    Response run(const Route& route, Request& req) const;

    const TokenService& tokens_;
    std::vector<Route> routes_;
    Handler fallback_;
};

}  // namespace gp::http
