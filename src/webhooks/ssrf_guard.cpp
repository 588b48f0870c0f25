#include "webhooks/ssrf_guard.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace gp::webhooks {

namespace {

struct V4Range {
    std::uint32_t base;
    int prefix;
    const char* kind;
};

constexpr std::uint32_t v4(int a, int b, int c, int d) {
    return (std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) | std::uint32_t(d);
}

constexpr V4Range kV4Forbidden[] = {
    {v4(0, 0, 0, 0), 8, "unspecified"},  // "this network"; 0.0.0.0 reaches the local host
    {v4(10, 0, 0, 0), 8, "private"},
    {v4(100, 64, 0, 0), 10, "shared (carrier-grade NAT)"},
    {v4(127, 0, 0, 0), 8, "loopback"},
    {v4(169, 254, 0, 0), 16, "link-local"},
    {v4(172, 16, 0, 0), 12, "private"},
    {v4(192, 0, 0, 0), 24, "reserved (IETF protocol assignments)"},
    {v4(192, 168, 0, 0), 16, "private"},
    {v4(198, 18, 0, 0), 15, "reserved (benchmarking)"},
    {v4(224, 0, 0, 0), 4, "multicast"},
    {v4(240, 0, 0, 0), 4, "reserved"},  // includes 255.255.255.255 broadcast
};

std::optional<std::string> v4_kind(std::uint32_t a) {
    for (const auto& r : kV4Forbidden) {
        const std::uint32_t mask = ~std::uint32_t(0) << (32 - r.prefix);
        if ((a & mask) == r.base) return r.kind;
    }
    return std::nullopt;
}

std::optional<std::string> v6_kind(const std::array<std::uint8_t, 16>& b) {
    auto prefix_is = [&](std::initializer_list<std::uint8_t> bytes) {
        return std::equal(bytes.begin(), bytes.end(), b.begin());
    };
    auto embedded_v4 = [&] { return v4(b[12], b[13], b[14], b[15]); };
    const bool first_80_zero = std::all_of(b.begin(), b.begin() + 10, [](auto x) { return x == 0; });
    if (first_80_zero && b[10] == 0xff && b[11] == 0xff) return v4_kind(embedded_v4());  // ::ffff:a.b.c.d
    if (first_80_zero && b[10] == 0 && b[11] == 0) {
        if (std::all_of(b.begin() + 12, b.begin() + 15, [](auto x) { return x == 0; })) {
            if (b[15] == 0) return "unspecified";  // ::
            if (b[15] == 1) return "loopback";     // ::1
        }
        return v4_kind(embedded_v4());  // deprecated IPv4-compatible ::a.b.c.d
    }
    if (prefix_is({0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return v4_kind(embedded_v4());  // NAT64
    if ((b[0] & 0xfe) == 0xfc) return "private";                                                      // fc00::/7
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";                                   // fe80::/10
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "private";  // fec0::/10, deprecated site-local
    if (b[0] == 0xff) return "multicast";                         // ff00::/8
    return std::nullopt;
}

}  // namespace

std::optional<std::string> forbidden_address_kind(const sockaddr* addr) {
    if (addr->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof in);
        return v4_kind(ntohl(in.sin_addr.s_addr));
    }
    if (addr->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof in6);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
        return v6_kind(bytes);
    }
    return "non-IP";
}

std::string address_text(const sockaddr* addr) {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (addr->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof in);
        inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
    } else if (addr->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof in6);
        inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf);
    }
    return buf;
}

}  // namespace gp::webhooks
