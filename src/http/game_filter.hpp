#pragma once
// The catalogue filters shared by GET /api/games (query string) and POST /api/pick
// (JSON body): the same names and values, read from either place.
#include <boost/json/object.hpp>

#include "domain/models.hpp"
#include "http/message.hpp"

namespace gp::http {

// enabled, playerCount, drawing, length, familyFriendly, pack.
domain::GameFilter game_filter_from_query(const Request& req);
// playerCount, drawing, length, familyFriendly (the picker always means enabled games).
domain::GameFilter game_filter_from_body(const boost::json::object& body);

}  // namespace gp::http
