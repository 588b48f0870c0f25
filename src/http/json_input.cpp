#include "http/json_input.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>

#include "domain/error.hpp"

namespace gp::http {

namespace json = boost::json;
using domain::bad_request;

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

json::value parse_json(const Request& req) {
    if (is_blank(req.body)) return json::object{};
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec) bad_request("Invalid JSON body: " + ec.message());
    return v;
}

json::object parse_object(const Request& req) {
    json::value v = parse_json(req);
    if (!v.is_object()) bad_request("Request body must be a JSON object");
    return std::move(v.as_object());
}

std::optional<std::string> opt_string(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_string()) bad_request(std::string(key) + " must be a string");
    return std::string(it->value().as_string());
}

std::string req_string(const json::object& o, std::string_view key) {
    auto v = opt_string(o, key);
    if (!v || is_blank(*v))
        bad_request(std::string(key) + " is required");
    return *v;
}

std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key, std::int64_t min,
                                    std::int64_t max) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    const json::value& v = it->value();
    std::int64_t n;
    if (v.is_int64()) {
        n = v.as_int64();
    } else if (v.is_uint64()) {
        bad_request(std::string(key) + " is out of range");
    } else if (v.is_double() && std::isfinite(v.as_double()) && std::floor(v.as_double()) == v.as_double() &&
               std::fabs(v.as_double()) < 9e15) {
        n = static_cast<std::int64_t>(v.as_double());
    } else {
        bad_request(std::string(key) + " must be an integer");
    }
    if (n < min || n > max)
        bad_request(std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return n;
}

std::optional<bool> opt_bool(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_bool()) bad_request(std::string(key) + " must be a boolean");
    return it->value().as_bool();
}

std::optional<bool> opt_flag(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    const json::value& v = it->value();
    if (v.is_bool()) return v.as_bool();
    if (v.is_int64() && (v.as_int64() == 0 || v.as_int64() == 1)) return v.as_int64() == 1;
    bad_request(std::string(key) + " must be a boolean (or 0/1)");
}

namespace {
std::optional<std::int64_t> to_int(std::string_view s) {
    std::int64_t n;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return n;
}
}  // namespace

std::int64_t path_id(const Request& req, std::size_t i, std::string_view what) {
    auto n = i < req.params.size() ? to_int(req.params[i]) : std::nullopt;
    if (!n || *n <= 0) bad_request("Invalid " + std::string(what) + " id");
    return *n;
}

std::optional<std::int64_t> query_int(const Request& req, std::string_view name, std::int64_t min,
                                      std::int64_t max) {
    auto s = req.query_param(name);
    if (!s) return std::nullopt;
    auto n = to_int(*s);
    if (!n || *n < min || *n > max)
        bad_request(std::string(name) + " must be an integer between " + std::to_string(min) + " and " +
                    std::to_string(max));
    return n;
}

std::optional<bool> query_bool(const Request& req, std::string_view name) {
    auto s = req.query_param(name);
    if (!s) return std::nullopt;
    if (*s == "true" || *s == "1") return true;
    if (*s == "false" || *s == "0") return false;
    bad_request(std::string(name) + " must be true or false");
}

}  // namespace gp::http
