#pragma once
// A response's status line and header fields as they go on the wire, formatted into one
// string that the connection writes with the body. Beast's serializer walks a view of a
// dozen small buffers for every response: callgrind counted that walk at as many
// instructions as the pick it answered.
#include <string>

#include "http/message.hpp"

namespace gp::http {

// Whether a response with this status carries a body: not 1xx, 204 or 304 (RFC 9110 §6.4.1).
bool status_allows_body(int status);

// Replaces `out` with the head of `res`: the status line, Content-Type, res.headers in their
// order, Connection where `version` does not imply `keep_alive` (close on HTTP/1.1, keep-alive
// on HTTP/1.0) and Content-Length (of res.payload()) where the status allows a body.
void format_response_head(std::string& out, const Response& res, unsigned version, bool keep_alive);

}  // namespace gp::http
