#pragma once
// Every event type a webhook can subscribe to, in events::kAllTypes order: what it means,
// its example `data` (built by the real payload functions, so it has the real shape), and
// its chat message (Discord and Slack formats). GET /api/webhooks/event-types and the
// template placeholders are derived from this one table.
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gp::webhooks {

struct ChatField {
    const char* name = nullptr;   // unset: no field
    const char* value = nullptr;  // a template
};

struct EventTypeInfo {
    const char* type;
    const char* description;
    const char* title;     // the chat message's heading
    const char* sentence;  // the chat message's default template (Discord markdown)
    std::array<ChatField, 3> fields;
    std::string (*example)();  // example `data`, serialised
};

std::span<const EventTypeInfo> event_catalog();
const EventTypeInfo* find_event_type(std::string_view type);  // nullptr if unknown

// The placeholders a template for `info` may use: the dotted paths of the scalar and
// array values in its example data ("game.title", "players").
std::vector<std::string> placeholders(const EventTypeInfo& info);

}  // namespace gp::webhooks
