#pragma once
// What gamepicker exports at GET /metrics: one process-wide set of instruments, so
// that instrumenting a place is one line (metrics::instruments().ws_connections.inc()).
// Every update is an atomic, safe from the event loop and the delivery engine alike.
#include <string_view>

#include "metrics/registry.hpp"

namespace gp::metrics {

struct Instruments {
    Instruments();

    Registry registry;  // first: the references below point into it

    // HTTP, by the matched route pattern ("/api/sessions/{id}/games", never the raw path;
    // "unmatched" for unknown paths), so the number of series stays bounded.
    Family<Counter>& http_requests;             // method, route, status
    Family<Histogram>& http_request_duration;  // method, route
    void http_request(std::string_view method, std::string_view route, int status, double seconds);

    // The WebSocket feed.
    Gauge& ws_connections;
    Gauge& ws_subscriptions;  // (connection, session) pairs

    Family<Counter>& events_published;  // type

    // Webhook attempts by outcome: delivered, retrying (failed, another attempt scheduled)
    // or failed (the last attempt failed: the delivery is given up).
    Family<Counter>& webhook_attempts;
    void webhook_attempt(bool delivered, bool will_retry);
    // Read from the store at each scrape.
    Gauge& webhook_queue_depth;
    Gauge& webhook_oldest_pending_age;

    // Times a connection found the database locked and had to wait, by connection
    // (event_loop: the API's; background: the delivery engine's and the checkpointer's).
    Family<Counter>& sqlite_busy_waits;
    void sqlite_busy_wait(bool event_loop);

private:
    Counter &delivered_, &retrying_, &failed_, &busy_event_loop_, &busy_background_;
};

Instruments& instruments();

}  // namespace gp::metrics
