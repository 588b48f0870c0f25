#pragma once
// Failed admin logins per client address. After `max_failures` failures within `window`
// of the first one, that address is refused (429) until the window ends; other addresses
// are not affected. IPv6 clients count per /64 (one host usually owns a whole /64).
// Per process: instances behind a load balancer each count their own, and behind a
// reverse proxy every client shares the proxy's address. Thread-safe (request workers).
// Memory is bounded: at most `max_addresses` are tracked; when full, the address whose
// window started first is forgotten.
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gp::http {

class LoginThrottle {
public:
    using Clock = std::chrono::steady_clock;
    struct Limits {
        int max_failures = 10;
        std::chrono::seconds window{60};
        std::size_t max_addresses = 10000;
    };

    explicit LoginThrottle(Limits limits) : limits_(limits) {}
    LoginThrottle() : LoginThrottle(Limits{}) {}

    // Whole seconds until `address` may try again; 0 when it may try now.
    long long retry_after(std::string_view address, Clock::time_point now);
    // Counts a wrong key; true when this failure used up the address's allowance.
    bool record_failure(std::string_view address, Clock::time_point now);
    // A correct key clears the address's failures.
    void record_success(std::string_view address);
    std::size_t tracked() const;

private:
    struct Entry {
        Clock::time_point window_start;
        int failures = 0;
        std::list<std::string>::iterator position;  // in by_window_start_
    };
    void forget_expired(Clock::time_point now);

    Limits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> by_window_start_;  // keys, oldest window first
};

}  // namespace gp::http
