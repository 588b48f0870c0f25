#pragma once
// Serves the embedded web app to GET requests outside /api: files by path,
// /overlay -> overlay.html, any other path -> index.html (client-side routing).
// Adds the caching and security headers, gzip when accepted, 304 on a matching ETag.
#include <span>
#include <string_view>
#include <unordered_map>

#include "http/assets.hpp"
#include "http/message.hpp"

namespace gp::http {

class StaticSite {
public:
    explicit StaticSite(std::span<const Asset> assets);
    // For a path the router does not know: the file, the app's page, or the JSON 404.
    Response serve(const Request& req) const;

private:
    const Asset* page_for(std::string_view path) const;
    std::unordered_map<std::string_view, const Asset*> by_path_;
};

}  // namespace gp::http
