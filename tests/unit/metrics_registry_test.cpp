#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "metrics/registry.hpp"

using namespace gp::metrics;

TEST(MetricsRegistry, RendersTheTextExpositionFormat) {
    Registry r;
    auto& requests = r.counter("app_requests_total", "Requests\nanswered \\ so far", {"route", "status"});
    auto& open = r.gauge("app_open", "Open things").with({});
    auto& latency = r.histogram("app_latency_seconds", "Latency", {0.1, 1}, {"route"});
    requests.with({"/a/{id}", "200"}).inc();
    requests.with({"/a/{id}", "200"}).inc(2);
    requests.with({"say \"hi\"\\\n", "404"}).inc();
    open.set(2.5);
    open.dec();
    latency.with({"/a"}).observe(0.05);
    latency.with({"/a"}).observe(0.1);  // a bound is inclusive
    latency.with({"/a"}).observe(3);

    EXPECT_EQ(r.render(),
              "# HELP app_requests_total Requests\\nanswered \\\\ so far\n"
              "# TYPE app_requests_total counter\n"
              "app_requests_total{route=\"/a/{id}\",status=\"200\"} 3\n"
              "app_requests_total{route=\"say \\\"hi\\\"\\\\\\n\",status=\"404\"} 1\n"
              "# HELP app_open Open things\n"
              "# TYPE app_open gauge\n"
              "app_open 1.5\n"
              "# HELP app_latency_seconds Latency\n"
              "# TYPE app_latency_seconds histogram\n"
              "app_latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
              "app_latency_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"
              "app_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
              "app_latency_seconds_sum{route=\"/a\"} 3.15\n"
              "app_latency_seconds_count{route=\"/a\"} 3\n");
}

TEST(MetricsRegistry, AFamilyWithoutSeriesRendersOnlyItsHeader) {
    Registry r;
    r.counter("app_events_total", "Events", {"type"});
    EXPECT_EQ(r.render(), "# HELP app_events_total Events\n# TYPE app_events_total counter\n");
}

TEST(MetricsRegistry, RefusesBadNamesAndLabelCounts) {
    Registry r;
    EXPECT_THROW(r.counter("1bad", "x"), std::invalid_argument);
    EXPECT_THROW(r.counter("bad-name", "x"), std::invalid_argument);
    EXPECT_THROW(r.counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
    EXPECT_THROW(r.histogram("h", "x", {1, 0.5}), std::invalid_argument);
    EXPECT_THROW(r.histogram("h2", "x", {1}, {"le"}), std::invalid_argument);
    auto& family = r.counter("c_total", "x", {"a"});
    EXPECT_THROW(family.with({}), std::invalid_argument);
    EXPECT_THROW(family.with({"1", "2"}), std::invalid_argument);
    EXPECT_THROW(r.counter("c_total", "again"), std::invalid_argument);
}

TEST(MetricsRegistry, CountsFromManyThreadsWithoutLosingAny) {
    Registry r;
    auto& family = r.counter("c_total", "x", {"t"});
    auto& hist = r.histogram("h_seconds", "x", {0.5}).with({});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                family.with({"same"}).inc();
                hist.observe(1);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(family.with({"same"}).value(), 40000u);
    EXPECT_EQ(hist.cumulative_counts().back(), 40000u);
    EXPECT_DOUBLE_EQ(hist.sum(), 40000.0);
}
