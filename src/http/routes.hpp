#pragma once
// The REST API: one add_*_routes function per group, each in http/handlers/.
#include <functional>

#include "http/router.hpp"

namespace gp::store {
class Store;
}
namespace gp::rooms {
class RoomMonitors;
}

namespace gp::http {

class TokenService;

// What handlers may use. Handlers parse, call the store/domain, serialise.
struct Services {
    store::Store& store;
    const TokenService& tokens;
    std::function<void()> wake_deliveries;  // new webhook deliveries were queued outside the outbox
    rooms::RoomMonitors& rooms;              // started and stopped as session games change
    bool metrics_public = false;             // GET /metrics without a token from any address
};

void add_auth_routes(Router& r, Services& s);
void add_game_routes(Router& r, Services& s);
void add_picker_routes(Router& r, Services& s);
void add_session_routes(Router& r, Services& s);
void add_vote_routes(Router& r, Services& s);
void add_stats_routes(Router& r, Services& s);
void add_webhook_routes(Router& r, Services& s);
void add_metrics_routes(Router& r, Services& s);
void add_openapi_routes(Router& r, Services& s);

inline void add_all_routes(Router& r, Services& s) {
    add_auth_routes(r, s);
    add_game_routes(r, s);
    add_picker_routes(r, s);
    add_session_routes(r, s);
    add_vote_routes(r, s);
    add_stats_routes(r, s);
    add_webhook_routes(r, s);
    add_metrics_routes(r, s);
    add_openapi_routes(r, s);
}

}  // namespace gp::http
