// libFuzzer target for the HTTP request path: bytes as they arrive on a connection
// go through the parser with the server's limits and bounded buffer, the framing
// rules, the conversion to a Request and the Router with every API route on a real
// SQLite store, and the embedded web app behind them. "Bearer admin" in the input stands for a valid admin token, so the
// admin routes are reached too.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "events/bus.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/static_site.hpp"
#include "http/tokens.hpp"
#include "rooms/room_monitors.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

namespace bhttp = boost::beast::http;
using namespace gp;

rooms::MonitorOptions room_options() {
    rooms::MonitorOptions o;
    o.ecast_url = "http://127.0.0.1:9";  // never reached; no name to resolve either
    return o;
}

struct Api {
    Api()
        : db_path(std::filesystem::temp_directory_path() / ("gamepicker-fuzz-" + std::to_string(getpid()) + ".db")),
          store(db_path.string(), &bus, store::sqlite::SqliteStore::Role::Background),
          rooms(ioc, store, room_options()),
          tokens("fuzz-admin-key", "fuzz-jwt-secret-0123456789abcdef"),
          router(tokens),
          services{store, tokens, [] {}, rooms},
          site(http::embedded_assets()),
          admin_token(tokens.issue()) {
        http::add_all_routes(router, services);
        router.set_fallback([this](http::Request& req) { return site.serve(req); });
        http::Request seed;
        seed.method = "POST";
        seed.path = "/api/games/import/csv";
        seed.authorization = "Bearer " + admin_token;
        seed.content_type = "text/csv";
        seed.body =
            "pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,game_type,"
            "secondary_type\nParty Pack 1,Quiplash,3,8,15,1,0,Writing,\nParty Pack 2,Bidiots,3,6,20,1,1,Drawing,\n";
        router.dispatch(seed);
    }
    ~Api() {
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path.string() + suffix, ignored);
    }

    std::filesystem::path db_path;
    events::Bus bus;
    store::sqlite::SqliteStore store;
    // Room monitors are created by the routes but never run: this loop is never run.
    boost::asio::io_context ioc;
    rooms::RoomMonitors rooms;
    http::TokenService tokens;
    http::Router router;
    http::Services services;
    http::StaticSite site;
    std::string admin_token;
};

void handle(Api& api, http::BeastRequest& message) {
    auto req = http::to_request(message);
    if (!req) return;
    if (req->path == "/api/sessions/live") {  // the server checks the key, then hands over to the hub
        (void)http::valid_websocket_key(message[bhttp::field::sec_websocket_key]);
        return;
    }
    if (req->authorization == "Bearer admin") req->authorization = "Bearer " + api.admin_token;
    const http::Response res = api.router.dispatch(*req);
    if (res.status < 100 || res.status > 599) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Api api;
    const char* input = reinterpret_cast<const char*>(data);
    boost::beast::flat_buffer buffer{http::kMaxBuffered};
    std::size_t offset = 0;
    // Pipelined requests, one parser each, until the input ends or one is refused.
    while (true) {
        http::RequestParser parser(64 * 1024);
        bool framing_checked = false;
        for (;;) {
            const std::size_t room = buffer.max_size() - buffer.size();
            const std::size_t n = std::min(room, size - offset);
            if (n > 0) {
                auto space = buffer.prepare(n);
                std::memcpy(space.data(), input + offset, n);
                buffer.commit(n);
                offset += n;
            }
            boost::beast::error_code ec;
            const std::size_t used = parser.beast().put(buffer.data(), ec);
            buffer.consume(used);
            if (ec == bhttp::error::need_more) {
                if (offset == size || buffer.size() == buffer.max_size()) return 0;  // incomplete, or overflow: 413
                continue;
            }
            if (ec) return 0;  // refused with 400/413/431
            if (parser.beast().is_header_done() && !framing_checked) {
                framing_checked = true;
                if (http::framing_error(parser.beast().get())) return 0;
            }
            if (parser.beast().is_done()) break;
            if (used == 0 && n == 0) return 0;
        }
        auto message = parser.beast().release();
        handle(api, message);
        if (!message.keep_alive() || (offset == size && buffer.size() == 0)) return 0;
    }
}
