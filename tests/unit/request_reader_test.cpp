// The request reader without sockets: limits in every phase of a request, parser
// exceptions turned into answers, and what stays in the buffer for the next request.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "net/request_reader.hpp"

namespace congress::net {
namespace {

using State = RequestReader::State;

void append(boost::beast::flat_buffer& buffer, std::string_view bytes) {
    auto space = buffer.prepare(bytes.size());
    boost::asio::buffer_copy(space, boost::asio::buffer(bytes.data(), bytes.size()));
    buffer.commit(bytes.size());
}

std::string_view rest(const boost::beast::flat_buffer& buffer) {
    return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

// Feeds `bytes` in pieces of `step` bytes, as reads would deliver them.
State feed_in_steps(RequestReader& reader, boost::beast::flat_buffer& buffer, std::string_view bytes, std::size_t step) {
    State state = State::need_more;
    for (std::size_t at = 0; at < bytes.size() && state == State::need_more; at += step) {
        append(buffer, bytes.substr(at, step));
        state = reader.feed(buffer);
    }
    return state;
}

int refusal_status(const RequestReader& reader) { return reader.refusal() ? reader.refusal()->status : 0; }
std::string refusal_body(const RequestReader& reader) {
    return reader.refusal() && reader.refusal()->body ? *reader.refusal()->body : std::string();
}

TEST(RequestReader, ReadsARequestDeliveredByteByByteAndLeavesThePipelinedNextOne) {
    RequestReader reader(RequestLimits{});
    boost::beast::flat_buffer buffer;
    const std::string first = "POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}";
    const std::string second = "GET /api/health HTTP/1.1\r\nHost: h\r\n\r\n";
    ASSERT_EQ(feed_in_steps(reader, buffer, first, 1), State::done);
    append(buffer, second);
    const auto message = reader.release();
    EXPECT_EQ(message.target(), "/api/x");
    EXPECT_EQ(message.body(), "{}");
    EXPECT_EQ(rest(buffer), second);
}

TEST(RequestReader, ReadsAChunkedBodyWithSmallExtensionsAndTrailers) {
    RequestReader reader(RequestLimits{});
    boost::beast::flat_buffer buffer;
    const std::string request = "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3;a=b\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 1\r\n\r\n";
    ASSERT_EQ(feed_in_steps(reader, buffer, request, 7), State::done);
    EXPECT_EQ(reader.release().body(), "abcde");
}

TEST(RequestReader, AFieldLongerThanBeastCanStoreIsRefusedNotThrown) {
    RequestLimits limits;
    limits.header_bytes = 200000;
    RequestReader reader(limits);
    boost::beast::flat_buffer buffer;
    const std::string request = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n";
    EXPECT_EQ(feed_in_steps(reader, buffer, request, 65536), State::failed);
    EXPECT_EQ(refusal_status(reader), 431);
}

TEST(RequestReader, AHugeTrailerIsRefusedBeforeItIsAllBuffered) {
    RequestReader reader(RequestLimits{});
    boost::beast::flat_buffer buffer;
    const std::string request = "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " +
                                std::string(1 << 20, '0') + "\r\n\r\n";
    EXPECT_EQ(feed_in_steps(reader, buffer, request, 4096), State::failed);
    EXPECT_EQ(refusal_status(reader), 431);
    EXPECT_LE(buffer.size(), RequestLimits{}.header_bytes + 4096);
}

TEST(RequestReader, AnEndlessChunkExtensionIsRefusedBeforeItIsAllBuffered) {
    RequestReader reader(RequestLimits{});
    boost::beast::flat_buffer buffer;
    const std::string request = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2;" + std::string(1 << 20, 'e');
    EXPECT_EQ(feed_in_steps(reader, buffer, request, 4096), State::failed);
    EXPECT_EQ(refusal_status(reader), 400);
    EXPECT_LE(buffer.size(), RequestLimits{}.chunk_extension_bytes + 64 + 4096);
}

TEST(RequestReader, ChunkExtensionsCountTogether) {
    RequestLimits limits;
    limits.chunk_extension_bytes = 1000;
    RequestReader reader(limits);
    boost::beast::flat_buffer buffer;
    std::string request = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) request += "1;" + std::string(99, 'e') + "\r\nx\r\n";
    EXPECT_EQ(feed_in_steps(reader, buffer, request + "0\r\n\r\n", 512), State::failed);
    EXPECT_EQ(refusal_status(reader), 400);
    EXPECT_NE(refusal_body(reader).find("chunk extensions"), std::string::npos) << refusal_body(reader);
}

TEST(RequestReader, BodyAboveTheLimitIs413) {
    RequestLimits limits;
    limits.body_bytes = 10;
    RequestReader reader(limits);
    boost::beast::flat_buffer buffer;
    EXPECT_EQ(feed_in_steps(reader, buffer, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", 100), State::failed);
    EXPECT_EQ(refusal_status(reader), 413);
}

TEST(RequestReader, HostMustBeThereOnceInHttp11) {
    for (const std::string request : {"GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
        RequestReader reader(RequestLimits{});
        boost::beast::flat_buffer buffer;
        EXPECT_EQ(feed_in_steps(reader, buffer, request, 100), State::failed) << request;
        EXPECT_EQ(refusal_status(reader), 400) << request;
    }
    RequestReader old(RequestLimits{});
    boost::beast::flat_buffer buffer;
    EXPECT_EQ(feed_in_steps(old, buffer, "GET / HTTP/1.0\r\n\r\n", 100), State::done);
}

TEST(RequestReader, TransferCodingsOtherThanChunkedAreNotImplemented) {
    RequestReader reader(RequestLimits{});
    boost::beast::flat_buffer buffer;
    EXPECT_EQ(feed_in_steps(reader, buffer,
                            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 100),
              State::failed);
    EXPECT_EQ(refusal_status(reader), 501);
}

TEST(RequestReader, AClientThatLeavesMidRequestGetsNoAnswer) {
    RequestReader reader(RequestLimits{});
    boost::beast::flat_buffer buffer;
    EXPECT_EQ(feed_in_steps(reader, buffer, "GET / HTTP/1.1\r\nHo", 100), State::need_more);
    EXPECT_TRUE(reader.started());
    EXPECT_EQ(reader.end_of_input(), State::failed);
    EXPECT_FALSE(reader.refusal().has_value());
}

}  // namespace
}  // namespace congress::net
