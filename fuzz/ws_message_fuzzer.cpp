// libFuzzer target for the WebSocket message handler's pure part: every client
// text is parsed, and the reply the connection would send for it must be a valid
// JSON object of bounded size (a reply never echoes much of its input).
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "ws/protocol.hpp"

namespace {

std::string reply_for(const gp::ws::protocol::ClientMessage& m) {
    using gp::ws::protocol::Kind;
    namespace protocol = gp::ws::protocol;
    switch (m.kind) {
        case Kind::Invalid: return protocol::error(m.error);
        case Kind::Ping: return protocol::pong();
        case Kind::Auth: return m.error.empty() ? protocol::auth_success() : protocol::auth_error(m.error);
        case Kind::Subscribe:
            return m.error.empty() ? protocol::subscribed(m.session_id) : protocol::error(m.error);
        case Kind::Unsubscribe:
            return m.error.empty() ? protocol::unsubscribed(m.session_id) : protocol::error(m.error);
    }
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto message = gp::ws::protocol::parse(text);
    const std::string reply = reply_for(message);
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(reply, ec);  // also rejects invalid UTF-8
    if (ec || !v.is_object()) __builtin_trap();
    if (reply.size() > 256) __builtin_trap();
    if ((message.kind == gp::ws::protocol::Kind::Subscribe || message.kind == gp::ws::protocol::Kind::Unsubscribe) &&
        message.error.empty() && message.session_id <= 0)
        __builtin_trap();
    return 0;
}
