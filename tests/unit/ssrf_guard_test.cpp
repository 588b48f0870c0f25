#include "webhooks/ssrf_guard.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <optional>
#include <string>

using gp::webhooks::address_text;
using gp::webhooks::forbidden_address_kind;

namespace {

// The guard's verdict on a textual IPv4 or IPv6 address.
std::optional<std::string> kind_of(const std::string& text) {
    sockaddr_storage storage{};
    if (text.find(':') == std::string::npos) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        EXPECT_EQ(inet_pton(AF_INET, text.c_str(), &in->sin_addr), 1) << text;
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr), 1) << text;
    }
    return forbidden_address_kind(reinterpret_cast<const sockaddr*>(&storage));
}

}  // namespace

TEST(SsrfGuard, RefusesInternalIpv4) {
    EXPECT_EQ(kind_of("127.0.0.1"), "loopback");
    EXPECT_EQ(kind_of("127.255.255.254"), "loopback");
    EXPECT_EQ(kind_of("10.1.2.3"), "private");
    EXPECT_EQ(kind_of("172.16.0.1"), "private");
    EXPECT_EQ(kind_of("172.31.255.255"), "private");
    EXPECT_EQ(kind_of("192.168.1.1"), "private");
    EXPECT_EQ(kind_of("169.254.169.254"), "link-local");  // cloud metadata endpoint
    EXPECT_EQ(kind_of("100.64.0.1"), "shared (carrier-grade NAT)");
    EXPECT_EQ(kind_of("0.0.0.0"), "unspecified");
    EXPECT_EQ(kind_of("224.0.0.1"), "multicast");
    EXPECT_EQ(kind_of("255.255.255.255"), "reserved");
}

TEST(SsrfGuard, AllowsPublicIpv4AtRangeEdges) {
    EXPECT_EQ(kind_of("8.8.8.8"), std::nullopt);
    EXPECT_EQ(kind_of("172.15.255.255"), std::nullopt);
    EXPECT_EQ(kind_of("172.32.0.0"), std::nullopt);
    EXPECT_EQ(kind_of("100.63.255.255"), std::nullopt);
    EXPECT_EQ(kind_of("100.128.0.0"), std::nullopt);
    EXPECT_EQ(kind_of("11.0.0.1"), std::nullopt);
    EXPECT_EQ(kind_of("223.255.255.255"), std::nullopt);
}

TEST(SsrfGuard, RefusesInternalIpv6) {
    EXPECT_EQ(kind_of("::1"), "loopback");
    EXPECT_EQ(kind_of("::"), "unspecified");
    EXPECT_EQ(kind_of("fc00::1"), "private");
    EXPECT_EQ(kind_of("fd12:3456::1"), "private");
    EXPECT_EQ(kind_of("fe80::1"), "link-local");
    EXPECT_EQ(kind_of("febf::1"), "link-local");
    EXPECT_EQ(kind_of("ff02::1"), "multicast");
}

TEST(SsrfGuard, JudgesIpv6CarryingIpv4ByTheIpv4Address) {
    EXPECT_EQ(kind_of("::ffff:127.0.0.1"), "loopback");
    EXPECT_EQ(kind_of("::ffff:10.0.0.1"), "private");
    EXPECT_EQ(kind_of("::ffff:169.254.169.254"), "link-local");
    EXPECT_EQ(kind_of("::127.0.0.1"), "loopback");
    EXPECT_EQ(kind_of("64:ff9b::192.168.0.1"), "private");
    EXPECT_EQ(kind_of("::ffff:8.8.8.8"), std::nullopt);
    EXPECT_EQ(kind_of("64:ff9b::8.8.8.8"), std::nullopt);
}

TEST(SsrfGuard, AllowsPublicIpv6) {
    EXPECT_EQ(kind_of("2001:4860:4860::8888"), std::nullopt);
    EXPECT_EQ(kind_of("2a00:1450::1"), std::nullopt);
}

TEST(SsrfGuard, RefusesOtherAddressFamilies) {
    sockaddr_storage storage{};
    storage.ss_family = AF_UNIX;
    EXPECT_TRUE(forbidden_address_kind(reinterpret_cast<const sockaddr*>(&storage)).has_value());
}

TEST(SsrfGuard, FormatsAddresses) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.0.7", &in.sin_addr);
    EXPECT_EQ(address_text(reinterpret_cast<const sockaddr*>(&in)), "10.0.0.7");
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
    EXPECT_EQ(address_text(reinterpret_cast<const sockaddr*>(&in6)), "::ffff:127.0.0.1");
}
