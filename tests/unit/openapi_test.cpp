// docs/openapi.json against the router: every registered route is described, every
// described route is registered, with the router's access rule, and the document holds
// together (path parameters declared, $refs resolve, operation ids unique).
//
// Added a route? Describe it in docs/openapi.json under "paths" -> "<pattern>" -> "<method>"
// (the pattern exactly as passed to Router::add, {params} included): summary, operationId,
// parameters, requestBody, responses with every status it answers, and its security.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include "events/event.hpp"
#include "http/openapi.hpp"
#include "http/routes.hpp"
#include "http/tokens.hpp"
#include "rooms/room_monitors.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_folder.hpp"

namespace json = boost::json;
using gp::http::Access;

namespace {

// Served by the HTTP server itself, before the router: the WebSocket upgrade.
const std::set<std::string> kOutsideRouter = {"GET /api/sessions/live"};
const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

class OpenApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = std::make_unique<gp::store::sqlite::SqliteStore>(dir_.file("t.db"), nullptr,
                                                                  gp::store::sqlite::SqliteStore::Role::Background);
        rooms_ = std::make_unique<gp::rooms::RoomMonitors>(ioc_, *store_, gp::rooms::MonitorOptions{});
        services_ = std::make_unique<gp::http::Services>(gp::http::Services{*store_, tokens_, [] {}, *rooms_});
        gp::http::add_all_routes(router_, *services_);
        doc_ = json::parse(gp::embedded::openapi_json());
        for (const auto& [path, item] : doc_.at("paths").as_object())
            for (const auto& [method, op] : item.as_object())
                if (kMethods.count(std::string(method)))
                    operations_[upper(std::string(method)) + " " + std::string(path)] = &op.as_object();
    }
    void TearDown() override {
        rooms_.reset();
        store_.reset();
    }

    // The component a {"$ref": "#/components/<kind>/<name>"} names, or the value itself.
    const json::value& resolve(const json::value& v) const {
        const auto* o = v.if_object();
        if (!o || !o->contains("$ref")) return v;
        const std::string ref(o->at("$ref").as_string());
        const std::string prefix = "#/components/";
        const auto slash = ref.find('/', prefix.size());
        return doc_.at("components").at(ref.substr(prefix.size(), slash - prefix.size())).at(ref.substr(slash + 1));
    }

    gp::test::TempFolder dir_{"openapi"};
    gp::http::TokenService tokens_{"key", "secret"};
    std::unique_ptr<gp::store::sqlite::SqliteStore> store_;
    boost::asio::io_context ioc_;
    std::unique_ptr<gp::rooms::RoomMonitors> rooms_;
    std::unique_ptr<gp::http::Services> services_;
    gp::http::Router router_{tokens_};
    json::value doc_;
    std::map<std::string, const json::object*> operations_;  // "GET /api/games" -> operation
};

TEST_F(OpenApiTest, IsOpenApi31) {
    EXPECT_EQ(doc_.at("openapi").as_string(), "3.1.0");
    EXPECT_FALSE(doc_.at("info").at("title").as_string().empty());
    EXPECT_TRUE(doc_.at("components").at("securitySchemes").as_object().contains("bearerAuth"));
}

TEST_F(OpenApiTest, EveryRegisteredRouteIsDescribed) {
    const auto routes = router_.routes();
    ASSERT_GT(routes.size(), 40u);
    for (const auto& r : routes) {
        const std::string key = r.method + " " + r.pattern;
        std::string method = r.method;
        for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_TRUE(operations_.count(key))
            << key << " is registered but docs/openapi.json does not describe it: add \"paths\" -> \"" << r.pattern
            << "\" -> \"" << method << "\" with its summary, operationId, parameters, requestBody, responses and security";
    }
}

TEST_F(OpenApiTest, EveryDescribedRouteIsRegistered) {
    std::set<std::string> registered = kOutsideRouter;
    for (const auto& r : router_.routes()) registered.insert(r.method + " " + r.pattern);
    for (const auto& [key, op] : operations_)
        EXPECT_TRUE(registered.count(key)) << "docs/openapi.json describes " << key << ", which no route serves";
}

TEST_F(OpenApiTest, SecurityMatchesTheRoutesAccess) {
    for (const auto& r : router_.routes()) {
        const std::string key = r.method + " " + r.pattern;
        if (!operations_.count(key)) continue;  // reported above
        const json::object& op = *operations_.at(key);
        ASSERT_TRUE(op.contains("security")) << key << ": say who may call it (\"security\": [] when public)";
        const auto& security = op.at("security").as_array();
        bool bearer = false, anonymous = security.empty();
        for (const auto& requirement : security) {
            if (requirement.as_object().empty()) anonymous = true;
            if (requirement.as_object().contains("bearerAuth")) bearer = true;
        }
        const auto& responses = op.at("responses").as_object();
        switch (r.access) {
            case Access::Public:
                EXPECT_TRUE(anonymous && !bearer) << key << " is public: \"security\": []";
                break;
            case Access::Admin:
                EXPECT_TRUE(bearer && !anonymous) << key << " needs the admin token: \"security\": [{\"bearerAuth\": []}]";
                EXPECT_TRUE(responses.contains("401") && responses.contains("403")) << key << ": document 401 and 403";
                break;
            case Access::LoopbackOrAdmin:
                EXPECT_TRUE(bearer && anonymous) << key << " is open on loopback, else admin: [{}, {\"bearerAuth\": []}]";
                EXPECT_TRUE(responses.contains("401") && responses.contains("403")) << key << ": document 401 and 403";
                break;
        }
    }
}

TEST_F(OpenApiTest, OperationsAreComplete) {
    std::set<std::string> ids;
    const std::regex param(R"(\{([^}]+)\})");
    for (const auto& [key, op] : operations_) {
        EXPECT_TRUE(op->contains("summary")) << key;
        ASSERT_TRUE(op->contains("operationId")) << key;
        EXPECT_TRUE(ids.insert(std::string(op->at("operationId").as_string())).second)
            << key << ": operationId " << op->at("operationId") << " used twice";
        ASSERT_TRUE(op->contains("responses")) << key;
        EXPECT_FALSE(op->at("responses").as_object().empty()) << key;
        for (const auto& [status, response] : op->at("responses").as_object()) {
            EXPECT_TRUE(std::regex_match(std::string(status), std::regex("[1-5][0-9][0-9]"))) << key << " " << status;
            EXPECT_TRUE(resolve(response).as_object().contains("description")) << key << " " << status;
        }

        std::set<std::string> declared;
        if (op->contains("parameters"))
            for (const auto& p : op->at("parameters").as_array()) {
                const auto& param_obj = resolve(p).as_object();
                if (param_obj.at("in").as_string() == "path") {
                    declared.insert(std::string(param_obj.at("name").as_string()));
                    EXPECT_TRUE(param_obj.at("required").as_bool()) << key;
                }
            }
        const std::string path = key.substr(key.find(' ') + 1);
        std::set<std::string> in_path;
        for (std::sregex_iterator it(path.begin(), path.end(), param), end; it != end; ++it) in_path.insert((*it)[1]);
        EXPECT_EQ(declared, in_path) << key << ": declare each {param} of the path (and no other) as a path parameter";
    }
}

TEST_F(OpenApiTest, WebhookEventTypesAreTheServers) {
    std::set<std::string> documented, known(std::begin(gp::events::kAllTypes), std::end(gp::events::kAllTypes));
    const auto& events = resolve(doc_.at("components").at("schemas").at("Webhook").at("properties").at("events"));
    for (const auto& t : resolve(events.at("items")).at("enum").as_array()) documented.insert(std::string(t.as_string()));
    EXPECT_EQ(documented, known) << "the event type enum in docs/openapi.json (schemas Webhook, WebhookInput, "
                                    "WebhookPatch, AttemptLog) must list events::kAllTypes";
}

TEST_F(OpenApiTest, EveryRefResolves) {
    std::function<void(const json::value&, const std::string&)> walk = [&](const json::value& v, const std::string& at) {
        if (const auto* o = v.if_object()) {
            if (const auto* ref = o->if_contains("$ref")) {
                EXPECT_NO_THROW(resolve(v)) << at << ": " << *ref;
            }
            for (const auto& [k, child] : *o) walk(child, at + "/" + std::string(k));
        } else if (const auto* a = v.if_array()) {
            for (std::size_t i = 0; i < a->size(); ++i) walk((*a)[i], at + "/" + std::to_string(i));
        }
    };
    walk(doc_, "#");
}

}  // namespace
