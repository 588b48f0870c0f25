#include "events/event.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace gp::events {

namespace {

// {"<type_key>":"<type>","timestamp":"<ISO>","data":<data>[,"id":<id>]}, built by
// hand so `data` goes out byte for byte as stored.
std::string envelope(const Event& e, std::string_view type_key, bool with_id) {
    std::string out;
    out.reserve(e.data.size() + e.type.size() + 80);
    out += "{\"";
    out += type_key;
    out += "\":";
    out += boost::json::serialize(boost::json::string(e.type));
    out += R"(,"timestamp":")";
    out += domain::format_iso(e.timestamp);
    out += R"(","data":)";
    out += e.data;
    if (with_id) {
        out += R"(,"id":)";
        out += std::to_string(e.id);
    }
    out += '}';
    return out;
}

}  // namespace

std::string Event::ws_envelope() const { return envelope(*this, "type", true); }

std::string Event::webhook_body() const { return envelope(*this, "event", false); }

bool is_known_type(std::string_view type) {
    for (const char* t : kAllTypes)
        if (type == t) return true;
    return false;
}

}  // namespace gp::events
