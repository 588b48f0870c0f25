#include "http/message.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "domain/text.hpp"

namespace gp::http {

std::optional<std::string> Request::query_param(std::string_view name) const {
    for (const auto& [k, v] : query)
        if (k == name) return v;
    return std::nullopt;
}

bool Request::from_loopback() const {
    std::string_view a = remote_address;
    if (a.starts_with("::ffff:")) a.remove_prefix(7);
    return a.starts_with("127.") || a == "::1";
}

Response Response::json(int status, const boost::json::value& v) {
    return Response{status, "application/json", boost::json::serialize(v), {}, {}, {}};
}

Response Response::error(int status, std::string_view message) { return error(status, message, {}); }

Response Response::error(int status, std::string_view message, const boost::json::object& extra) {
    boost::json::object body{{"error", message}};
    for (const auto& kv : extra) body[kv.key()] = kv.value();
    // The serializer copies string bytes as they are; JSON's own syntax is ASCII, so
    // repairing the text repairs only the strings in it.
    return Response{status, "application/json", domain::to_valid_utf8(boost::json::serialize(body)), {}, {}, {}};
}

Response Response::text(int status, std::string content_type, std::string body) {
    return Response{status, std::move(content_type), std::move(body), {}, {}, {}};
}

}  // namespace gp::http
