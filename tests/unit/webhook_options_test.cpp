#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "domain/error.hpp"
#include "webhooks/options.hpp"
#include "webhooks/signer.hpp"
#include "webhooks/stats.hpp"

using namespace gp::webhooks;
namespace json = boost::json;

namespace {

DeliveryOptions applied(std::string_view body, DeliveryOptions o = {}) {
    apply_options(json::parse(body).as_object(), o);
    return o;
}

std::string refusal(std::string_view body) {
    try {
        applied(body);
    } catch (const gp::domain::Error& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST(WebhookOptions, DefaultsAreStoredAsNothing) {
    EXPECT_EQ(encode_options({}), std::nullopt);
    EXPECT_EQ(decode_options(std::nullopt), DeliveryOptions{});
    DeliveryOptions o;
    EXPECT_FALSE(apply_options(json::parse(R"({"name":"x","ordered":true})").as_object(), o));
}

TEST(WebhookOptions, RoundTripThroughTheStoredText) {
    const auto o = applied(
        R"({"signature_scheme":"ed25519","rate_limit":2.5,"headers":{"Authorization":"Bearer x"},"timeout_ms":500})");
    EXPECT_EQ(o.signing_key.size(), 32u);
    EXPECT_EQ(decode_options(encode_options(o)), o);
    EXPECT_EQ(public_key_text(o), std::string(kPublicKeyPrefix) + base64_encode(ed25519_public_key(o.signing_key)));
    // Back to HMAC keeps the key; nulls restore the defaults.
    const auto back = applied(R"({"signature_scheme":null,"rate_limit":null,"headers":null,"timeout_ms":null})", o);
    EXPECT_EQ(back.signature_scheme, SignatureScheme::HmacSha256);
    EXPECT_EQ(back.signing_key, o.signing_key);
    EXPECT_EQ(public_key_text(back), std::nullopt);
    EXPECT_EQ(applied(R"({"signature_scheme":"ed25519"})", back).signing_key, o.signing_key);
}

TEST(WebhookOptions, RefusesReservedAndMalformedHeaders) {
    for (const char* name : {"webhook-id", "X-Webhook-Signature", "content-type", "Content-Length", "host",
                             "connection", "transfer-encoding", "te", "upgrade", "keep-alive", "proxy-authorization"})
        EXPECT_NE(refusal(std::string(R"({"headers":{")") + name + R"(":"x"}})").find("is reserved"),
                  std::string::npos)
            << name;
    EXPECT_EQ(refusal(R"({"headers":{"X-A":"a\nb"}})"), "headers: the value of X-A must not contain control characters");
    EXPECT_EQ(refusal(R"({"headers":{"X-A":"1","x-a":"2"}})"), "headers: x-a is given twice");
    EXPECT_EQ(refusal(R"({"headers":{"X-A":1}})"), "headers: the value of X-A must be a string");
    EXPECT_EQ(refusal(R"({"headers":{"X-A":"ok","Accept":"*/*"}})"), "accepted");
}

TEST(WebhookOptions, BoundsRateAndTimeout) {
    EXPECT_EQ(refusal(R"({"rate_limit":0})"), "rate_limit must be between 0.01 and 1000 deliveries per second");
    EXPECT_EQ(refusal(R"({"rate_limit":"1"})"), "rate_limit must be a number of deliveries per second");
    EXPECT_EQ(refusal(R"({"timeout_ms":99})"), "timeout_ms must be an integer between 100 and 60000");
    EXPECT_EQ(refusal(R"({"timeout_ms":60000})"), "accepted");
}

TEST(WebhookStats, HistogramPercentilesAreBucketLimits) {
    LatencyHistogram h;
    for (int ms = 1; ms <= 100; ++ms) h.add(ms);
    EXPECT_EQ(h.total(), 100);
    const int p50 = *h.percentile(0.5), p99 = *h.percentile(0.99);
    EXPECT_GE(p50, 50);
    EXPECT_LE(p50, 60);  // at most 19 % high
    EXPECT_GE(p99, 99);
    EXPECT_LE(p99, 118);
    EXPECT_EQ(LatencyHistogram::decode(h.encode()).encode(), h.encode());
    EXPECT_EQ(LatencyHistogram{}.percentile(0.5), std::nullopt);
}

TEST(WebhookStats, RowsPerWebhookAndWindowSums) {
    const Millis now = 10 * kStatsBucketMs + 5;
    std::vector<AttemptOutcome> outcomes(3);
    outcomes[0] = {.delivery_id = 1, .webhook_id = 7, .duration_ms = 10, .success = true};
    outcomes[1] = {.delivery_id = 2, .webhook_id = 7, .duration_ms = 20, .success = false};
    outcomes[2] = {.delivery_id = 3, .webhook_id = 8, .duration_ms = 30, .success = true};
    auto rows = stats_rows(outcomes, now);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].hour, 10 * kStatsBucketMs);
    EXPECT_EQ((std::pair{rows[0].delivered, rows[0].failed}), (std::pair<std::int64_t, std::int64_t>{1, 1}));
    EXPECT_EQ(rows[0].last_success_at, now);
    EXPECT_EQ(rows[1].last_failure_at, std::nullopt);
    rows.push_back(rows[0]);  // another hour of webhook 7
    const auto stats = summarise(rows);
    EXPECT_EQ(stats.at(7).delivered_24h, 2);
    EXPECT_EQ(stats.at(7).failed_24h, 2);
    EXPECT_EQ(stats.at(8).p50_ms, 32);  // the bucket of 30 ms ends at 2^(20/4)
    EXPECT_EQ(stats_window_start(now), 10 * kStatsBucketMs - 23 * kStatsBucketMs);
}
