#include "http/login_throttle.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace gp::http {

namespace {

// The table key: an IPv4 address as is (also when written IPv4-mapped), an IPv6 address
// by its /64 prefix.
std::string key_of(std::string_view address) {
    const std::string text(address);
    unsigned char v6[16];
    if (inet_pton(AF_INET6, text.c_str(), v6) != 1) return text;
    static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char out[INET6_ADDRSTRLEN];
    if (std::memcmp(v6, kMappedPrefix, sizeof kMappedPrefix) == 0)
        return inet_ntop(AF_INET, v6 + 12, out, sizeof out) ? std::string(out) : text;
    std::memset(v6 + 8, 0, 8);
    return inet_ntop(AF_INET6, v6, out, sizeof out) ? std::string(out) + "/64" : text;
}

}  // namespace

std::size_t LoginThrottle::tracked() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void LoginThrottle::forget_expired(Clock::time_point now) {
    while (!by_window_start_.empty()) {
        auto it = entries_.find(by_window_start_.front());
        if (now - it->second.window_start < limits_.window) return;
        entries_.erase(it);
        by_window_start_.pop_front();
    }
}

long long LoginThrottle::retry_after(std::string_view address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    forget_expired(now);
    auto it = entries_.find(key_of(address));
    if (it == entries_.end() || it->second.failures < limits_.max_failures) return 0;
    const auto left = it->second.window_start + limits_.window - now;
    return std::chrono::ceil<std::chrono::seconds>(left).count();
}

bool LoginThrottle::record_failure(std::string_view address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    forget_expired(now);
    std::string key = key_of(address);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= limits_.max_addresses && !by_window_start_.empty()) {
            entries_.erase(by_window_start_.front());
            by_window_start_.pop_front();
        }
        by_window_start_.push_back(key);
        it = entries_.emplace(std::move(key), Entry{now, 0, std::prev(by_window_start_.end())}).first;
    }
    return ++it->second.failures == limits_.max_failures;
}

void LoginThrottle::record_success(std::string_view address) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key_of(address));
    if (it == entries_.end()) return;
    by_window_start_.erase(it->second.position);
    entries_.erase(it);
}

}  // namespace gp::http
