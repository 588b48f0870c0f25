#pragma once
// Sends queued webhook deliveries from the store with libcurl's multi interface,
// on its own thread with its own store connection. (Skeleton.)
#include <chrono>
#include <string>
#include <vector>

namespace gp::webhooks {

struct EngineOptions {
    bool allow_private = false;
    std::chrono::milliseconds attempt_timeout{10000};
    std::vector<std::chrono::milliseconds> retry_schedule;
    int max_in_flight = 64;
    int disable_after_failures = 20;
};

class DeliveryEngine {
public:
    DeliveryEngine(std::string db_path, EngineOptions options);
    ~DeliveryEngine();
    void start();
    void stop();
    void notify();  // new deliveries may be due

private:
    std::string db_path_;
    EngineOptions options_;
};

}  // namespace gp::webhooks
