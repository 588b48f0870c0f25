#include "http/tokens.hpp"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "domain/time.hpp"

namespace gp::http {

namespace {
struct JwtFree {
    void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

std::string sha256(std::string_view s) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), out, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<char*>(out), len);
}
}  // namespace

TokenService::TokenService(std::string admin_key, std::string jwt_secret, long long lifetime_seconds)
    : admin_key_(std::move(admin_key)), secret_(std::move(jwt_secret)), lifetime_(lifetime_seconds) {}

bool TokenService::admin_key_matches(std::string_view key) const {
    if (admin_key_.empty()) return false;
    // Compare digests so neither the length nor the content leaks through timing.
    const std::string a = sha256(key), b = sha256(admin_key_);
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string TokenService::issue() const { return sign(kRoleAdmin, lifetime_); }

std::string TokenService::issue_feed(long long ttl_seconds) const { return sign(kRoleFeed, ttl_seconds); }

std::string TokenService::sign(const char* role, long long ttl_seconds) const {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
    JwtPtr jwt(raw);
    const long long now_ms = domain::now_ms();
    const long long now = now_ms / 1000;
    jwt_add_grant(jwt.get(), "role", role);
    jwt_add_grant_int(jwt.get(), "timestamp", now_ms);
    jwt_add_grant_int(jwt.get(), "iat", now);
    jwt_add_grant_int(jwt.get(), "exp", now + ttl_seconds);
    if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                    static_cast<int>(secret_.size())) != 0)
        throw std::runtime_error("jwt_set_alg failed");
    char* encoded = jwt_encode_str(jwt.get());
    if (!encoded) throw std::runtime_error("jwt_encode_str failed");
    std::string token(encoded);
    std::free(encoded);
    return token;
}

std::optional<Claims> TokenService::verify(std::string_view token) const {
    if (token.empty() || token.size() > 4096) return std::nullopt;
    const std::string tok(token);
    {
        const std::lock_guard lock(verified_mutex_);
        if (const auto it = verified_.find(tok); it != verified_.end()) {
            if (it->second.exp > domain::now_ms() / 1000) return it->second;
            verified_.erase(it);
            return std::nullopt;
        }
    }
    // Pin the algorithm before verifying: a token announcing "none" or any other
    // algorithm is refused whatever libjwt would do with it.
    auto dot = token.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    jwt_t* raw = nullptr;
    if (jwt_decode(&raw, tok.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                   static_cast<int>(secret_.size())) != 0 ||
        !raw)
        return std::nullopt;
    JwtPtr jwt(raw);
    if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return std::nullopt;
    const char* typ_alg = jwt_get_header(jwt.get(), "alg");
    if (!typ_alg || std::string_view(typ_alg) != "HS256") return std::nullopt;
    Claims c;
    const char* role = jwt_get_grant(jwt.get(), "role");
    c.role = role ? role : "";
    c.iat = jwt_get_grant_int(jwt.get(), "iat");
    c.exp = jwt_get_grant_int(jwt.get(), "exp");
    c.timestamp = jwt_get_grant_int(jwt.get(), "timestamp");
    if ((c.role != kRoleAdmin && c.role != kRoleFeed) || c.exp <= 0 || c.exp <= domain::now_ms() / 1000) return std::nullopt;
    const std::lock_guard lock(verified_mutex_);
    if (verified_.size() >= kVerifiedCap) verified_.clear();
    verified_.emplace(tok, c);
    return c;
}

}  // namespace gp::http
