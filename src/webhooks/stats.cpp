#include "webhooks/stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace gp::webhooks {

namespace {

int bucket_of(int ms) {
    if (ms <= 1) return 0;
    const int b = static_cast<int>(std::ceil(4 * std::log2(static_cast<double>(ms)) - 1e-9));
    return std::clamp(b, 0, LatencyHistogram::kBuckets - 1);
}

}  // namespace

int LatencyHistogram::bucket_limit(int bucket) {
    return static_cast<int>(std::floor(std::exp2(bucket / 4.0) + 1e-9));
}

void LatencyHistogram::add(int ms) { ++counts_[static_cast<std::size_t>(bucket_of(ms))]; }

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

std::int64_t LatencyHistogram::total() const {
    std::int64_t n = 0;
    for (auto c : counts_) n += c;
    return n;
}

std::optional<int> LatencyHistogram::percentile(double p) const {
    const std::int64_t n = total();
    if (n == 0) return std::nullopt;
    const auto rank = static_cast<std::int64_t>(std::ceil(p * static_cast<double>(n)));
    std::int64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        seen += counts_[static_cast<std::size_t>(i)];
        if (seen >= std::max<std::int64_t>(rank, 1)) return bucket_limit(i);
    }
    return bucket_limit(kBuckets - 1);
}

std::string LatencyHistogram::encode() const {
    std::string out;
    for (int i = 0; i < kBuckets; ++i) {
        if (counts_[static_cast<std::size_t>(i)] == 0) continue;
        if (!out.empty()) out += ',';
        out += std::to_string(i) + ":" + std::to_string(counts_[static_cast<std::size_t>(i)]);
    }
    return out;
}

LatencyHistogram LatencyHistogram::decode(std::string_view text) {
    LatencyHistogram h;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        const auto colon = item.find(':');
        int bucket = -1;
        std::int64_t count = 0;
        if (colon != std::string_view::npos) {
            std::from_chars(item.data(), item.data() + colon, bucket);
            std::from_chars(item.data() + colon + 1, item.data() + item.size(), count);
        }
        if (bucket >= 0 && bucket < kBuckets) h.counts_[static_cast<std::size_t>(bucket)] += count;
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return h;
}

std::vector<StatsRow> stats_rows(std::span<const AttemptOutcome> outcomes, Millis now) {
    const Millis hour = now - now % kStatsBucketMs;
    std::map<Id, StatsRow> by_webhook;
    for (const auto& o : outcomes) {
        StatsRow& row = by_webhook[o.webhook_id];
        row.webhook_id = o.webhook_id;
        row.hour = hour;
        (o.success ? row.delivered : row.failed) += 1;
        (o.success ? row.last_success_at : row.last_failure_at) = now;
        row.latency.add(o.duration_ms);
    }
    std::vector<StatsRow> out;
    for (auto& [id, row] : by_webhook) out.push_back(std::move(row));
    return out;
}

Millis stats_window_start(Millis now) { return now - now % kStatsBucketMs - (kStatsWindowBuckets - 1) * kStatsBucketMs; }

std::unordered_map<Id, WebhookStats> summarise(std::span<const StatsRow> rows) {
    std::unordered_map<Id, LatencyHistogram> latency;
    std::unordered_map<Id, WebhookStats> out;
    for (const auto& r : rows) {
        auto& s = out[r.webhook_id];
        s.delivered_24h += r.delivered;
        s.failed_24h += r.failed;
        latency[r.webhook_id].merge(r.latency);
    }
    for (auto& [id, s] : out) {
        s.p50_ms = latency[id].percentile(0.50);
        s.p99_ms = latency[id].percentile(0.99);
    }
    return out;
}

}  // namespace gp::webhooks
