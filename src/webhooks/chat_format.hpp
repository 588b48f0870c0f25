#pragma once
// The Discord and Slack formats: an event as a chat message that a channel's incoming webhook
// posts as is (no bot). The sentence comes from the event's template (the catalogue's, or the
// webhook's override) with {{path}} placeholders filled from the event's data.
#include <string>
#include <string_view>

#include "webhooks/options.hpp"

namespace gp::webhooks {

inline constexpr std::size_t kMaxTemplateLength = 1000;
inline constexpr std::string_view kChatUsername = "Game Picker";

// Throws domain::Error(BadRequest) ("templates: ...") for an unknown event type, a
// placeholder the type's data does not have, an unclosed {{, or a template too long.
void check_template(std::string_view event_type, std::string_view text);

// The body for a Discord execute-webhook (embeds with title, description, fields, timestamp;
// username; no mentions) or a Slack incoming webhook (text and blocks), made of a stored
// webhook body {"event","timestamp","data"}. `format` is Discord or Slack.
std::string chat_body(Format format, const NamedTexts& templates, std::string_view event_body);

}  // namespace gp::webhooks
