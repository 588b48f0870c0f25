// libFuzzer target for the WebSocket feed's pure parts: the input is read as a
// client's frame stream (ws/frame: unmasking, reassembly, validation) and, whole, as
// one message. Every client text is parsed, and the reply the connection would send
// for it must be a valid JSON object of bounded size (a reply never echoes much of
// its input). The frame reader never reads past its input, never hands out a
// message past its limit or a close reason that is not UTF-8, and fails only with the
// codes the feed documents.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/text.hpp"
#include "ws/frame.hpp"
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

void check_message(std::string_view text) {
    const auto message = gp::ws::protocol::parse(text);
    const std::string reply = reply_for(message);
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(reply, ec);  // also rejects invalid UTF-8
    if (ec || !v.is_object()) __builtin_trap();
    if (reply.size() > 256) __builtin_trap();
    if ((message.kind == gp::ws::protocol::Kind::Subscribe || message.kind == gp::ws::protocol::Kind::Unsubscribe) &&
        message.error.empty() && message.session_id <= 0)
        __builtin_trap();
}

void check_frames(std::string bytes) {
    namespace frame = gp::ws::frame;
    constexpr std::size_t kMaxMessage = 4096;
    frame::Reader reader(kMaxMessage);
    std::size_t used = 0;
    for (;;) {
        const auto step = reader.next({bytes.data() + used, bytes.size() - used});
        if (step.consumed > bytes.size() - used) __builtin_trap();
        used += step.consumed;
        const auto& e = step.event;
        switch (e.kind) {
            case frame::Event::None:
                if (step.consumed == 0) return;
                break;
            case frame::Event::Fail:
                if (e.code != frame::kProtocolError && e.code != frame::kInvalidPayload && e.code != frame::kTooBig)
                    __builtin_trap();
                return;
            case frame::Event::Message:
                if (e.payload.size() > kMaxMessage) __builtin_trap();
                check_message(e.payload);
                break;
            case frame::Event::Ping:
            case frame::Event::Pong:
                if (e.payload.size() > frame::kMaxControlPayload) __builtin_trap();
                break;
            case frame::Event::Close:
                if (gp::domain::invalid_utf8_at(e.payload) != std::string_view::npos) __builtin_trap();
                break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_message(input);
    check_frames(std::string(input));
    return 0;
}
