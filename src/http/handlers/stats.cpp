#include <boost/json/object.hpp>

#include "http/routes.hpp"
#include "http/serialize.hpp"
#include "store/store.hpp"

namespace gp::http {

namespace json = boost::json;

void add_stats_routes(Router& r, Services& s) {
    r.add("GET", "/api/stats", Access::Public, [&s](Request&) {
        const auto st = s.store().stats();
        return Response::json(200, json::object{{"totalGames", st.games_count},
                                                {"enabledGames", st.games_enabled},
                                                {"totalPacks", st.packs_count},
                                                {"totalSessions", st.sessions_count},
                                                {"activeSessions", st.active_sessions},
                                                {"totalGamesPlayed", st.games_played},
                                                {"totalVotes", st.total_votes},
                                                {"mostPlayedGames", to_json_array(st.most_played)},
                                                {"topRatedGames", to_json_array(st.top_rated)}});
    });
}

}  // namespace gp::http
