#include "webhooks/options.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>

#include "domain/error.hpp"
#include "webhooks/chat_format.hpp"
#include "webhooks/signer.hpp"

namespace gp::webhooks {

namespace json = boost::json;
using domain::bad_request;

namespace {

constexpr std::size_t kMaxHeaderNameLength = 64;
constexpr std::size_t kMaxHeaderValueLength = 1024;

// Headers the engine sets itself, and hop-by-hop headers (RFC 9110 7.6.1) that belong to
// the connection, not to the message.
constexpr std::array<std::string_view, 10> kReservedHeaders = {
    "content-type", "content-length", "host",    "connection", "transfer-encoding",
    "te",           "upgrade",        "keep-alive", "trailer",  "expect"};
constexpr std::array<std::string_view, 3> kReservedPrefixes = {"webhook-", "x-webhook-", "proxy-"};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// RFC 9110 token characters.
bool is_token(std::string_view s) {
    static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
    });
}

NamedTexts checked_headers(const json::value& v) {
    if (!v.is_object()) bad_request("headers must be an object of header names to string values");
    const auto& o = v.as_object();
    if (o.size() > kMaxCustomHeaders)
        bad_request("headers: at most " + std::to_string(kMaxCustomHeaders) + " headers");
    NamedTexts out;
    for (const auto& [key, value] : o) {
        const std::string name(key);
        if (name.size() > kMaxHeaderNameLength || !is_token(name)) bad_request("headers: invalid header name: " + name);
        const std::string low = lower(name);
        const bool reserved =
            std::find(kReservedHeaders.begin(), kReservedHeaders.end(), low) != kReservedHeaders.end() ||
            std::any_of(kReservedPrefixes.begin(), kReservedPrefixes.end(),
                        [&](std::string_view p) { return low.starts_with(p); });
        if (reserved) bad_request("headers: " + name + " is reserved and cannot be set");
        if (!value.is_string()) bad_request("headers: the value of " + name + " must be a string");
        const std::string text(value.as_string());
        if (text.size() > kMaxHeaderValueLength)
            bad_request("headers: the value of " + name + " must be at most " +
                        std::to_string(kMaxHeaderValueLength) + " bytes");
        if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 && c != '\t'; }) ||
            text.find('\x7f') != std::string::npos)
            bad_request("headers: the value of " + name + " must not contain control characters");
        const bool duplicate = std::any_of(out.begin(), out.end(), [&](const auto& h) { return lower(h.first) == low; });
        if (duplicate) bad_request("headers: " + name + " is given twice");
        out.emplace_back(name, text);
    }
    return out;
}

template <typename Enum, std::size_t N>
Enum checked_enum(const json::value& v, std::string_view field, const std::array<Enum, N>& values) {
    for (Enum e : values)
        if (v.is_string() && v.as_string() == to_string(e)) return e;
    std::string allowed;
    for (Enum e : values) allowed.append(allowed.empty() ? "" : ", ").append(to_string(e));
    bad_request(std::string(field) + " must be one of " + allowed);
}

json::object to_object(const NamedTexts& texts) {
    json::object o;
    for (const auto& [k, v] : texts) o[k] = v;
    return o;
}

// Boost.JSON writes a double 2 as 2E0; whole rates go out as integers.
json::value rate_json(double rate) {
    if (rate == std::floor(rate)) return json::value(static_cast<std::int64_t>(rate));
    return json::value(rate);
}

NamedTexts from_object(const json::value* v) {
    NamedTexts out;
    if (v && v->is_object())
        for (const auto& [k, text] : v->as_object()) out.emplace_back(std::string(k), std::string(text.as_string()));
    return out;
}

}  // namespace

std::string_view to_string(SignatureScheme s) { return s == SignatureScheme::Ed25519 ? "ed25519" : "hmac-sha256"; }

std::string_view to_string(Format f) {
    switch (f) {
        case Format::Discord: return "discord";
        case Format::Slack: return "slack";
        case Format::Json: break;
    }
    return "json";
}

std::optional<std::string> encode_options(const DeliveryOptions& o) {
    if (o == DeliveryOptions{}) return std::nullopt;
    json::object out;
    if (o.signature_scheme != SignatureScheme::HmacSha256) out["signature_scheme"] = to_string(o.signature_scheme);
    if (!o.signing_key.empty()) out["signing_key"] = base64_encode(o.signing_key);
    if (o.rate_limit) out["rate_limit"] = rate_json(*o.rate_limit);
    if (!o.headers.empty()) out["headers"] = to_object(o.headers);
    if (o.timeout_ms) out["timeout_ms"] = *o.timeout_ms;
    if (o.format != Format::Json) out["format"] = to_string(o.format);
    if (!o.templates.empty()) out["templates"] = to_object(o.templates);
    return json::serialize(out);
}

DeliveryOptions decode_options(const std::optional<std::string>& text) {
    DeliveryOptions o;
    if (!text || text->empty()) return o;
    const json::object in = json::parse(*text).as_object();
    if (auto* v = in.if_contains("signature_scheme"); v && v->as_string() == "ed25519")
        o.signature_scheme = SignatureScheme::Ed25519;
    if (auto* v = in.if_contains("signing_key")) o.signing_key = base64_decode(v->as_string()).value_or("");
    if (auto* v = in.if_contains("rate_limit")) o.rate_limit = v->to_number<double>();
    o.headers = from_object(in.if_contains("headers"));
    if (auto* v = in.if_contains("timeout_ms")) o.timeout_ms = v->to_number<int>();
    if (auto* v = in.if_contains("format"))
        o.format = v->as_string() == "discord" ? Format::Discord : v->as_string() == "slack" ? Format::Slack : Format::Json;
    o.templates = from_object(in.if_contains("templates"));
    return o;
}

bool apply_options(const json::object& body, DeliveryOptions& o) {
    bool any = false;
    auto field = [&](std::string_view key) -> const json::value* {
        const json::value* v = body.if_contains(key);
        any = any || v;
        return v;
    };
    if (auto* v = field("signature_scheme")) {
        o.signature_scheme = v->is_null() ? SignatureScheme::HmacSha256
                                          : checked_enum(*v, "signature_scheme",
                                                         std::array{SignatureScheme::HmacSha256, SignatureScheme::Ed25519});
        if (o.signature_scheme == SignatureScheme::Ed25519 && o.signing_key.empty())
            o.signing_key = generate_ed25519_key();
    }
    if (auto* v = field("rate_limit")) {
        if (v->is_null()) {
            o.rate_limit.reset();
        } else {
            if (!v->is_number()) bad_request("rate_limit must be a number of deliveries per second");
            const double rate = v->to_number<double>();
            if (!(rate >= kMinRateLimit && rate <= kMaxRateLimit))
                bad_request("rate_limit must be between 0.01 and 1000 deliveries per second");
            o.rate_limit = rate;
        }
    }
    if (auto* v = field("headers")) o.headers = v->is_null() ? NamedTexts{} : checked_headers(*v);
    if (auto* v = field("timeout_ms")) {
        if (v->is_null()) {
            o.timeout_ms.reset();
        } else {
            if (!v->is_int64() || v->as_int64() < kMinTimeoutMs || v->as_int64() > kMaxTimeoutMs)
                bad_request("timeout_ms must be an integer between " + std::to_string(kMinTimeoutMs) + " and " +
                            std::to_string(kMaxTimeoutMs));
            o.timeout_ms = static_cast<int>(v->as_int64());
        }
    }
    if (auto* v = field("format"))
        o.format = v->is_null() ? Format::Json
                                : checked_enum(*v, "format", std::array{Format::Json, Format::Discord, Format::Slack});
    if (auto* v = field("templates")) {
        if (!v->is_null() && !v->is_object()) bad_request("templates must be an object of event types to templates");
        o.templates.clear();
        if (v->is_object())
            for (const auto& [type, text] : v->as_object()) {
                if (!text.is_string()) bad_request("templates: " + std::string(type) + ": must be a string");
                check_template(type, text.as_string());
                o.templates.emplace_back(std::string(type), std::string(text.as_string()));
            }
    }
    return any;
}

std::optional<std::string> public_key_text(const DeliveryOptions& o) {
    if (o.signature_scheme != SignatureScheme::Ed25519) return std::nullopt;
    return std::string(kPublicKeyPrefix) + base64_encode(ed25519_public_key(o.signing_key));
}

void add_options_json(const DeliveryOptions& o, json::object& record) {
    record["signature_scheme"] = to_string(o.signature_scheme);
    const auto key = public_key_text(o);
    record["public_key"] = key ? json::value(*key) : json::value(nullptr);
    record["rate_limit"] = o.rate_limit ? rate_json(*o.rate_limit) : json::value(nullptr);
    record["headers"] = to_object(o.headers);
    record["timeout_ms"] = o.timeout_ms ? json::value(*o.timeout_ms) : json::value(nullptr);
    record["format"] = to_string(o.format);
    record["templates"] = to_object(o.templates);
}

}  // namespace gp::webhooks
