#include "events/event.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace gp::events {

namespace {
std::string quoted(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }
}  // namespace

std::string Event::ws_envelope() const {
    std::string out;
    out.reserve(data.size() + type.size() + 80);
    out += R"({"type":)";
    out += quoted(type);
    out += R"(,"timestamp":")";
    out += domain::format_iso(timestamp);
    out += R"(","data":)";
    out += data;
    out += R"(,"id":)";
    out += std::to_string(id);
    out += '}';
    return out;
}

std::string Event::webhook_body() const {
    std::string out;
    out.reserve(data.size() + type.size() + 64);
    out += R"({"event":)";
    out += quoted(type);
    out += R"(,"timestamp":")";
    out += domain::format_iso(timestamp);
    out += R"(","data":)";
    out += data;
    out += '}';
    return out;
}

bool is_known_type(std::string_view type) {
    for (const char* t : kAllTypes)
        if (type == t) return true;
    return false;
}

}  // namespace gp::events
