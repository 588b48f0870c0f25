#include "webhooks/signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

std::string standard_signature(std::string_view secret, std::string_view message_id, std::int64_t timestamp,
                               std::string_view body) {
    std::string signed_content;
    signed_content.reserve(message_id.size() + body.size() + 24);
    signed_content.append(message_id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    const Digest d = hmac_sha256(secret, signed_content);
    std::array<unsigned char, 4 * ((32 + 2) / 3) + 1> b64{};  // 44 characters and the NUL
    const int n = EVP_EncodeBlock(b64.data(), d.data(), static_cast<int>(d.size()));
    return "v1," + std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

std::string message_id(std::int64_t delivery_id) { return "msg_" + std::to_string(delivery_id); }

}  // namespace gp::webhooks
