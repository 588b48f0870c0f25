#include "webhooks/signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace gp::webhooks {

namespace {

using Digest = std::array<unsigned char, 32>;

Digest hmac_sha256(std::string_view key, std::string_view message) {
    Digest out{};
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &len) ||
        len != out.size())
        throw std::runtime_error("HMAC-SHA256 failed");
    return out;
}

std::string_view as_chars(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

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
    std::string signed_content;
    signed_content.reserve(message_id.size() + body.size() + 24);
    signed_content.append(message_id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    return "v1," + base64_encode(as_chars(hmac_sha256(standard_key(secret), signed_content)));
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
