#include "http/static_site.hpp"

#include <algorithm>
#include <cctype>

namespace gp::http {

namespace {

// No inline script or style anywhere in the app; the live feed is same-origin.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

bool is_api_path(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// True when the Accept-Encoding header lists gzip (any case) or * without q=0.
bool accepts_gzip(std::string_view header) {
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        const auto semi = item.find(';');
        std::string_view coding = item.substr(0, semi);
        while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
        while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
        if (!iequals(coding, "gzip") && coding != "*") continue;
        std::string_view params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
        const auto q = params.find("q=");
        if (q == std::string_view::npos) return true;
        std::string_view weight = params.substr(q + 2);
        weight = weight.substr(0, weight.find_first_of(" ;"));
        return weight.find_first_not_of("0.") != std::string_view::npos;  // q=0, q=0.000: refused
    }
    return false;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    return if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos;
}

}  // namespace

StaticSite::StaticSite(std::span<const Asset> assets) {
    for (const auto& a : assets) by_path_.emplace(a.path, &a);
}

const Asset* StaticSite::page_for(std::string_view path) const {
    if (auto it = by_path_.find(path); it != by_path_.end() && path != "/") return it->second;
    // A missing file (a stale hashed name) is a 404, not the app.
    if (path.starts_with("/assets/")) return nullptr;
    const bool overlay = path == "/overlay" || path.starts_with("/overlay/");
    auto it = by_path_.find(overlay ? "/overlay.html" : "/index.html");
    return it == by_path_.end() ? nullptr : it->second;
}

Response StaticSite::serve(const Request& req) const {
    if (is_api_path(req.path) || req.method != "GET")
        return Response::error(404, "Not found: " + req.method + " " + req.path);
    const Asset* asset = page_for(req.path);
    if (!asset) return Response::error(404, "Not found: " + req.method + " " + req.path);

    Response res;
    res.content_type = std::string(asset->content_type);
    res.headers = {
        {"Cache-Control", asset->immutable ? "public, max-age=31536000, immutable" : "no-cache"},
        {"ETag", std::string(asset->etag)},
        {"Vary", "Accept-Encoding"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
    };
    if (etag_matches(req.if_none_match, asset->etag)) {
        res.status = 304;
        return res;
    }
    const bool gzip = !asset->gzip.empty() && accepts_gzip(req.accept_encoding);
    if (gzip) res.headers.emplace_back("Content-Encoding", "gzip");
    res.kept_body = gzip ? asset->gzip : asset->body;
    return res;
}

}  // namespace gp::http
