#include <boost/json/object.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
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

namespace {

// The picker's immutable view of the catalogue, read from the store again only when
// its catalogue version moves (the version that also drops cached GET /api/games
// bodies), so a pick reads nothing but the session's recent games from the store.
class CatalogueSnapshot {
public:
    explicit CatalogueSnapshot(store::Store& store) : store_(store) {}

    std::shared_ptr<const domain::PickCatalogue> current() {
        // The version is read first: a change landing during the reload moves it
        // again, and the next pick reloads.
        const std::uint64_t version = store_.catalogue_version();
        if (!catalogue_ || version != version_) {
            domain::GameFilter enabled;
            enabled.enabled = true;
            catalogue_ = std::make_shared<const domain::PickCatalogue>(store_.list_games(enabled), store_.list_packs());
            version_ = version;
        }
        return catalogue_;
    }

private:
    store::Store& store_;
    std::shared_ptr<const domain::PickCatalogue> catalogue_;
    std::uint64_t version_ = 0;
};

}  // namespace

void add_picker_routes(Router& r, Services& s) {
    r.add("POST", "/api/pick", Access::Public,
          [&store = s.store, snapshot = std::make_shared<CatalogueSnapshot>(s.store),
           rng = std::mt19937_64{std::random_device{}()}](Request& req) mutable {
              const auto body = parse_object(req);
              const auto filter = game_filter_from_body(body);
              const auto session_id = opt_int(body, "sessionId", 1, std::numeric_limits<std::int64_t>::max());
              const bool exclude_played = opt_flag(body, "excludePlayed").value_or(false);

              const auto catalogue = snapshot->current();
              std::vector<domain::Id> played;
              if (session_id) {
                  const std::optional<std::int64_t> last =
                      exclude_played ? std::nullopt : std::optional<std::int64_t>(domain::kRecentGamesExcluded);
                  played = store.recent_game_ids(*session_id, last);  // NotFound "Session not found"
              }
              const auto pick = domain::pick_game(*catalogue, {filter, played, exclude_played}, rng);
              if (pick.matched == 0) domain::not_found("No games match the current filters");
              if (!pick.game)
                  domain::not_found(exclude_played
                                        ? "Every game matching the current filters was already played in this session"
                                        : "Every game matching the current filters was played recently in this session");
              return Response::json(200, json::object{{"game", to_json(*pick.game)},
                                                      {"poolSize", pick.pool_size}});
          });
}

}  // namespace gp::http
