#include <boost/json/serialize.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

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
// Each game's JSON is serialised once per version, not per pick.
struct PickSnapshot {
    PickSnapshot(std::vector<domain::Game> games, std::span<const domain::Pack> packs)
        : catalogue(std::move(games), packs) {
        for (const domain::Game& g : catalogue.games()) game_json.push_back(json::serialize(to_json(g)));
    }
    const std::string& json_of(const domain::Game& g) const {
        return game_json[static_cast<std::size_t>(&g - catalogue.games().data())];
    }

    domain::PickCatalogue catalogue;
    std::vector<std::string> game_json;  // per game of the catalogue
};

// Shared by the threads that run handlers (request workers): the snapshot is swapped
// under a lock, and each pick keeps the one it started with.
class CatalogueSnapshot {
public:
    // The snapshot when it is of the store's current catalogue version, else null (no reload).
    std::shared_ptr<const PickSnapshot> if_current(store::Store& store) {
        const std::uint64_t version = store.catalogue_version();
        std::lock_guard lock(mutex_);
        return snapshot_ && version <= version_ ? snapshot_ : nullptr;
    }

    std::shared_ptr<const PickSnapshot> current(store::Store& store) {
        // The version is read first: a change landing during the reload moves it
        // again, and the next pick reloads.
        const std::uint64_t version = store.catalogue_version();
        std::lock_guard lock(mutex_);
        if (!snapshot_ || version > version_) {
            domain::GameFilter enabled;
            enabled.enabled = true;
            snapshot_ = std::make_shared<const PickSnapshot>(store.list_games(enabled), store.list_packs());
            version_ = version;
        }
        return snapshot_;
    }

private:
    std::mutex mutex_;
    std::shared_ptr<const PickSnapshot> snapshot_;
    std::uint64_t version_ = 0;
};

// One pick from the snapshot, `played` excluded (a session's recent or played games).
Response pick(const PickSnapshot& current, const domain::GameFilter& filter, const std::vector<domain::Id>& played,
              bool exclude_played) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const auto pick = domain::pick_game(current.catalogue, {filter, played, exclude_played}, rng);
    if (pick.matched == 0) domain::not_found("No games match the current filters");
    if (!pick.game)
        domain::not_found(exclude_played ? "Every game matching the current filters was already played in this session"
                                         : "Every game matching the current filters was played recently in this session");
    return Response::text(200, "application/json",
                          "{\"game\":" + current.json_of(*pick.game) + ",\"poolSize\":" + std::to_string(pick.pool_size) +
                              "}");
}

std::optional<std::int64_t> session_of(const boost::json::object& body) {
    return opt_int(body, "sessionId", 1, std::numeric_limits<std::int64_t>::max());
}

}  // namespace

void add_picker_routes(Router& r, Services& s) {
    auto snapshot = std::make_shared<CatalogueSnapshot>();
    r.add("POST", "/api/pick", Access::Public, [&s, snapshot](Request& req) {
        store::Store& store = s.store();
        const auto body = parse_object(req);
        const auto filter = game_filter_from_body(body);
        const auto session_id = session_of(body);
        const bool exclude_played = opt_flag(body, "excludePlayed").value_or(false);
        const auto current = snapshot->current(store);
        std::vector<domain::Id> played;
        if (session_id) {
            const std::optional<std::int64_t> last =
                exclude_played ? std::nullopt : std::optional<std::int64_t>(domain::kRecentGamesExcluded);
            played = store.recent_game_ids(*session_id, last);  // NotFound "Session not found"
        }
        return pick(*current, filter, played, exclude_played);
    }, [&s, snapshot](Request& req) -> std::optional<Response> {
        // Without a session a pick needs only the catalogue, when the snapshot is current.
        const auto body = parse_object(req);
        const auto current = snapshot->if_current(s.store());
        if (session_of(body) || !current) return std::nullopt;
        return pick(*current, game_filter_from_body(body), {}, opt_flag(body, "excludePlayed").value_or(false));
    });
}

}  // namespace gp::http
