#pragma once
// Records of the webhook registry and of delivery attempts.
#include <optional>
#include <string>
#include <vector>

#include "domain/models.hpp"
#include "webhooks/options.hpp"

namespace gp::webhooks {

using domain::Id;
using domain::Millis;

struct WebhookFields {
    std::string name;
    std::string url;
    std::string secret;
    std::vector<std::string> events;
    bool ordered = false;  // one delivery at a time, in event order
    DeliveryOptions options;
};

struct WebhookPatch {
    std::optional<std::string> name;
    std::optional<std::string> url;
    std::optional<std::string> secret;
    std::optional<std::vector<std::string>> events;
    std::optional<bool> enabled;
    std::optional<bool> ordered;
    std::optional<DeliveryOptions> options;  // the whole set, replacing the stored one
};

struct Webhook : WebhookFields {
    Id id = 0;
    bool enabled = true;
    Millis created_at = 0;
    int consecutive_failures = 0;  // deliveries in a row that exhausted their retries; a success resets it
    std::optional<Millis> disabled_at;  // set when disabled automatically (see disabled_reason)
    std::optional<std::string> disabled_reason;
    // Secret rotation: until previous_secret_until, deliveries are signed with both secrets.
    std::optional<std::string> previous_secret;
    std::optional<Millis> previous_secret_until;
    std::optional<Millis> last_success_at;  // of an attempt
    std::optional<Millis> last_failure_at;
};

// When a failing webhook is disabled automatically (a 410 Gone answer disables it at once).
struct DisablePolicy {
    int after_failures = 20;      // failed deliveries in a row; 0 = never
    Millis after_failing_for = 0;  // every attempt failed for this long; 0 = never
};

// One delivery due to be sent, joined with what the sender needs.
struct PendingDelivery {
    Id id = 0;
    Id webhook_id = 0;
    std::string url;
    std::string secret;
    std::optional<std::string> previous_secret;  // still valid after a rotation: sign with both
    std::string event_type;
    std::string body;
    int attempt = 1;  // number of the attempt about to be made
    std::optional<std::string> options;  // the webhook's stored DeliveryOptions text
};

// What one attempt produced; the store logs it and reschedules or finishes the delivery.
struct AttemptOutcome {
    Id delivery_id = 0;
    Id webhook_id = 0;
    std::string event_type;
    int attempt = 1;
    std::optional<int> status_code;
    std::optional<std::string> error;
    std::string response_body;  // capped
    int duration_ms = 0;
    bool success = false;
    std::optional<Millis> retry_at;  // unset on success or when giving up
    std::optional<std::string> disable_reason;  // the receiver asked to be disabled (410 Gone)
};

struct AttemptLog {
    Id id = 0;
    Id delivery_id = 0;
    std::string event_type;
    int attempt = 1;
    std::optional<int> status_code;
    std::optional<std::string> error;
    std::string response_body;
    int duration_ms = 0;
    bool success = false;
    std::string payload;  // the body sent
    Millis created_at = 0;
};

}  // namespace gp::webhooks
