#pragma once
// The catalogue CSV: what data/catalogue.csv holds, POST /api/games/import/csv
// reads and GET /api/games/export/csv writes. RFC 4180 quoting, header row:
// pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,game_type,secondary_type
#include <string>
#include <string_view>
#include <vector>

#include "domain/models.hpp"

namespace gp::domain {

extern const char* const kCatalogueCsvHeader;

// Throws Error(BadRequest) naming the line of the first bad row; returns nothing partial.
std::vector<GameFields> parse_catalogue_csv(std::string_view text);
std::string write_catalogue_csv(const std::vector<Game>& games);

}  // namespace gp::domain
