#pragma once
// Per-webhook delivery options: signature scheme, rate limit, custom headers, timeout, and the
// chat formats. Stored as one JSON text (NULL for the defaults), so the store only keeps a
// string; reading client input and (de)serialising live here, independent of SQL.
#include <boost/json/fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gp::webhooks {

enum class SignatureScheme { HmacSha256, Ed25519 };
enum class Format { Json, Discord, Slack };

inline constexpr double kMinRateLimit = 0.01;  // deliveries per second
inline constexpr double kMaxRateLimit = 1000;
inline constexpr int kMinTimeoutMs = 100;
inline constexpr int kMaxTimeoutMs = 60000;
inline constexpr std::size_t kMaxCustomHeaders = 20;

using NamedTexts = std::vector<std::pair<std::string, std::string>>;

struct DeliveryOptions {
    SignatureScheme signature_scheme = SignatureScheme::HmacSha256;
    // Ed25519: the raw 32-byte private key. Kept when the scheme goes back to HMAC, so
    // switching back to ed25519 keeps the public key receivers already have.
    std::string signing_key;
    std::optional<double> rate_limit;  // deliveries per second; unset: as fast as the engine goes
    NamedTexts headers;                // sent with every delivery
    std::optional<int> timeout_ms;     // unset: the engine's --webhook-timeout-ms
    Format format = Format::Json;
    NamedTexts templates;  // event type -> sentence template (Discord and Slack formats; chat_format.hpp)

    bool operator==(const DeliveryOptions&) const = default;
};

// The stored text; nullopt for the defaults (most webhooks), so their deliveries parse nothing.
std::optional<std::string> encode_options(const DeliveryOptions& o);
// Of a stored text; nullopt or empty gives the defaults.
DeliveryOptions decode_options(const std::optional<std::string>& text);

// Applies the fields of a create or update body (signature_scheme, rate_limit, headers,
// timeout_ms, format, templates) to `o`; a field that is null goes back to its default.
// Throws domain::Error(BadRequest) naming the field. Generates the Ed25519 key on the first
// switch to ed25519. True if the body had any of these fields.
bool apply_options(const boost::json::object& body, DeliveryOptions& o);

// "whpk_<base64 of the raw 32-byte public key>"; nullopt unless the scheme is ed25519.
std::optional<std::string> public_key_text(const DeliveryOptions& o);

std::string_view to_string(SignatureScheme s);
std::string_view to_string(Format f);

// The record's view of the options (no private key).
void add_options_json(const DeliveryOptions& o, boost::json::object& record);

}  // namespace gp::webhooks
