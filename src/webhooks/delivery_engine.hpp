#pragma once
// Sends queued webhook deliveries with libcurl's multi interface, on its own thread
// with its own store connection. The store is the queue: the engine reads due
// deliveries, sends them, and records each attempt's outcome (logged, delivered,
// rescheduled with backoff, or failed) in batches. Nothing is marked before an attempt
// ends, so a crash mid-attempt means the delivery is sent again: at-least-once, with
// a webhook-id that stays the same across attempts for de-duplication.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gp::webhooks {

struct EngineOptions {
    bool allow_private = false;  // false: the SSRF guard refuses internal addresses
    std::chrono::milliseconds attempt_timeout{10000};
    // Delay before attempt 2, 3, ...; the delivery fails after 1 + size() attempts.
    std::vector<std::chrono::milliseconds> retry_schedule;
    int max_in_flight = 128;  // one webhook gets at most a quarter of these (at least 1)
    int disable_after_failures = 20;  // failed deliveries in a row; 0 = never disable
};

struct AttemptOutcome;

// Stores a group of attempt outcomes (Store::record_attempts). The engine only reads
// the store: writes go to the one writing connection, the event loop's, so the
// engine never holds SQLite's write lock while the API waits for it. Called on the
// engine thread; the writer may store on another thread and must then call
// `stored` (from any thread) with the same outcomes and whether they were written.
using OutcomeWriter = std::function<void(std::vector<AttemptOutcome> outcomes,
                                         std::function<void(std::vector<AttemptOutcome>, bool written)> stored)>;

class DeliveryEngine {
public:
    DeliveryEngine(std::string db_path, EngineOptions options, OutcomeWriter writer);
    ~DeliveryEngine();  // stops
    DeliveryEngine(const DeliveryEngine&) = delete;
    DeliveryEngine& operator=(const DeliveryEngine&) = delete;

    void start();
    // Joins the thread and hands the finished attempts not yet stored to the writer
    // (the caller lets the writer run before exiting). Attempts still in flight are
    // abandoned: they stay pending and are sent again after a restart.
    void stop();
    // Any thread, never blocks: deliveries may have been queued or re-enabled.
    void notify();

private:
    class Loop;  // keeps libcurl out of this header
    std::unique_ptr<Loop> loop_;
};

}  // namespace gp::webhooks
