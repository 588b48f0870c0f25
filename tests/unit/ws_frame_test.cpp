#include <gtest/gtest.h>

#include <string>

#include "ws/frame.hpp"

using namespace gp::ws::frame;

namespace {

constexpr std::uint8_t kFin = 0x80;

// A client frame: masked with a fixed key, the length in its shortest encoding
// unless `length_bytes` (2 or 8) asks for a longer one.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, int length_bytes = 0,
                         bool masked = true) {
    std::string f{static_cast<char>(first_byte)};
    const char mask_bit = masked ? char(0x80) : 0;
    const std::size_t n = payload.size();
    if (length_bytes == 0 && n < 126) {
        f += static_cast<char>(mask_bit | static_cast<char>(n));
    } else if (length_bytes == 2 || (length_bytes == 0 && n <= 0xFFFF)) {
        f += static_cast<char>(mask_bit | 126);
        f += static_cast<char>(n >> 8);
        f += static_cast<char>(n & 0xFF);
    } else {
        f += static_cast<char>(mask_bit | 127);
        for (int shift = 56; shift >= 0; shift -= 8) f += static_cast<char>((std::uint64_t{n} >> shift) & 0xFF);
    }
    const std::string key = "\x11\x22\x33\x44";
    if (masked) f += key;
    for (std::size_t i = 0; i < n; ++i) f += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
    return f;
}

std::string text(std::string_view payload) { return client_frame(kFin | 0x1, payload); }

// Every event the reader finds in `bytes` fed whole; a Fail ends the list.
struct Found {
    Event::Kind kind;
    std::string payload;
    std::uint16_t code;
};

std::vector<Found> read_all(std::string bytes, std::size_t max_message = 1024) {
    Reader reader(max_message);
    std::vector<Found> found;
    std::size_t used = 0;
    for (;;) {
        const auto step = reader.next({bytes.data() + used, bytes.size() - used});
        if (step.event.kind == Event::Fail) {
            found.push_back({Event::Fail, {}, step.event.code});
            return found;
        }
        used += step.consumed;
        if (step.event.kind == Event::None) {
            if (step.consumed == 0) return found;
            continue;
        }
        found.push_back({step.event.kind, std::string(step.event.payload), step.event.code});
    }
}

std::uint16_t failure(std::string bytes, std::size_t max_message = 1024) {
    const auto found = read_all(std::move(bytes), max_message);
    return !found.empty() && found.back().kind == Event::Fail ? found.back().code : 0;
}

}  // namespace

TEST(WsFrame, EncodesServerFramesUnmaskedWithTheShortestLength) {
    EXPECT_EQ(encode(Opcode::Text, "hi"), std::string("\x81\x02hi", 4));
    const std::string medium(300, 'x');
    const std::string m = encode(Opcode::Text, medium);
    EXPECT_EQ(m.substr(0, 4), std::string("\x81\x7e\x01\x2c", 4));
    EXPECT_EQ(m.size(), 4 + medium.size());
    const std::string large(70000, 'y');
    const std::string l = encode(Opcode::Binary, large);
    EXPECT_EQ(l.substr(0, 10), std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70", 10));
    EXPECT_EQ(l.size(), 10 + large.size());
    EXPECT_EQ(encode(Opcode::Ping, {}), std::string("\x89\x00", 2));
}

TEST(WsFrame, CloseFrameCarriesCodeAndAReasonCutBetweenCharacters) {
    EXPECT_EQ(encode_close(1008, "slow"), std::string("\x88\x06\x03\xf0slow", 8));
    std::string reason;
    for (int i = 0; i < 100; ++i) reason += "\xc3\xa9";  // 200 bytes of 2-byte characters
    const std::string f = encode_close(1001, reason);
    ASSERT_LE(f.size(), 2 + 125u);
    EXPECT_EQ(f.size() - 4, 122u);  // 123 would split a character
}

TEST(WsFrame, ReadsMaskedMessagesWholeOrInPieces) {
    const std::string bytes = text("{\"type\":\"ping\"}") + client_frame(kFin | 0x2, "\xff\xfe") +
                              client_frame(kFin | 0x1, std::string(200, 'a'));
    const auto found = read_all(bytes);
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0].kind, Event::Message);
    EXPECT_EQ(found[0].payload, "{\"type\":\"ping\"}");
    EXPECT_EQ(found[1].payload, "\xff\xfe");  // binary: not checked as UTF-8
    EXPECT_EQ(found[2].payload, std::string(200, 'a'));

    // Fed one byte at a time, nothing is consumed until a frame is complete.
    Reader reader(1024);
    std::string buffer;
    std::vector<std::string> messages;
    for (char c : bytes) {
        buffer += c;
        const auto step = reader.next({buffer.data(), buffer.size()});
        ASSERT_NE(step.event.kind, Event::Fail);
        if (step.consumed == 0) continue;
        messages.emplace_back(step.event.payload);
        buffer.erase(0, step.consumed);
    }
    EXPECT_EQ(messages.size(), 3u);
    EXPECT_TRUE(buffer.empty());
}

TEST(WsFrame, ReassemblesFragmentsAroundControlFrames) {
    const std::string bytes = client_frame(0x1, "{\"type\":") + client_frame(kFin | 0x9, "p1") +
                              client_frame(0x0, "\"ping\"") + client_frame(kFin | 0x0, "}") +
                              client_frame(kFin | 0xA, "") + text("x");
    const auto found = read_all(bytes);
    ASSERT_EQ(found.size(), 4u);
    EXPECT_EQ(found[0].kind, Event::Ping);
    EXPECT_EQ(found[0].payload, "p1");
    EXPECT_EQ(found[1].kind, Event::Message);
    EXPECT_EQ(found[1].payload, "{\"type\":\"ping\"}");
    EXPECT_EQ(found[2].kind, Event::Pong);
    EXPECT_EQ(found[3].payload, "x");
}

TEST(WsFrame, CloseFrames) {
    auto found = read_all(client_frame(kFin | 0x8, ""));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, Event::Close);
    EXPECT_EQ(found[0].code, 0);
    found = read_all(client_frame(kFin | 0x8, "\x03\xe8" "bye"));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].code, 1000);
    EXPECT_EQ(found[0].payload, "bye");
    EXPECT_EQ(read_all(client_frame(kFin | 0x8, "\x0f\xa0"))[0].code, 4000);  // application codes are fine

    EXPECT_EQ(failure(client_frame(kFin | 0x8, "\x03")), kProtocolError);          // a code needs 2 bytes
    EXPECT_EQ(failure(client_frame(kFin | 0x8, "\x03\xed")), kProtocolError);      // 1005 is never sent
    EXPECT_EQ(failure(client_frame(kFin | 0x8, "\x03\xe7")), kProtocolError);      // 999
    EXPECT_EQ(failure(client_frame(kFin | 0x8, "\x03\xe8\xff")), kInvalidPayload);  // reason not UTF-8
}

TEST(WsFrame, ProtocolViolationsFailWith1002) {
    EXPECT_EQ(failure(client_frame(kFin | 0x1, "x", 0, false)), kProtocolError);  // not masked
    EXPECT_EQ(failure(client_frame(kFin | 0x40 | 0x1, "x")), kProtocolError);     // RSV1 without an extension
    EXPECT_EQ(failure(client_frame(kFin | 0x3, "x")), kProtocolError);            // unknown opcode
    EXPECT_EQ(failure(client_frame(0x9, "x")), kProtocolError);                   // fragmented control frame
    EXPECT_EQ(failure(client_frame(kFin | 0x9, std::string(126, 'p'))), kProtocolError);  // control frame too long
    EXPECT_EQ(failure(client_frame(kFin | 0x0, "x")), kProtocolError);            // continuation of nothing
    EXPECT_EQ(failure(client_frame(0x1, "a") + text("b")), kProtocolError);       // a new message mid-message
    EXPECT_EQ(failure(client_frame(kFin | 0x1, "abc", 2)), kProtocolError);       // length not in its shortest form
    EXPECT_EQ(failure(client_frame(kFin | 0x1, std::string(200, 'a'), 8)), kProtocolError);
}

TEST(WsFrame, MessagesPastTheLimitFailWith1009BeforeTheirPayload) {
    EXPECT_TRUE(read_all(text(std::string(1024, 'a'))).size() == 1);
    std::string header_only = client_frame(kFin | 0x1, std::string(1025, 'a')).substr(0, 8);
    EXPECT_EQ(failure(header_only), kTooBig);  // refused from its header alone
    // Fragments count together.
    EXPECT_EQ(failure(client_frame(0x1, std::string(600, 'a')) + client_frame(kFin | 0x0, std::string(600, 'a'))),
              kTooBig);
    EXPECT_EQ(read_all(client_frame(0x1, std::string(600, 'a')) + client_frame(kFin | 0x0, std::string(424, 'a')))
                  .size(),
              1u);
}

TEST(WsFrame, TextMustBeUtf8EvenAcrossFragments) {
    EXPECT_EQ(failure(text("\xc3")), kInvalidPayload);
    // A character split between fragments is fine once the message is whole.
    const auto found = read_all(client_frame(0x1, "\xc3") + client_frame(kFin | 0x0, "\xa9"));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].payload, "\xc3\xa9");
}
