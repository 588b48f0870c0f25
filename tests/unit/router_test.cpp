// Router::answer_from_memory: what the event loop answers itself in front of the request
// workers. A route's memory answer is used only when it has one, after the same access check
// as dispatch(), and a memory answer that declines or throws leaves the request to dispatch().
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "http/router.hpp"
#include "http/tokens.hpp"

using gp::http::Access;
using gp::http::Request;
using gp::http::Response;
using gp::http::Router;

namespace {

Request get(std::string path, std::string authorization = "") {
    Request req;
    req.method = "GET";
    req.path = std::move(path);
    req.authorization = std::move(authorization);
    req.remote_address = "192.0.2.1";
    return req;
}

class RouterMemoryTest : public ::testing::Test {
protected:
    RouterMemoryTest() {
        auto from_db = [](Request&) { return Response::text(200, "text/plain", "database"); };
        router_.add("GET", "/plain", Access::Public, from_db);
        router_.add("GET", "/cached/{id}", Access::Public, from_db, [](Request& req) -> std::optional<Response> {
            if (req.params.at(0) == "miss") return std::nullopt;
            if (req.params.at(0) == "bad") throw std::invalid_argument("bad id");
            return Response::text(200, "text/plain", "memory " + req.params.at(0));
        });
        router_.add("GET", "/admin", Access::Admin, from_db,
                    [](Request&) -> std::optional<Response> { return Response::text(200, "text/plain", "memory"); });
    }

    gp::http::TokenService tokens_{"key", "secret-0123456789abcdef"};
    Router router_{tokens_};
};

TEST_F(RouterMemoryTest, AHitIsAnsweredWithTheRoutesParameters) {
    auto req = get("/cached/7");
    auto res = router_.answer_from_memory(req);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "memory 7");
}

TEST_F(RouterMemoryTest, AMissAFailureOrARouteWithoutOneGoToDispatch) {
    for (const char* path : {"/cached/miss", "/cached/bad", "/plain", "/nowhere"}) {
        auto req = get(path);
        EXPECT_FALSE(router_.answer_from_memory(req)) << path;
    }
    auto req = get("/cached/miss");
    EXPECT_EQ(router_.dispatch(req).body, "database");
}

TEST_F(RouterMemoryTest, TheAccessCheckComesFirst) {
    auto anonymous = get("/admin");
    auto refused = router_.answer_from_memory(anonymous);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    auto forged = get("/admin", "Bearer not-a-token");
    EXPECT_EQ(router_.answer_from_memory(forged)->status, 403);
    auto admin = get("/admin", "Bearer " + tokens_.issue());
    EXPECT_EQ(router_.answer_from_memory(admin)->body, "memory");
}

}  // namespace
