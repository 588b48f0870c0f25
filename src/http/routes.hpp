#pragma once
// The REST API: one add_*_routes function per group, each in http/handlers/.
#include <functional>
#include <type_traits>

#include "http/request_workers.hpp"
#include "http/router.hpp"

namespace gp::store {
class Store;
}
namespace gp::rooms {
class RoomMonitors;
}

namespace gp::http {

class TokenService;

// What handlers may use. Handlers parse, call the store/domain, serialise. With request
// workers (PostgreSQL) they run on several threads at once: what they keep between
// requests is locked or atomic, and the room monitors are reached through on_loop().
struct Services {
    store::Store& loop_store;                // the event loop's connection
    const TokenService& tokens;
    std::function<void()> wake_deliveries;  // new webhook deliveries were queued outside the outbox (any thread)
    rooms::RoomMonitors& rooms;              // started and stopped as session games change (event loop only)
    bool metrics_public = false;             // GET /metrics without a token from any address
    RequestWorkers* workers = nullptr;       // where handlers run (PostgreSQL); null: on the event loop

    // The calling thread's store: a request worker's own connection, else the loop's.
    store::Store& store() const {
        store::Store* own = RequestWorkers::thread_store();
        return own ? *own : loop_store;
    }
    // Runs f on the event loop (at once when already there) and returns its result: the room
    // monitors.
    template <class F>
    std::invoke_result_t<F&> on_loop(F&& f) const {
        if (!workers) return f();
        return workers->on_loop(std::forward<F>(f));
    }
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
