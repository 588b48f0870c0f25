#include "http/request_parsing.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/url/parse.hpp>

#include <string>
#include <vector>

namespace gp::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

RequestParser::RequestParser(std::size_t body_limit)
    : count_extensions_([this](std::uint64_t, std::string_view extensions, beast::error_code& ec) {
          extension_bytes_ += extensions.size();
          if (extension_bytes_ > kMaxExtensionBytes) ec = bhttp::error::bad_chunk_extension;
      }) {
    parser_.body_limit(body_limit);
    parser_.header_limit(kHeaderLimit);
    parser_.on_chunk_header(count_extensions_);
}

std::optional<Response> framing_error(const BeastRequest& m) {
    const auto encodings = m.equal_range(bhttp::field::transfer_encoding);
    if (encodings.first == encodings.second) return std::nullopt;  // Beast refuses differing Content-Lengths
    std::vector<std::string_view> codings;
    for (auto it = encodings.first; it != encodings.second; ++it)
        for (auto coding : bhttp::token_list{it->value()}) codings.push_back(coding);
    if (m.count(bhttp::field::content_length) != 0)
        return Response::error(400, "Content-Length and Transfer-Encoding together");
    if (m.version() < 11) return Response::error(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (codings.empty() || !beast::iequals(codings.back(), "chunked"))
        return Response::error(400, "Transfer-Encoding must end with chunked");
    if (codings.size() > 1)
        return Response::error(501, "Unsupported transfer coding: " + std::string(codings.front()) +
                                        " (only chunked is accepted)");
    return std::nullopt;
}

bool valid_websocket_key(std::string_view key) {
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (key.size() != 24 || key.substr(22) != "==") return false;
    if (key.substr(0, 22).find_first_not_of(alphabet) != std::string_view::npos) return false;
    // The last character before the padding carries 2 bits of the 16th byte; its other 4 are zero.
    return alphabet.find(key[21]) % 16 == 0;
}

std::optional<Request> to_request(BeastRequest& m) {
    auto target = boost::urls::parse_origin_form(m.target());
    if (!target) return std::nullopt;
    Request req;
    req.method = std::string(m.method_string());
    req.path = target->path();
    for (auto param : target->params()) req.query.emplace_back(param.key, param.value);
    req.authorization = std::string(m[bhttp::field::authorization]);
    req.content_type = std::string(m[bhttp::field::content_type]);
    req.accept_encoding = std::string(m[bhttp::field::accept_encoding]);
    req.if_none_match = std::string(m[bhttp::field::if_none_match]);
    req.body = std::move(m.body());
    return req;
}

}  // namespace gp::http
