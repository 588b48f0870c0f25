#include "domain/models.hpp"

namespace gp::domain {

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
