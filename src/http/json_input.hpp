#pragma once
// Reading client input: the JSON body and typed fields, path ids and query values.
// Every failure throws domain::Error(BadRequest) with a message naming the field.
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace gp::http {

// The body as a JSON object; an empty body is {}. Malformed JSON or another
// top-level type is a 400 that says what was wrong.
boost::json::object parse_object(const Request& req);

// Empty or only spaces, tabs and line breaks.
bool is_blank(std::string_view s);
// The body as any JSON value (for bodies that may be an array); empty is {}.
boost::json::value parse_json(const Request& req);

std::optional<std::string> opt_string(const boost::json::object& o, std::string_view key);
std::string req_string(const boost::json::object& o, std::string_view key);  // non-empty after trim
// Integers only (a JSON number with a fractional part or outside [min, max] is refused).
std::optional<std::int64_t> opt_int(const boost::json::object& o, std::string_view key,
                                    std::int64_t min = INT32_MIN, std::int64_t max = INT32_MAX);
std::optional<bool> opt_bool(const boost::json::object& o, std::string_view key);
// A JSON boolean or the integers 0/1: the API shows catalogue flags as 0/1, and
// clients send back what they read.
std::optional<bool> opt_flag(const boost::json::object& o, std::string_view key);

// Path parameter i as a positive id; anything else is 400 "Invalid <what> id".
std::int64_t path_id(const Request& req, std::size_t i, std::string_view what);
// Query value as an integer / boolean ("true"/"false"), 400 on anything else.
std::optional<std::int64_t> query_int(const Request& req, std::string_view name, std::int64_t min,
                                      std::int64_t max);
std::optional<bool> query_bool(const Request& req, std::string_view name);

}  // namespace gp::http
