#include <boost/json/object.hpp>

#include <cstdint>
#include <limits>
#include <random>

#include "domain/error.hpp"
#include "domain/picker.hpp"
#include "http/game_filter.hpp"
#include "http/json_input.hpp"
#include "http/routes.hpp"
#include "http/serialize.hpp"
#include "store/store.hpp"

namespace gp::http {

namespace json = boost::json;

void add_picker_routes(Router& r, Services& s) {
    r.add("POST", "/api/pick", Access::Public,
          [&store = s.store, rng = std::mt19937_64{std::random_device{}()}](Request& req) mutable {
              const auto body = parse_object(req);
              const auto filter = game_filter_from_body(body);
              const auto session_id = opt_int(body, "sessionId", 1, std::numeric_limits<std::int64_t>::max());
              const bool exclude_played = opt_flag(body, "excludePlayed").value_or(false);

              const auto candidates = store.pick_candidates(filter, session_id);
              if (candidates.games.empty()) domain::not_found("No games match the current filters");
              const auto pick = domain::pick_game(
                  {candidates.games, candidates.packs, candidates.session_game_ids, exclude_played}, rng);
              if (!pick.game)
                  domain::not_found(exclude_played
                                        ? "Every game matching the current filters was already played in this session"
                                        : "Every game matching the current filters was played recently in this session");
              return Response::json(200, json::object{{"game", to_json(*pick.game)},
                                                      {"poolSize", pick.pool_size}});
          });
}

}  // namespace gp::http
