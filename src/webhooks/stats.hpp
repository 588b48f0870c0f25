#pragma once
// A webhook's delivery statistics (the record's `stats`), kept as one small row per webhook
// and hour (counts and a latency histogram) that the engine adds to when it stores a group
// of attempts, so reading them never walks the attempt log.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "webhooks/model.hpp"

namespace gp::webhooks {

inline constexpr Millis kStatsBucketMs = 3600 * 1000;
inline constexpr int kStatsWindowBuckets = 24;  // the last 24 hours, in whole hours (the current one included)

// Attempt durations in buckets growing by 2^(1/4) (about 19 %): bucket i holds durations up
// to bucket_limit(i) ms; a percentile is the limit of its bucket, so it is at most 19 % high.
class LatencyHistogram {
public:
    static constexpr int kBuckets = 72;  // the last one holds everything above ~4 min
    void add(int ms);
    void merge(const LatencyHistogram& other);
    std::int64_t total() const;
    std::optional<int> percentile(double p) const;  // p in (0, 1]; nullopt when empty
    std::string encode() const;                      // "b:n,b:n" (non-empty buckets only)
    static LatencyHistogram decode(std::string_view text);
    static int bucket_limit(int bucket);

private:
    std::array<std::int64_t, kBuckets> counts_{};
};

// What one group of stored attempts adds to a webhook's hour.
struct StatsRow {
    Id webhook_id = 0;
    Millis hour = 0;  // start of the hour
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    LatencyHistogram latency;
    std::optional<Millis> last_success_at;
    std::optional<Millis> last_failure_at;
};

std::vector<StatsRow> stats_rows(std::span<const AttemptOutcome> outcomes, Millis now);

struct WebhookStats {
    std::int64_t delivered_24h = 0;  // successful attempts
    std::int64_t failed_24h = 0;     // failed attempts (retries count each)
    std::optional<int> p50_ms;       // of every attempt's duration
    std::optional<int> p99_ms;
};

// The first hour a stats window ending at `now` includes.
Millis stats_window_start(Millis now);
// Sums rows (of the window) per webhook.
std::unordered_map<Id, WebhookStats> summarise(std::span<const StatsRow> rows);

}  // namespace gp::webhooks
