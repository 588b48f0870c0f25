#include "domain/models.hpp"

#include "domain/text.hpp"

namespace gp::domain {

void check_text_lengths(const GameFields& f) {
    check_length("pack_name", f.pack_name, kMaxPackNameLength);
    check_length("title", f.title, kMaxGameTitleLength);
    check_length("game_type", f.game_type.value_or(""), kMaxGameTypeLength);
    check_length("secondary_type", f.secondary_type.value_or(""), kMaxGameTypeLength);
}

const char* to_string(PlayStatus s) {
    switch (s) {
        case PlayStatus::Playing: return "playing";
        case PlayStatus::Played: return "played";
        case PlayStatus::Skipped: return "skipped";
    }
    return "played";
}

std::optional<PlayStatus> parse_play_status(std::string_view s) {
    if (s == "playing") return PlayStatus::Playing;
    if (s == "played") return PlayStatus::Played;
    if (s == "skipped") return PlayStatus::Skipped;
    return std::nullopt;
}

}  // namespace gp::domain
