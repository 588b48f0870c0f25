#include "webhooks/chat_format.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "domain/error.hpp"
#include "webhooks/event_catalog.hpp"

namespace gp::webhooks {

namespace json = boost::json;
using domain::bad_request;

namespace {

constexpr std::size_t kMaxSentenceBytes = 4000;  // Discord's embed description holds 4096 characters
constexpr std::size_t kMaxFieldBytes = 1000;     // a field value 1024
constexpr int kDiscordColour = 0x5865F2;

// Calls on_text for literal text and on_placeholder for each trimmed {{path}}; false if a {{ is not closed.
template <typename Text, typename Placeholder>
bool scan(std::string_view t, Text on_text, Placeholder on_placeholder) {
    while (!t.empty()) {
        const auto open = t.find("{{");
        if (open == std::string_view::npos) break;
        on_text(t.substr(0, open));
        const auto close = t.find("}}", open + 2);
        if (close == std::string_view::npos) return false;
        std::string_view path = t.substr(open + 2, close - open - 2);
        while (!path.empty() && path.front() == ' ') path.remove_prefix(1);
        while (!path.empty() && path.back() == ' ') path.remove_suffix(1);
        on_placeholder(path);
        t = t.substr(close + 2);
    }
    on_text(t);
    return true;
}

const json::value* lookup(const json::value& data, std::string_view path) {
    const json::value* v = &data;
    while (v) {
        const auto dot = path.find('.');
        const auto* o = v->if_object();
        v = o ? o->if_contains(path.substr(0, dot)) : nullptr;
        if (dot == std::string_view::npos) break;
        path.remove_prefix(dot + 1);
    }
    return v;
}

// Slack's mrkdwn needs &, < and > escaped in text that is not markup.
std::string escaped(std::string_view s, bool slack) {
    if (!slack) return std::string(s);
    std::string out;
    for (char c : s) out += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : std::string(1, c);
    return out;
}

std::string text_of(const json::value* v, bool slack) {
    if (!v || v->is_null()) return "–";
    if (v->is_string()) return escaped(v->as_string(), slack);
    if (v->is_bool()) return v->as_bool() ? "yes" : "no";
    if (v->is_array()) {
        std::string out;
        for (const auto& item : v->as_array()) out += (out.empty() ? "" : ", ") + text_of(&item, slack);
        return out.empty() ? "–" : out;
    }
    return json::serialize(*v);
}

// Cut at `max` bytes, not inside a UTF-8 sequence.
std::string capped(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    s.resize(end);
    return s + "…";
}

std::string render(std::string_view text, const json::value& data, bool slack) {
    std::string out;
    scan(
        text,
        [&](std::string_view literal) {
            // Discord's **bold** is Slack's *bold*.
            for (std::size_t i = 0; i < literal.size(); ++i) {
                out += literal[i];
                if (slack && literal.compare(i, 2, "**") == 0) ++i;
            }
        },
        [&](std::string_view path) { out += text_of(lookup(data, path), slack); });
    return out;
}

std::string_view sentence_template(const EventTypeInfo& info, const NamedTexts& templates) {
    for (const auto& [type, text] : templates)
        if (type == info.type) return text;
    return info.sentence;
}

json::object discord(const EventTypeInfo& info, std::string_view sentence, const json::value& data,
                     std::string_view timestamp) {
    json::array fields;
    for (const auto& f : info.fields)
        if (f.name) fields.push_back(json::object{{"name", f.name}, {"value", capped(render(f.value, data, false), kMaxFieldBytes)}, {"inline", true}});
    json::object embed{{"title", info.title},
                       {"description", sentence},
                       {"color", kDiscordColour},
                       {"fields", std::move(fields)},
                       {"footer", json::object{{"text", info.type}}}};
    if (!timestamp.empty()) embed["timestamp"] = timestamp;
    return json::object{{"username", kChatUsername},
                        {"embeds", json::array{std::move(embed)}},
                        {"allowed_mentions", json::object{{"parse", json::array{}}}}};
}

json::object slack(const EventTypeInfo& info, std::string_view sentence, const json::value& data,
                   std::string_view timestamp) {
    json::object section{{"type", "section"}, {"text", json::object{{"type", "mrkdwn"}, {"text", sentence}}}};
    json::array fields;
    for (const auto& f : info.fields)
        if (f.name) {
            std::string text = "*";
            text.append(f.name).append("*\n").append(capped(render(f.value, data, true), kMaxFieldBytes));
            fields.push_back(json::object{{"type", "mrkdwn"}, {"text", std::move(text)}});
        }
    if (!fields.empty()) section["fields"] = std::move(fields);
    json::array blocks{json::object{{"type", "header"},
                                    {"text", json::object{{"type", "plain_text"}, {"text", info.title}, {"emoji", true}}}},
                       std::move(section),
                       json::object{{"type", "context"},
                                    {"elements", json::array{json::object{
                                                     {"type", "mrkdwn"},
                                                     {"text", std::string(info.type) + " · " + std::string(timestamp)}}}}}};
    return json::object{{"text", sentence}, {"blocks", std::move(blocks)}};
}

}  // namespace

void check_template(std::string_view event_type, std::string_view text) {
    const EventTypeInfo* info = find_event_type(event_type);
    if (!info) bad_request("templates: unknown event type: " + std::string(event_type));
    const std::string where = "templates: " + std::string(event_type) + ": ";
    if (text.empty() || text.size() > kMaxTemplateLength)
        bad_request(where + "must be 1 to " + std::to_string(kMaxTemplateLength) + " bytes");
    const auto known = placeholders(*info);
    std::string unknown;
    const bool closed = scan(text, [](std::string_view) {}, [&](std::string_view path) {
        if (unknown.empty() && std::find(known.begin(), known.end(), path) == known.end()) unknown = path;
    });
    if (!closed) bad_request(where + "a {{ is not closed");
    if (!unknown.empty()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        bad_request(where + "unknown placeholder {{" + unknown + "}} (known: " + list + ")");
    }
}

std::string chat_body(Format format, const NamedTexts& templates, std::string_view event_body) {
    const json::value body = json::parse(event_body);
    const json::object& o = body.as_object();
    const EventTypeInfo* info = find_event_type(o.at("event").as_string());
    if (!info) return std::string(event_body);  // every stored type is in the catalogue
    const json::value& data = o.at("data");
    const std::string_view timestamp = o.at("timestamp").as_string();
    const bool is_slack = format == Format::Slack;
    const std::string sentence = capped(render(sentence_template(*info, templates), data, is_slack), kMaxSentenceBytes);
    return json::serialize(is_slack ? slack(*info, sentence, data, timestamp)
                                    : discord(*info, sentence, data, timestamp));
}

}  // namespace gp::webhooks
