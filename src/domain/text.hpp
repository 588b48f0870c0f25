#pragma once
// Text from clients: UTF-8 checks and the length cap of every text field the API
// accepts (listed in the README, "Input limits"). Caps count characters (code
// points), not bytes.
#include <cstddef>
#include <string>
#include <string_view>

namespace gp::domain {

inline constexpr std::size_t kMaxGameTitleLength = 200;
inline constexpr std::size_t kMaxPackNameLength = 100;
inline constexpr std::size_t kMaxGameTypeLength = 100;  // game_type and secondary_type
inline constexpr std::size_t kMaxNotesLength = 10000;  // session notes
inline constexpr std::size_t kMaxUsernameLength = 100;  // live votes and chat messages
inline constexpr std::size_t kMaxChatMessageLength = 4000;
inline constexpr std::size_t kMaxWebhookNameLength = 100;
inline constexpr std::size_t kMaxWebhookUrlLength = 2048;
inline constexpr std::size_t kMaxWebhookSecretLength = 1024;

// Characters of valid UTF-8 (each byte that does not continue a sequence counts once).
std::size_t utf8_length(std::string_view s);
// Throws BadRequest "<field> must be at most <max> characters".
void check_length(std::string_view field, std::string_view value, std::size_t max);

// The offset of the first byte that is not part of a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points past U+10FFFF included), or npos.
std::size_t invalid_utf8_at(std::string_view s);
// s with every ill-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

}  // namespace gp::domain
