#pragma once
// The SSRF guard: which resolved addresses a webhook may not connect to. The
// delivery engine asks it for every socket libcurl opens (CURLOPT_OPENSOCKETFUNCTION),
// so the check applies to the address actually connected to, after DNS: a name
// that resolves (or re-resolves) to an internal address is refused too.
#include <optional>
#include <string>

struct sockaddr;

namespace gp::webhooks {

// Why `addr` is off limits ("loopback", "private", "link-local", ...), or nullopt
// for a public unicast address. IPv4-mapped, IPv4-compatible and NAT64 IPv6
// addresses are judged by the IPv4 address they carry. Other families are refused.
std::optional<std::string> forbidden_address_kind(const sockaddr* addr);

// The address as text, e.g. "127.0.0.1" or "::1" (for log messages).
std::string address_text(const sockaddr* addr);

}  // namespace gp::webhooks
