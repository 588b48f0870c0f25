#pragma once
// Signatures of a webhook delivery. Two schemes are sent side by side:
//  - the documented one: X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)>, keyed
//    with the bytes of the secret string as given;
//  - Standard Webhooks (standardwebhooks.com): webhook-id, webhook-timestamp and
//    webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>, where the key
//    is standard_key(secret): the spec's base64-decoded bytes for a "whsec_<base64>" secret,
//    the bytes of the string for any other.
// A webhook with signature_scheme "ed25519" gets webhook-signature: v1a,<base64 Ed25519
// signature of the same "<id>.<timestamp>.<body>"> instead (the spec's asymmetric form);
// X-Webhook-Signature stays the HMAC of its secret.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gp::webhooks {

inline constexpr std::string_view kSecretPrefix = "whsec_";

// "sha256=<lower-case hex>"
std::string body_signature(std::string_view secret, std::string_view body);

// The HMAC key of webhook-signature for a secret (see above). A "whsec_" secret whose rest is
// not base64 (saved before such secrets were checked) is used as given.
std::string standard_key(std::string_view secret);

// "v1,<base64>" keyed with standard_key(secret); timestamp in Unix seconds, as sent in
// webhook-timestamp.
std::string standard_signature(std::string_view secret, std::string_view message_id, std::int64_t timestamp,
                               std::string_view body);

inline constexpr std::string_view kPublicKeyPrefix = "whpk_";

// A new Ed25519 private key, raw (32 bytes).
std::string generate_ed25519_key();
// The raw 32-byte public key of a raw private key.
std::string ed25519_public_key(std::string_view private_key);
// "v1a,<base64 Ed25519 signature of "<id>.<timestamp>.<body>">".
std::string ed25519_signature(std::string_view private_key, std::string_view message_id, std::int64_t timestamp,
                              std::string_view body);

// webhook-id of a delivery: stable across its retries ("msg_<delivery id>").
std::string message_id(std::int64_t delivery_id);

// A new "whsec_<base64 of 32 random bytes>" secret.
std::string generate_secret();

// Strict standard base64 (padded, no whitespace), as the Standard Webhooks libraries read it;
// nullopt when `text` is not.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace gp::webhooks
