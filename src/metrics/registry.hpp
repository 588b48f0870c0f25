#pragma once
// A small Prometheus-style metrics registry: counters, gauges and histograms,
// optionally in families with labels, rendered in the text exposition format
// (version 0.0.4). Updates are lock-free atomics, safe from any thread; a family's
// mutex guards only the creation and lookup of its labelled series. No I/O, no Beast.
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gp::metrics {

class Counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void inc(double d = 1) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
    void dec(double d = 1) noexcept { value_.fetch_sub(d, std::memory_order_relaxed); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class Histogram {
public:
    // upper_bounds: ascending; the +Inf bucket is implied.
    explicit Histogram(std::shared_ptr<const std::vector<double>> upper_bounds);
    void observe(double v) noexcept;

    const std::vector<double>& upper_bounds() const { return *bounds_; }
    // Cumulative counts per bound, then the +Inf bucket (the total count).
    std::vector<std::uint64_t> cumulative_counts() const;
    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::shared_ptr<const std::vector<double>> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative; the last is +Inf
    std::atomic<double> sum_{0};
};

// One series' sample line(s); `labels` as FamilyBase::labels_of renders them.
void render_sample(std::string& out, std::string_view name, const std::string& labels, const Counter& c);
void render_sample(std::string& out, std::string_view name, const std::string& labels, const Gauge& g);
void render_sample(std::string& out, std::string_view name, const std::string& labels, const Histogram& h);

class FamilyBase {
public:
    enum class Type { Counter, Gauge, Histogram };
    FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names);
    virtual ~FamilyBase() = default;
    // Appends the # HELP and # TYPE lines and one sample line per series (several for a histogram).
    void render(std::string& out) const;
    const std::string& name() const { return name_; }

protected:
    // Label values joined by a byte that cannot occur in them (throws on a wrong count).
    std::string key_of(std::initializer_list<std::string_view> values) const;
    // The label set of a key, rendered without braces (a="1",b="2"), possibly empty.
    std::string labels_of(const std::string& key) const;
    virtual void render_series(std::string& out) const = 0;

    const std::string name_, help_;
    const Type type_;
    const std::vector<std::string> label_names_;
    mutable std::mutex mutex_;
};

// The series of one metric name, one per combination of label values. Callers on a
// hot path keep the reference `with` returns (series are never removed).
template <class Metric>
class Family final : public FamilyBase {
public:
    Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
           std::function<std::unique_ptr<Metric>()> make)
        : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)), make_(std::move(make)) {}

    // The series for these label values, in the order of the family's label names.
    Metric& with(std::initializer_list<std::string_view> values) {
        std::string key = key_of(values);
        std::lock_guard lock(mutex_);
        auto& slot = series_[std::move(key)];
        if (!slot) slot = make_();
        return *slot;
    }

private:
    void render_series(std::string& out) const override {
        std::lock_guard lock(mutex_);
        for (const auto& [key, metric] : series_) render_sample(out, name_, labels_of(key), *metric);
    }

    std::function<std::unique_ptr<Metric>()> make_;
    std::map<std::string, std::unique_ptr<Metric>> series_;  // sorted: stable output
};

class Registry {
public:
    Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
    Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
    // upper_bounds: ascending bucket bounds (the +Inf bucket is implied).
    Family<Histogram>& histogram(std::string name, std::string help, std::vector<double> upper_bounds,
                                 std::vector<std::string> label_names = {});

    // Every family in registration order, in the text exposition format.
    std::string render() const;

private:
    template <class Metric>
    Family<Metric>& add(std::unique_ptr<Family<Metric>> family);

    std::vector<std::unique_ptr<FamilyBase>> families_;
};

// The Content-Type of render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace gp::metrics
