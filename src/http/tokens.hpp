#pragma once
// Admin-key login and JWTs: HS256 only, 24 h lifetime, constant-time key check.
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace gp::http {

class TokenService {
public:
    TokenService(std::string admin_key, std::string jwt_secret, long long lifetime_seconds = 24 * 3600);

    bool admin_key_matches(std::string_view key) const;
    std::string issue() const;
    // nullopt for a malformed token, a bad signature, any algorithm but HS256, or an expired token.
    std::optional<Claims> verify(std::string_view token) const;

private:
    std::string admin_key_;
    std::string secret_;
    long long lifetime_;
};

}  // namespace gp::http
