#pragma once
// Reading one HTTP request off the wire, apart from the socket: Beast's parser
// with our limits, the framing rules, and the conversion to the transport-neutral
// Request. Included only by http/server.cpp and the request fuzzer (it pulls in Beast).
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "http/message.hpp"

namespace gp::http {

inline constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// The read buffer's bound. What stays buffered is at most a header, a chunk-size
// line with its extensions, or a trailer section (body bytes move on into the body
// at once), so this bounds all three; the header is caught by kHeaderLimit first.
inline constexpr std::size_t kMaxBuffered = 2 * kHeaderLimit;
// All chunk extensions of one request together (they are parsed and dropped).
inline constexpr std::size_t kMaxExtensionBytes = 4 * 1024;

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// One request's parser. Not movable: the chunk-extension counter points into it.
class RequestParser {
public:
    explicit RequestParser(std::size_t body_limit);
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    boost::beast::http::request_parser<boost::beast::http::string_body>& beast() { return parser_; }
    // The parse failed because the chunk extensions outgrew kMaxExtensionBytes.
    bool extensions_too_large() const { return extension_bytes_ > kMaxExtensionBytes; }

private:
    std::size_t extension_bytes_ = 0;
    std::function<void(std::uint64_t, std::string_view, boost::beast::error_code&)> count_extensions_;
    boost::beast::http::request_parser<boost::beast::http::string_body> parser_;
};

// RFC 9112 §6: a request framed in a way we cannot read exactly is refused, or its
// body would be parsed as the next request (request smuggling). Checked once the
// header is read.
std::optional<Response> framing_error(const BeastRequest& m);

// RFC 6455 §4.2.1: 16 bytes in base64, i.e. 24 characters ending in "==".
bool valid_websocket_key(std::string_view key);

// Method, decoded path and query, the headers handlers use, and the body (moved
// out of `m`); nullopt when the target is not a valid origin-form.
std::optional<Request> to_request(BeastRequest& m);

}  // namespace gp::http
