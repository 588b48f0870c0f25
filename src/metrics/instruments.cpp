#include "metrics/instruments.hpp"

#include <array>
#include <string>

namespace gp::metrics {

namespace {

// From 100 us (a cached read) to 2.5 s (a request stuck behind the database lock).
std::vector<double> latency_buckets() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

// The method as a label: any other token a client sends counts as "other".
std::string_view method_label(std::string_view method) {
    static constexpr std::array<std::string_view, 7> kKnown{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    for (auto m : kKnown)
        if (m == method) return m;
    return "other";
}

}  // namespace

Instruments::Instruments()
    : http_requests(registry.counter("gamepicker_http_requests_total", "HTTP requests answered",
                                     {"method", "route", "status"})),
      http_request_duration(registry.histogram("gamepicker_http_request_duration_seconds",
                                               "Time from routing a request to its response being ready",
                                               latency_buckets(), {"method", "route"})),
      ws_connections(registry.gauge("gamepicker_websocket_connections", "Open WebSocket connections").with({})),
      ws_subscriptions(registry.gauge("gamepicker_websocket_subscriptions",
                                      "Session subscriptions over all WebSocket connections")
                           .with({})),
      events_published(registry.counter("gamepicker_events_published_total",
                                        "Events committed to the outbox and published", {"type"})),
      webhook_attempts(registry.counter("gamepicker_webhook_attempts_total",
                                        "Webhook delivery attempts by outcome: delivered, retrying (failed, "
                                        "retry scheduled), failed (failed, delivery given up)",
                                        {"outcome"})),
      webhook_queue_depth(registry.gauge("gamepicker_webhook_queue_depth", "Pending webhook deliveries").with({})),
      webhook_oldest_pending_age(registry.gauge("gamepicker_webhook_oldest_pending_age_seconds",
                                                "Age of the oldest pending webhook delivery (0 when none)")
                                     .with({})),
      sqlite_busy_waits(registry.counter("gamepicker_sqlite_busy_waits_total",
                                         "Times a connection found the database locked and waited",
                                         {"connection"})),
      delivered_(webhook_attempts.with({"delivered"})),
      retrying_(webhook_attempts.with({"retrying"})),
      failed_(webhook_attempts.with({"failed"})),
      busy_event_loop_(sqlite_busy_waits.with({"event_loop"})),
      busy_background_(sqlite_busy_waits.with({"background"})) {}

void Instruments::http_request(std::string_view method, std::string_view route, int status, double seconds) {
    method = method_label(method);
    http_requests.with({method, route, std::to_string(status)}).inc();
    http_request_duration.with({method, route}).observe(seconds);
}

void Instruments::webhook_attempt(bool delivered, bool will_retry) {
    (delivered ? delivered_ : will_retry ? retrying_ : failed_).inc();
}

void Instruments::sqlite_busy_wait(bool event_loop) { (event_loop ? busy_event_loop_ : busy_background_).inc(); }

Instruments& instruments() {
    static Instruments instance;
    return instance;
}

}  // namespace gp::metrics
