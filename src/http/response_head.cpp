#include "http/response_head.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace gp::http {

namespace {

void append_number(std::string& out, std::size_t n) {
    char digits[20];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

}  // namespace

bool status_allows_body(int status) { return status >= 200 && status != 204 && status != 304; }

void format_response_head(std::string& out, const Response& res, unsigned version, bool keep_alive) {
    out.clear();
    out += "HTTP/";
    out += static_cast<char>('0' + version / 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
    out += ' ';
    append_number(out, static_cast<std::size_t>(res.status));
    out += ' ';
    out += boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(res.status));
    out += "\r\n";
    append_field(out, "Content-Type", res.content_type);
    for (const auto& [name, value] : res.headers) append_field(out, name, value);
    if (version >= 11 && !keep_alive) append_field(out, "Connection", "close");
    if (version < 11 && keep_alive) append_field(out, "Connection", "keep-alive");
    if (status_allows_body(res.status)) {
        out += "Content-Length: ";
        append_number(out, res.payload().size());
        out += "\r\n";
    }
    out += "\r\n";
}

}  // namespace gp::http
