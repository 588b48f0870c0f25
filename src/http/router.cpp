#include "http/router.hpp"

#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "domain/error.hpp"
#include "http/tokens.hpp"
#include "metrics/instruments.hpp"
#include "store/errors.hpp"

namespace gp::http {

namespace {

constexpr int kStorageRetryAfterSeconds = 30;

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

int status_of(domain::ErrorKind k) {
    switch (k) {
        case domain::ErrorKind::BadRequest: return 400;
        case domain::ErrorKind::NotFound: return 404;
        case domain::ErrorKind::Conflict: return 409;
    }
    return 500;
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, Access access, Handler handler, Database database) {
    insert(Route{std::move(method), std::string(pattern), {}, 0, access, std::move(handler), database, {}});
}

void Router::add(std::string method, std::string_view pattern, Access access, Handler handler,
                 MemoryAnswer from_memory) {
    insert(Route{std::move(method), std::string(pattern), {}, 0, access, std::move(handler), Database::Used,
                 std::move(from_memory)});
}

void Router::insert(Route r) {
    registered_.push_back({r.method, r.pattern, r.access});
    for (auto seg : split_path(r.pattern)) {
        bool param = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
        r.segments.emplace_back(param ? "{}" : std::string(seg));
        r.literal_count += param ? 0 : 1;
    }
    routes_.push_back(std::move(r));
    // Most specific first, so "/api/games/packs" is tried before "/api/games/{id}".
    std::stable_sort(routes_.begin(), routes_.end(),
                     [](const Route& a, const Route& b) { return a.literal_count > b.literal_count; });
}

Response Router::dispatch(Request& req) const {
    const auto started = std::chrono::steady_clock::now();
    const Route* matched = nullptr;
    Response res = route_request(req, matched);
    count(req, matched, res.status, started);
    return res;
}

std::optional<Response> Router::answer_from_memory(Request& req) const {
    const auto started = std::chrono::steady_clock::now();
    const Route* route = find(req);
    if (!route || !route->from_memory) return std::nullopt;
    bind_params(*route, split_path(req.path), req);
    std::optional<Response> res = refusal(*route, req);
    if (!res) {
        try {
            res = route->from_memory(req);
        } catch (const std::exception&) {
            return std::nullopt;  // e.g. a bad query: the handler answers it as usual
        }
    }
    if (res) count(req, route, res->status, started);
    return res;
}

void Router::count(const Request& req, const Route* matched, int status,
                   std::chrono::steady_clock::time_point started) const {
    metrics::instruments().http_request(req.method, matched ? std::string_view(matched->pattern) : "unmatched", status,
                                        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

std::vector<RouteInfo> Router::routes() const { return registered_; }

bool Router::Route::matches(const std::vector<std::string_view>& path_segments) const {
    if (segments.size() != path_segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i)
        if (segments[i] != "{}" && segments[i] != path_segments[i]) return false;
    return true;
}

const Router::Route* Router::find(const Request& req) const {
    const auto segs = split_path(req.path);
    for (const auto& route : routes_)
        if (route.method == req.method && route.matches(segs)) return &route;
    return nullptr;
}

void Router::bind_params(const Route& route, const std::vector<std::string_view>& segs, Request& req) {
    req.params.clear();
    for (std::size_t i = 0; i < segs.size(); ++i)
        if (route.segments[i] == "{}") req.params.emplace_back(segs[i]);
}

bool Router::uses_database(const Request& req) const {
    const Route* route = find(req);
    return route && route->database == Database::Used;
}

Response Router::route_request(Request& req, const Route*& matched) const {
    const auto segs = split_path(req.path);
    bool path_known = false;
    std::string allowed;
    for (const auto& route : routes_) {
        if (!route.matches(segs)) continue;
        matched = &route;
        if (route.method != req.method) {
            path_known = true;
            if (allowed.find(route.method) == std::string::npos)
                allowed += (allowed.empty() ? "" : ", ") + route.method;
            continue;
        }
        bind_params(route, segs, req);
        return run(route, req);
    }
    if (path_known) {
        auto res = Response::error(405, "Method " + req.method + " not allowed on " + req.path);
        res.headers.emplace_back("Allow", allowed);
        return res;
    }
    if (fallback_) return fallback_(req);
    return Response::error(404, "Not found: " + req.method + " " + req.path);
}

std::optional<Response> Router::refusal(const Route& route, Request& req) const {
    if (route.access == Access::Public || (route.access == Access::LoopbackOrAdmin && req.from_loopback()))
        return std::nullopt;
    // As the original: the token is the word after the scheme, whatever the scheme;
    // none at all is 401, one that does not verify is 403.
    std::string_view auth = req.authorization;
    const auto space = auth.find(' ');
    std::string_view token = space == std::string_view::npos ? std::string_view() : auth.substr(space + 1);
    token = token.substr(0, token.find(' '));
    if (token.empty()) return Response::error(401, "Access token required");
    req.user = tokens_.verify(token);
    if (!req.user) return Response::error(403, "Invalid or expired token");
    if (req.user->role != kRoleAdmin) return Response::error(403, "This token only opens the live feed");
    return std::nullopt;
}

Response Router::run(const Route& route, Request& req) const {
    if (auto refused = refusal(route, req)) return std::move(*refused);
    try {
        return route.handler(req);
    } catch (const domain::Error& e) {
        return Response::error(status_of(e.kind()), e.what(), e.extra());
    } catch (const store::StorageUnavailable& e) {
        // Disk full, read-only or failing: this write may work later; reads still do.
        spdlog::error("msg=\"storage unavailable\" method={} path={} error=\"{}\"", req.method, req.path, e.what());
        auto res = Response::error(503, "Storage unavailable",
                                   {{"message", "The database cannot be written right now; try again later"}});
        res.headers.emplace_back("Retry-After", std::to_string(kStorageRetryAfterSeconds));
        return res;
    } catch (const std::exception& e) {
        // The details (SQL, file names) go to the log, not to the client.
        spdlog::error("msg=\"request failed\" method={} path={} error=\"{}\"", req.method, req.path, e.what());
        return Response::error(500, "Something went wrong!", {{"message", "Internal server error"}});
    }
}

}  // namespace gp::http
