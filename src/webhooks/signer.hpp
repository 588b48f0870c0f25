#pragma once
// Signatures of a webhook delivery. Two schemes are sent side by side:
//  - the documented one: X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)>;
//  - Standard Webhooks (standardwebhooks.com): webhook-id, webhook-timestamp and
//    webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>.
// Both use the bytes of the webhook's secret string as the HMAC key (the Standard
// Webhooks spec base64-decodes a "whsec_" secret instead; ours are plain strings).
#include <cstdint>
#include <string>
#include <string_view>

namespace gp::webhooks {

// "sha256=<lower-case hex>"
std::string body_signature(std::string_view secret, std::string_view body);

// "v1,<base64>"; timestamp in Unix seconds, as sent in webhook-timestamp.
std::string standard_signature(std::string_view secret, std::string_view message_id, std::int64_t timestamp,
                               std::string_view body);

// webhook-id of a delivery: stable across its retries ("msg_<delivery id>").
std::string message_id(std::int64_t delivery_id);

}  // namespace gp::webhooks
