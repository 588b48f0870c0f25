#include "webhooks/signer.hpp"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace gp::webhooks {

namespace {

using Digest = std::array<unsigned char, 32>;

struct MacCtxDeleter {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// An HMAC-SHA256 context for this thread, its algorithms fetched once: HMAC() fetches them on
// every call, which cost more than hashing a webhook body. EVP_MAC_init then only sets the key.
EVP_MAC_CTX* hmac_context() {
    thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx = [] {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> c(mac ? EVP_MAC_CTX_new(mac) : nullptr);
        EVP_MAC_free(mac);  // the context holds its own reference
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
        if (!c || EVP_MAC_CTX_set_params(c.get(), params) != 1) throw std::runtime_error("HMAC-SHA256 unavailable");
        return c;
    }();
    return ctx.get();
}

Digest hmac_sha256(std::string_view key, std::string_view message) {
    static constexpr unsigned char kNoKey[1] = {};  // EVP_MAC_init keeps the previous key when given none
    EVP_MAC_CTX* ctx = hmac_context();
    Digest out{};
    std::size_t len = 0;
    if (EVP_MAC_init(ctx, key.empty() ? kNoKey : reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     nullptr) != 1 ||
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
        EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != out.size())
        throw std::runtime_error("HMAC-SHA256 failed");
    return out;
}

std::string_view as_chars(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

std::string signed_content(std::string_view message_id, std::int64_t timestamp, std::string_view body) {
    std::string out;
    out.reserve(message_id.size() + body.size() + 24);
    out.append(message_id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    return out;
}

struct KeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;

Key ed25519_key(std::string_view private_key) {
    Key key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                         reinterpret_cast<const unsigned char*>(private_key.data()),
                                         private_key.size()));
    if (!key) throw std::runtime_error("invalid Ed25519 private key");
    return key;
}

bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::string body_signature(std::string_view secret, std::string_view body) {
    static constexpr char hex[] = "0123456789abcdef";
    const Digest d = hmac_sha256(secret, body);
    std::string out = "sha256=";
    for (unsigned char b : d) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

std::string standard_key(std::string_view secret) {
    if (secret.starts_with(kSecretPrefix))
        if (auto key = base64_decode(secret.substr(kSecretPrefix.size())); key && !key->empty()) return *key;
    return std::string(secret);
}

std::string standard_signature(std::string_view secret, std::string_view message_id, std::int64_t timestamp,
                               std::string_view body) {
    return "v1," + base64_encode(
                       as_chars(hmac_sha256(standard_key(secret), signed_content(message_id, timestamp, body))));
}

std::string generate_ed25519_key() {
    Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    std::string raw(32, '\0');
    std::size_t len = raw.size();
    if (!key || EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
        len != raw.size())
        throw std::runtime_error("Ed25519 key generation failed");
    return raw;
}

std::string ed25519_public_key(std::string_view private_key) {
    const Key key = ed25519_key(private_key);
    std::string raw(32, '\0');
    std::size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
        len != raw.size())
        throw std::runtime_error("Ed25519 public key failed");
    return raw;
}

std::string ed25519_signature(std::string_view private_key, std::string_view message_id, std::int64_t timestamp,
                              std::string_view body) {
    const Key key = ed25519_key(private_key);
    const std::string message = signed_content(message_id, timestamp, body);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::array<unsigned char, 64> sig{};
    std::size_t len = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        len != sig.size())
        throw std::runtime_error("Ed25519 signing failed");
    return "v1a," + base64_encode({reinterpret_cast<const char*>(sig.data()), sig.size()});
}

std::string message_id(std::int64_t delivery_id) { return "msg_" + std::to_string(delivery_id); }

std::string generate_secret() {
    std::array<unsigned char, 32> key{};
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) throw std::runtime_error("RAND_bytes failed");
    return std::string(kSecretPrefix) + base64_encode({reinterpret_cast<const char*>(key.data()), key.size()});
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
    for (std::size_t i = 0; i < text.size() - padding; ++i)
        if (!is_base64_char(text[i])) return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts the padding as zero bytes
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // and the NUL
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

}  // namespace gp::webhooks
