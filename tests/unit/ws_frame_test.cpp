// The /live channel's WebSocket framing after the handshake: what the server sends, and how
// it reads (and refuses) what clients send.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/ws_frame.hpp"

using namespace congress::net;

namespace {

// A frame as a browser sends it: masked, FIN as given.
std::string client_frame(std::uint8_t opcode, const std::string& payload, bool fin = true,
                         std::string mask = std::string("\x11\x22\x33\x44", 4)) {
    std::string frame;
    frame.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
    const std::size_t n = payload.size();
    if (n < 126) {
        frame.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        frame.push_back(static_cast<char>(0x80 | 126));
        frame.push_back(static_cast<char>(n >> 8));
        frame.push_back(static_cast<char>(n & 0xFF));
    } else {
        frame.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((std::uint64_t{n} >> shift) & 0xFF));
    }
    frame += mask;
    for (std::size_t i = 0; i < n; ++i) frame.push_back(static_cast<char>(payload[i] ^ mask[i & 3]));
    return frame;
}

std::vector<WsEvent> read_all(WsFrameReader& reader, const std::string& bytes) {
    std::vector<WsEvent> out;
    reader.feed(bytes.data(), bytes.size(), out);
    return out;
}

std::uint16_t failure_code(const std::string& bytes, std::size_t max = 4096) {
    WsFrameReader reader(max);
    const auto events = read_all(reader, bytes);
    if (events.empty() || events.back().kind != WsEvent::Kind::failure) return 0;
    return events.back().code;
}

}  // namespace

TEST(WsFrame, ServerFramesAreUnmaskedFinalFramesWithTheShortestLength) {
    const auto small = ws_encode_frame(WsOpcode::text, "hi");
    ASSERT_EQ(small.size(), 4u);
    EXPECT_EQ(static_cast<unsigned char>(small[0]), 0x81);
    EXPECT_EQ(static_cast<unsigned char>(small[1]), 2);
    EXPECT_EQ(small.substr(2), "hi");

    const std::string medium(300, 'x');
    const auto m = ws_encode_frame(WsOpcode::text, medium);
    ASSERT_EQ(m.size(), 4 + medium.size());
    EXPECT_EQ(static_cast<unsigned char>(m[1]), 126);
    EXPECT_EQ((static_cast<unsigned char>(m[2]) << 8) | static_cast<unsigned char>(m[3]), 300);
    EXPECT_EQ(ws_header_size(medium.size()), 4u);

    const std::string large(70000, 'y');
    const auto l = ws_encode_frame(WsOpcode::binary, large);
    EXPECT_EQ(static_cast<unsigned char>(l[0]), 0x82);
    EXPECT_EQ(static_cast<unsigned char>(l[1]), 127);
    EXPECT_EQ(l.size(), 10 + large.size());
}

TEST(WsFrame, ACloseFrameCarriesTheCodeAndAReasonCutToFitWithoutBreakingUtf8) {
    const auto close = ws_encode_close(4001, "too slow");
    EXPECT_EQ(static_cast<unsigned char>(close[0]), 0x88);
    EXPECT_EQ((static_cast<unsigned char>(close[2]) << 8) | static_cast<unsigned char>(close[3]), 4001);
    EXPECT_EQ(close.substr(4), "too slow");

    std::string long_reason;
    for (int i = 0; i < 100; ++i) long_reason += "é";  // two bytes each
    const auto cut = ws_encode_close(1000, long_reason);
    const std::size_t payload = static_cast<unsigned char>(cut[1]);
    EXPECT_LE(payload, 125u);
    EXPECT_TRUE(valid_utf8(cut.substr(4)));
}

TEST(WsFrame, AMaskedTextMessageIsReadEvenWhenItArrivesOneByteAtATime) {
    WsFrameReader reader(4096);
    const auto bytes = client_frame(0x1, R"({"type":"subscribe","topic":"event:1"})");
    std::vector<WsEvent> events;
    for (char c : bytes) reader.feed(&c, 1, events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, WsEvent::Kind::text);
    EXPECT_EQ(events[0].payload, R"({"type":"subscribe","topic":"event:1"})");
}

TEST(WsFrame, SeveralFramesInOneReadAreAllRead) {
    WsFrameReader reader(4096);
    const auto events = read_all(reader, client_frame(0x1, "a") + client_frame(0x9, "p") + client_frame(0x1, "b"));
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].payload, "a");
    EXPECT_EQ(events[1].kind, WsEvent::Kind::ping);
    EXPECT_EQ(events[1].payload, "p");
    EXPECT_EQ(events[2].payload, "b");
}

TEST(WsFrame, AFragmentedMessageIsReassembledAndControlFramesMayComeBetweenFragments) {
    WsFrameReader reader(4096);
    const auto events = read_all(reader, client_frame(0x1, "hel", false) + client_frame(0x9, "") +
                                             client_frame(0x0, "lo ", false) + client_frame(0x0, "world"));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, WsEvent::Kind::ping);
    EXPECT_EQ(events[1].kind, WsEvent::Kind::text);
    EXPECT_EQ(events[1].payload, "hello world");
}

TEST(WsFrame, AMessageOfExactlyTheLimitIsReadAndOneByteMoreFailsWith1009) {
    WsFrameReader reader(4096);
    const auto ok = read_all(reader, client_frame(0x1, std::string(4096, 'a')));
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].payload.size(), 4096u);
    EXPECT_EQ(failure_code(client_frame(0x1, std::string(4097, 'a'))), ws_close::message_too_big);
    // Also when the excess comes in a later fragment.
    EXPECT_EQ(failure_code(client_frame(0x1, std::string(4000, 'a'), false) + client_frame(0x0, std::string(97, 'a'))),
              ws_close::message_too_big);
}

TEST(WsFrame, AHugeLengthIsRefusedFromTheHeaderAloneBeforeAnyPayloadIsBuffered) {
    // The header claims 1 GiB; only the header and the mask are sent.
    std::string header = {static_cast<char>(0x81), static_cast<char>(0x80 | 127), 0, 0, 0, 0, 0x40, 0, 0, 0};
    header += std::string("\x01\x02\x03\x04", 4);
    EXPECT_EQ(failure_code(header), ws_close::message_too_big);
}

TEST(WsFrame, ProtocolViolationsFailWith1002) {
    std::string unmasked = ws_encode_frame(WsOpcode::text, "hi");  // a server-style frame from a client
    EXPECT_EQ(failure_code(unmasked), ws_close::protocol_error);

    auto rsv = client_frame(0x1, "hi");
    rsv[0] = static_cast<char>(rsv[0] | 0x40);  // RSV1 without permessage-deflate
    EXPECT_EQ(failure_code(rsv), ws_close::protocol_error);

    EXPECT_EQ(failure_code(client_frame(0x3, "x")), ws_close::protocol_error);                // reserved opcode
    EXPECT_EQ(failure_code(client_frame(0x0, "x")), ws_close::protocol_error);                // continuation first
    EXPECT_EQ(failure_code(client_frame(0x1, "a", false) + client_frame(0x1, "b")), ws_close::protocol_error);
    EXPECT_EQ(failure_code(client_frame(0x9, std::string(126, 'p'))), ws_close::protocol_error);  // control > 125
    EXPECT_EQ(failure_code(client_frame(0x9, "p", false)), ws_close::protocol_error);              // fragmented control
    EXPECT_EQ(failure_code(client_frame(0x8, "x")), ws_close::protocol_error);                     // 1-byte close
    EXPECT_EQ(failure_code(client_frame(0x8, std::string("\x03\xED", 2))), ws_close::protocol_error);  // code 1005
}

TEST(WsFrame, InvalidUtf8InATextMessageFailsWith1007) {
    EXPECT_EQ(failure_code(client_frame(0x1, "caf\xC3")), ws_close::invalid_payload);
    EXPECT_EQ(failure_code(client_frame(0x1, "\xC0\xAF")), ws_close::invalid_payload);      // overlong '/'
    EXPECT_EQ(failure_code(client_frame(0x1, "\xED\xA0\x80")), ws_close::invalid_payload);  // a surrogate
    // A binary message is not checked; a UTF-8 character split across fragments is fine.
    WsFrameReader reader(4096);
    const auto events = read_all(reader, client_frame(0x1, "caf\xC3", false) + client_frame(0x0, "\xA9"));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].payload, "café");
}

TEST(WsFrame, ACloseGivesItsCodeAndReasonAndNothingAfterItIsRead) {
    WsFrameReader reader(4096);
    const auto events = read_all(reader, client_frame(0x8, std::string("\x03\xE8", 2) + "bye") + client_frame(0x1, "late"));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, WsEvent::Kind::close);
    EXPECT_EQ(events[0].code, 1000);
    EXPECT_EQ(events[0].payload, "bye");
    EXPECT_TRUE(reader.done());

    WsFrameReader empty(4096);
    const auto bare = read_all(empty, client_frame(0x8, ""));
    ASSERT_EQ(bare.size(), 1u);
    EXPECT_EQ(bare[0].code, 1005);
}

TEST(WsFrame, Utf8Validation) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("plain ascii"));
    EXPECT_TRUE(valid_utf8("Hyderabad – हैदराबाद – 😀"));
    EXPECT_FALSE(valid_utf8("\x80"));
    EXPECT_FALSE(valid_utf8("\xF5\x80\x80\x80"));  // beyond U+10FFFF
    EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
    EXPECT_FALSE(valid_utf8("\xE2\x82"));          // truncated
}
