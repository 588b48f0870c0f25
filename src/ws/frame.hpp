#pragma once
// WebSocket framing (RFC 6455) of the feed, without any transport: the server's
// frames (unmasked, encoded once and shared by every recipient) and an incremental
// reader of a client's frames (masked) that reassembles messages and validates
// everything a server must (masking, reserved bits, opcodes, control frame rules,
// lengths, UTF-8 of text and close reasons, close codes).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gp::ws::frame {

enum class Opcode : std::uint8_t { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA };

// Close codes the feed sends (RFC 6455 section 7.4).
enum CloseCode : std::uint16_t {
    kNormal = 1000,
    kGoingAway = 1001,
    kProtocolError = 1002,
    kInvalidPayload = 1007,  // text that is not UTF-8
    kPolicyViolation = 1008,
    kTooBig = 1009,
    kInternalError = 1011,
    kTryAgainLater = 1013,
};

inline constexpr std::size_t kMaxHeaderBytes = 14;
inline constexpr std::size_t kMaxControlPayload = 125;

// One complete server frame (FIN set, not masked): header and payload.
std::string encode(Opcode opcode, std::string_view payload);
// A close frame with its code and reason (cut to fit a control frame, between characters).
std::string encode_close(std::uint16_t code, std::string_view reason);

// What the reader found at the front of its input.
struct Event {
    enum Kind {
        None,     // nothing complete yet (or a fragment that does not end its message)
        Message,  // a whole text or binary message: payload
        Ping,     // payload: to be echoed in a pong
        Pong,
        Close,    // the client's close frame: code (0 = none given) and reason
        Fail,     // a protocol violation: close with `code`; read nothing more
    };
    Kind kind = None;
    std::string_view payload;  // into the caller's buffer or the reader: valid until the next call to next()
    std::uint16_t code = 0;
};

// Reads a client's frames. Payloads are unmasked in place in the caller's buffer;
// a fragmented message is gathered in the reader (bounded by max_message).
class Reader {
public:
    explicit Reader(std::size_t max_message) : max_message_(max_message) {}

    struct Step {
        Event event;
        std::size_t consumed = 0;  // bytes of the input used; 0 with Event::None: need more
    };
    // Looks at the front of `data` (the bytes not consumed so far).
    Step next(std::span<char> data);

private:
    Step fail(std::uint16_t code) const { return {{Event::Fail, {}, code}, 0}; }

    std::size_t max_message_;
    std::string fragments_;  // the message being reassembled from fragments
    bool in_message_ = false;
    bool binary_ = false;
};

}  // namespace gp::ws::frame
