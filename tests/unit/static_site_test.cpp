#include <gtest/gtest.h>

#include <array>

#include "http/static_site.hpp"

using namespace gp::http;

namespace {

const std::array<Asset, 3> kAssets{{
    {"/index.html", "text/html; charset=utf-8", "\"i1\"", "<app>", "", false},
    {"/overlay.html", "text/html; charset=utf-8", "\"o1\"", "<overlay>", "", false},
    {"/assets/app-X1.js", "text/javascript; charset=utf-8", "\"a1\"", "plain js", "gz js", true},
}};

Response get(const StaticSite& site, std::string path, std::string accept_encoding = "", std::string etag = "") {
    Request req;
    req.method = "GET";
    req.path = std::move(path);
    req.accept_encoding = std::move(accept_encoding);
    req.if_none_match = std::move(etag);
    return site.serve(req);
}

std::string header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

}  // namespace

TEST(StaticSite, ClientSideRoutesGetTheAppAndTheOverlayItsPage) {
    const StaticSite site(kAssets);
    for (const char* path : {"/", "/picker", "/sessions/3", "/index.html"}) EXPECT_EQ(get(site, path).payload(), "<app>") << path;
    EXPECT_EQ(get(site, "/overlay").payload(), "<overlay>");
    EXPECT_EQ(get(site, "/overlay/").payload(), "<overlay>");
    EXPECT_EQ(get(site, "/overlays").payload(), "<app>");
    EXPECT_EQ(header(get(site, "/"), "Cache-Control"), "no-cache");
}

TEST(StaticSite, ApiPathsMissingAssetsAndOtherMethodsAreJson404s) {
    const StaticSite site(kAssets);
    for (const char* path : {"/api", "/api/nope", "/assets/app-OLD.js"}) {
        const auto r = get(site, path);
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_EQ(r.content_type, "application/json");
    }
    Request post;
    post.method = "POST";
    post.path = "/picker";
    EXPECT_EQ(site.serve(post).status, 404);
}

TEST(StaticSite, GzipOnlyWhenAcceptedWithANonZeroWeight) {
    const StaticSite site(kAssets);
    EXPECT_EQ(get(site, "/assets/app-X1.js").payload(), "plain js");
    EXPECT_EQ(header(get(site, "/assets/app-X1.js"), "Cache-Control"), "public, max-age=31536000, immutable");
    for (const char* accepted : {"gzip", "br, gzip;q=0.5", "deflate , GZIP", "*", "gzip;q=1.0"}) {
        const auto r = get(site, "/assets/app-X1.js", accepted);
        EXPECT_EQ(r.payload(), "gz js") << accepted;
        EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
    }
    for (const char* refused : {"br", "gzip;q=0", "gzip; q=0.000", "identity"})
        EXPECT_EQ(get(site, "/assets/app-X1.js", refused).payload(), "plain js") << refused;
    // No gzip variant (it would not be smaller): always the plain bytes.
    EXPECT_EQ(get(site, "/", "gzip").payload(), "<app>");
}

TEST(StaticSite, MatchingEtagAnswers304WithoutBody) {
    const StaticSite site(kAssets);
    const auto r = get(site, "/assets/app-X1.js", "gzip", "\"a1\"");
    EXPECT_EQ(r.status, 304);
    EXPECT_TRUE(r.payload().empty());
    EXPECT_EQ(header(r, "ETag"), "\"a1\"");
    EXPECT_EQ(get(site, "/assets/app-X1.js", "", "\"other\"").status, 200);
}
