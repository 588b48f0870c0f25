#pragma once
// The web app's built files, embedded in the binary. The table is generated at
// build time by web/build.mjs (from esbuild's output); the server knows only this.
#include <span>
#include <string_view>

namespace gp::http {

struct Asset {
    std::string_view path;          // "/index.html", "/assets/app-3FZ2.js"
    std::string_view content_type;
    std::string_view etag;          // quoted, from the content hash
    std::string_view body;
    std::string_view gzip;          // empty when compression would not shrink it
    bool immutable;                 // content-hashed name: cache for a year
};

std::span<const Asset> embedded_assets();

}  // namespace gp::http
