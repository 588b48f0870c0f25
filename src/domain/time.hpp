#pragma once
// Timestamps are kept as milliseconds since the Unix epoch (UTC) and emitted as
// ISO 8601 with milliseconds: 2026-03-15T20:30:00.000Z.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gp::domain {

using Millis = std::int64_t;

Millis now_ms();
std::string format_iso(Millis ms);
// Accepts YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM] (also a space instead of 'T').
std::optional<Millis> parse_iso(std::string_view text);

}  // namespace gp::domain
