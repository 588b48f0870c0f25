#pragma once
// Admin-key login and JWTs: HS256 only, 24 h lifetime, constant-time key check.
// Feed tokens (role "feed") open the live feed only: the WebSocket accepts them,
// every admin route refuses them.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/message.hpp"

namespace gp::http {

class TokenService {
public:
    TokenService(std::string admin_key, std::string jwt_secret, long long lifetime_seconds = 24 * 3600);

    bool admin_key_matches(std::string_view key) const;
    std::string issue() const;
    std::string issue_feed(long long ttl_seconds) const;
    // nullopt for a malformed token, a bad signature, any algorithm but HS256, an expired
    // token or a role other than admin and feed (Claims::role says which).
    std::optional<Claims> verify(std::string_view token) const;

private:
    std::string sign(const char* role, long long ttl_seconds) const;

    std::string admin_key_;
    std::string secret_;
    long long lifetime_;
    // Tokens verified already, by their text (any thread): clients send the same token with
    // every request, and decoding one (base64, two JSON documents, an HMAC through OpenSSL's
    // providers) took about 20 us of the event loop per request. The expiry is checked at each
    // use; only tokens that passed are kept, at most kVerifiedCap (then the map starts over).
    static constexpr std::size_t kVerifiedCap = 1024;
    mutable std::mutex verified_mutex_;
    mutable std::unordered_map<std::string, Claims> verified_;
};

}  // namespace gp::http
