#include "ws/frame.hpp"

#include <algorithm>

#include "domain/text.hpp"

namespace gp::ws::frame {

namespace {

constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kReserved = 0x70;  // RSV1-3: no extension is negotiated
constexpr std::uint8_t kMask = 0x80;

bool is_control(std::uint8_t opcode) { return opcode & 0x8; }

bool known_opcode(std::uint8_t opcode) {
    switch (static_cast<Opcode>(opcode)) {
        case Opcode::Continuation:
        case Opcode::Text:
        case Opcode::Binary:
        case Opcode::Close:
        case Opcode::Ping:
        case Opcode::Pong: return true;
    }
    return false;
}

// The codes a peer may send in a close frame (RFC 6455 7.4.1 and IANA's registry;
// 3000-4999 are for applications).
bool valid_close_code(std::uint16_t code) {
    if (code >= 3000 && code <= 4999) return true;
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

bool valid_utf8(std::string_view s) { return domain::invalid_utf8_at(s) == std::string_view::npos; }

void append_header(std::string& out, Opcode opcode, std::size_t size) {
    out.push_back(static_cast<char>(kFin | static_cast<std::uint8_t>(opcode)));
    if (size < 126) {
        out.push_back(static_cast<char>(size));
    } else if (size <= 0xFFFF) {
        out.push_back(126);
        out.push_back(static_cast<char>(size >> 8));
        out.push_back(static_cast<char>(size & 0xFF));
    } else {
        out.push_back(127);
        for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((std::uint64_t{size} >> shift) & 0xFF));
    }
}

}  // namespace

std::string encode(Opcode opcode, std::string_view payload) {
    std::string out;
    out.reserve(kMaxHeaderBytes + payload.size());
    append_header(out, opcode, payload.size());
    out.append(payload);
    return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
    std::size_t keep = std::min(reason.size(), kMaxControlPayload - 2);
    while (keep > 0 && keep < reason.size() && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    payload.append(reason.substr(0, keep));
    return encode(Opcode::Close, payload);
}

Reader::Step Reader::next(std::span<char> data) {
    if (!in_message_ && !fragments_.empty()) {
        // The last reassembled message was handled: idle connections keep no buffer.
        fragments_.clear();
        fragments_.shrink_to_fit();
    }
    if (data.size() < 2) return {};
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    const bool fin = p[0] & kFin;
    const std::uint8_t opcode = p[0] & 0x0F;
    if ((p[0] & kReserved) || !known_opcode(opcode) || !(p[1] & kMask)) return fail(kProtocolError);
    if (is_control(opcode) && (!fin || (p[1] & 0x7F) > kMaxControlPayload)) return fail(kProtocolError);

    std::size_t header = 2;
    std::uint64_t length = p[1] & 0x7F;
    if (length == 126) {
        if (data.size() < 4) return {};
        length = (std::uint64_t{p[2]} << 8) | p[3];
        if (length < 126) return fail(kProtocolError);  // not the shortest encoding
        header = 4;
    } else if (length == 127) {
        if (data.size() < 10) return {};
        length = 0;
        for (int i = 2; i < 10; ++i) length = (length << 8) | p[i];
        if (length <= 0xFFFF || (length >> 63)) return fail(kProtocolError);
        header = 10;
    }
    // Refused before its payload arrives, so nothing past the limit is ever buffered.
    if (!is_control(opcode) && length > max_message_ - std::min(max_message_, fragments_.size()))
        return fail(kTooBig);
    header += 4;  // the masking key
    if (data.size() < header || data.size() - header < length) return {};

    char* payload = data.data() + header;
    const char* key = payload - 4;
    for (std::size_t i = 0; i < length; ++i) payload[i] = static_cast<char>(payload[i] ^ key[i & 3]);
    const std::string_view body(payload, static_cast<std::size_t>(length));
    const std::size_t consumed = header + static_cast<std::size_t>(length);

    switch (static_cast<Opcode>(opcode)) {
        case Opcode::Ping: return {{Event::Ping, body}, consumed};
        case Opcode::Pong: return {{Event::Pong, body}, consumed};
        case Opcode::Close: {
            if (body.size() == 1) return fail(kProtocolError);
            if (body.empty()) return {{Event::Close, {}, 0}, consumed};
            const auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8) |
                                                         static_cast<std::uint8_t>(body[1]));
            if (!valid_close_code(code)) return fail(kProtocolError);
            if (!valid_utf8(body.substr(2))) return fail(kInvalidPayload);
            return {{Event::Close, body.substr(2), code}, consumed};
        }
        case Opcode::Continuation:
            if (!in_message_) return fail(kProtocolError);
            break;
        case Opcode::Text:
        case Opcode::Binary:
            if (in_message_) return fail(kProtocolError);
            binary_ = static_cast<Opcode>(opcode) == Opcode::Binary;
            break;
    }

    std::string_view message = body;
    if (!fin || in_message_) {
        if (fragments_.empty()) fragments_.reserve(std::min<std::size_t>(max_message_, 4096));
        fragments_.append(body);
        in_message_ = !fin;
        if (!fin) return {{}, consumed};
        message = fragments_;
    }
    if (!binary_ && !valid_utf8(message)) return fail(kInvalidPayload);
    return {{Event::Message, message}, consumed};
}

}  // namespace gp::ws::frame
