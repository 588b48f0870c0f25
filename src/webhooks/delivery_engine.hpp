#pragma once
// Sends queued webhook deliveries with libcurl's multi interface, on its own thread
// with its own store connection (opened there by the opener app/ hands it). The store is the queue: the engine reads due
// deliveries, sends them, and records each attempt's outcome (logged, delivered,
// rescheduled with backoff, or failed) in batches. Nothing is marked before an attempt
// ends, so a crash mid-attempt means the delivery is sent again: at-least-once, with
// a webhook-id that stays the same across attempts for de-duplication.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "webhooks/model.hpp"

namespace gp::webhooks {

struct EngineOptions {
    bool allow_private = false;  // false: the SSRF guard refuses internal addresses
    std::chrono::milliseconds attempt_timeout{10000};
    // Delay before attempt 2, 3, ...; the delivery fails after 1 + size() attempts.
    std::vector<std::chrono::milliseconds> retry_schedule;
    int max_in_flight = 128;  // one webhook gets at most a quarter of these (at least 1)
    DisablePolicy disable{20, 120LL * 3600 * 1000};
    // PostgreSQL: how long a claimed delivery stays with the instance that claimed it (longer
    // than attempt_timeout); an instance that dies leaves it to the others after this.
    std::chrono::milliseconds lease{60000};
};

class DeliveryEngine {
public:
    DeliveryEngine(store::StoreOpener open_store, EngineOptions options);
    ~DeliveryEngine();  // stops
    DeliveryEngine(const DeliveryEngine&) = delete;
    DeliveryEngine& operator=(const DeliveryEngine&) = delete;

    void start();
    // Any thread, never blocks: no new attempts start; those in flight may finish
    // for up to `drain`.
    void begin_stop(std::chrono::milliseconds drain);
    // Stores the finished attempts and joins the thread. Attempts still in flight
    // (after begin_stop's drain) are abandoned: they stay pending and are sent again
    // after a restart.
    void stop();
    // Any thread, never blocks: deliveries may have been queued or re-enabled.
    void notify();

private:
    class Loop;  // keeps libcurl out of this header
    std::unique_ptr<Loop> loop_;
};

}  // namespace gp::webhooks
