// Hostile input that once stopped or bloated the server (issue 22): each case gets a 4xx
// (or the connection closed), memory stays bounded, and the server keeps serving.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/support.hpp"
#include "integration/ws_client.hpp"

namespace congress::it {
namespace {

using namespace std::chrono_literals;

// The server's resident memory in KiB, from /proc.
long resident_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

Response parse_raw(const std::string& raw) {
    Response response;
    parse_response(raw, false, true, response);
    if (response.status == 0 && response.error.empty()) response.error = "incomplete response: " + raw.substr(0, 300);
    return response;
}

// The headers every answer carries, whoever writes it.
::testing::AssertionResult has_standard_headers(const Response& r) {
    for (const char* name : {"X-Request-Id", "X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options",
                             "Referrer-Policy"})
        if (r.header(name).empty()) return ::testing::AssertionFailure() << "no " << name << " header";
    return ::testing::AssertionSuccess();
}

struct BigHeaderServer {
    static ServerOptions make() {
        ServerOptions options;
        // Above what Beast can store in one field (65535 bytes).
        options.extra_args = {"--max-header-bytes", "200000"};
        return options;
    }
};

class Hostile : public SharedServerTest<DefaultServer> {};
class HostileBigHeaders : public SharedServerTest<BigHeaderServer> {};

TEST_F(Hostile, ChunkedTrailerOf64KiBIsRefusedNotACrash) {
    // This one request aborted the whole process (an exception out of the HTTP parser).
    const std::string trailer(70000, '0');
    const auto r = parse_raw(send_raw(port(), "GET /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                              "0\r\nX: " + trailer + "\r\n\r\n"));
    EXPECT_EQ(r.status, 431) << r.error;
    EXPECT_TRUE(is_json_error(r, "header_too_large"));
    EXPECT_TRUE(server().running());
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Hostile, ManySmallTrailerFieldsCountAgainstTheHeaderLimit) {
    std::string request = "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n";
    for (int i = 0; i < 2000; ++i) request += "X-T" + std::to_string(i) + ": " + std::string(30, 'b') + "\r\n";
    const auto r = parse_raw(send_raw(port(), request + "\r\n"));
    EXPECT_EQ(r.status, 431) << r.error;
    EXPECT_TRUE(is_json_error(r, "header_too_large"));
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(HostileBigHeaders, OneHeaderFieldAbove64KiBIsRefusedWith431) {
    // Within --max-header-bytes (200000) but longer than one field can be.
    const std::string value(70000, 'a');
    const auto r = parse_raw(send_raw(port(), "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + value + "\r\n\r\n"));
    EXPECT_EQ(r.status, 431) << r.error;
    EXPECT_TRUE(is_json_error(r, "header_too_large"));
    // Headers that fit are still fine.
    const auto ok = get(port(), "/api/health", {{"X-Fine", std::string(30000, 'b')}});
    EXPECT_EQ(ok.status, 200) << ok.error;
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Hostile, EndlessChunkExtensionIsCutOffWithBoundedMemory) {
    const long before = resident_kib(server().pid());
    ASSERT_GT(before, 0);
    Connection connection(port(), 5s);
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.send("POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;"));
    // 64 MiB of one chunk extension; the server stops taking it long before the end.
    const std::string block(1 << 20, 'e');
    int sent_mib = 0;
    for (; sent_mib < 64; ++sent_mib)
        if (!connection.send(block)) break;
    const long after = resident_kib(server().pid());
    const auto raw = connection.read_until_close();
    if (!raw.empty()) {  // the answer may be lost to the reset of a connection still sending
        const auto r = parse_raw(raw);
        EXPECT_EQ(r.status, 400) << r.error;
        EXPECT_TRUE(is_json_error(r, "bad_request"));
    }
    EXPECT_LT(sent_mib, 64) << "the server took 64 MiB of chunk extension";
    // Today's limit is 4 KiB plus one read; anything near the 64 MiB sent is the old bug.
    // The bound leaves room for what the sanitizers' allocator keeps of freed memory.
    EXPECT_LT(after - before, 32 * 1024) << "resident memory grew from " << before << " to " << after << " KiB";
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Hostile, ManySmallChunkExtensionsAddUpToTheLimit) {
    std::string request = "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 200; ++i) request += "1;" + std::string(100, 'e') + "\r\n{\r\n";
    const auto r = parse_raw(send_raw(port(), request + "0\r\n\r\n"));
    EXPECT_EQ(r.status, 400) << r.error;
    EXPECT_TRUE(is_json_error(r, "bad_request"));
    EXPECT_TRUE(contains(r.body, "chunk extensions")) << r.body;
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Hostile, AShortChunkExtensionIsStillAccepted) {
    // Extensions are legal and ignored: a small one does not change the answer.
    const auto r = parse_raw(send_raw(port(), "POST /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                              "Connection: close\r\n\r\n2;name=value\r\n{}\r\n0\r\n\r\n"));
    EXPECT_EQ(r.status, 405) << r.error;  // health is GET only: the framing itself was fine
}

TEST_F(Hostile, HostHeaderMissingOrTwiceIsBadRequest) {
    for (const char* bytes : {"GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n",
                              "GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
                              "GET /api/health HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"}) {
        const auto r = parse_raw(send_raw(port(), bytes));
        EXPECT_EQ(r.status, 400) << bytes << ": " << r.error;
        EXPECT_TRUE(is_json_error(r, "bad_request")) << bytes;
        EXPECT_TRUE(contains(r.body, "Host")) << r.body;
        EXPECT_EQ(r.header("Connection"), "close");
    }
    // HTTP/1.0 needs none.
    const auto old = parse_raw(send_raw(port(), "GET /api/health HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(old.status, 200) << old.error;
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Hostile, UnknownTransferCodingIsNotImplemented) {
    for (const char* coding : {"gzip, chunked", "deflate,chunked", "x-custom , chunked"}) {
        const auto r = parse_raw(send_raw(port(), std::string("POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") +
                                                      coding + "\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        EXPECT_EQ(r.status, 501) << coding << ": " << r.error;
        EXPECT_TRUE(is_json_error(r, "unsupported_transfer_coding")) << coding;
        EXPECT_EQ(r.header("Connection"), "close") << coding;
    }
    // Two fields that together end in chunked are the same list.
    const auto split = parse_raw(send_raw(port(), "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                                                  "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
    EXPECT_EQ(split.status, 501) << split.error;
    // Chunked not last: the length cannot be known at all (RFC 9112 6.3), as before.
    const auto last = parse_raw(send_raw(port(), "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"));
    EXPECT_EQ(last.status, 400) << last.error;
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Hostile, EveryAnswerCarriesTheStandardHeaders) {
    const auto ok = get(port(), "/api/health");
    EXPECT_TRUE(has_standard_headers(ok));
    const auto refused = parse_raw(send_raw(port(), "GET /api/health HTTP/1.1\r\n\r\n"));
    EXPECT_EQ(refused.status, 400);
    EXPECT_TRUE(has_standard_headers(refused));
}

struct TwoConnectionsServer {
    static ServerOptions make() {
        ServerOptions options;
        options.extra_args = {"--max-connections-per-address", "2"};
        return options;
    }
};
class HostileConnectionLimit : public SharedServerTest<TwoConnectionsServer> {};

TEST_F(HostileConnectionLimit, TheBusyAnswerCarriesTheStandardHeaders) {
    // Keep connections open (a request answered on each proves it was accepted) until one is
    // refused; a connection of the readiness check may still hold a slot for a moment.
    std::vector<std::unique_ptr<Connection>> open;
    Response refused;
    for (int i = 0; i < 6 && refused.status != 503; ++i) {
        auto connection = std::make_unique<Connection>(port());
        ASSERT_TRUE(connection->connected()) << connection->error();
        ASSERT_TRUE(connection->send(format_request("GET", "/api/health", {}, {}, true)));
        const auto r = connection->read_response();
        if (r.status == 503) refused = r;
        else open.push_back(std::move(connection));
    }
    ASSERT_EQ(refused.status, 503) << "never refused with " << open.size() << " connections open";
    EXPECT_LE(open.size(), 2u);
    EXPECT_TRUE(is_json_error(refused, "too_many_connections"));
    EXPECT_EQ(refused.header("Retry-After"), "10");
    EXPECT_TRUE(has_standard_headers(refused));
    EXPECT_TRUE(contains(server().log(), "[req " + refused.header("X-Request-Id") + "]")) << server().log();
}

// --- /live -----------------------------------------------------------------------------------

TEST_F(Hostile, LiveClientThatPingsAndNeverReadsIsClosedWithBoundedMemory) {
    WsOptions options;
    options.receive_buffer = 4096;  // a client that does not read, and a small window
    options.max_segment = 536;
    WsClient ws(port(), options);
    ASSERT_TRUE(ws.open()) << ws.error();
    const long before = resident_kib(server().pid());
    // 300,000 pings, never reading (+70 MB on the old server, which never closed it).
    const std::string ping = ws_frame(WsClient::op_ping, "0123456789");
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += ping;
    int sent = 0;
    for (; sent < 300; ++sent)
        if (!ws.send_raw(burst)) break;
    const long after = resident_kib(server().pid());
    // The old server grew by about 70 MB here. The bound leaves room for what the sanitizers'
    // allocator keeps of freed memory (its quarantine): 16 MiB was crossed once, by 0.6 MiB.
    EXPECT_LT(after - before, 32 * 1024) << "resident memory grew from " << before << " to " << after << " KiB";
    // Reading now: a few pongs, then the server's close for the flood.
    WsMessage message;
    for (int i = 0; i < 100000 && !ws.ended(); ++i) {
        message = ws.receive(10s);
        if (message.kind == WsMessage::Kind::timeout) break;
    }
    EXPECT_EQ(ws.close_code().value_or(0), 1008) << message.describe();
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Hostile, LiveClientPingingWithinTheRateGetsItsPongs) {
    WsClient ws(port());
    ASSERT_TRUE(ws.open()) << ws.error();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(ws.send_frame(WsClient::op_ping, "p" + std::to_string(i)));
    // Pongs are answered on the way; the connection stays open and usable.
    ASSERT_TRUE(ws.send_text(R"({"type":"ping"})"));
    const auto reply = ws.receive(10s);
    ASSERT_TRUE(reply.is_text()) << reply.describe();
    EXPECT_EQ(parse_json(reply.data)["type"], "pong");
    EXPECT_TRUE(ws.open());
}

// --- running out of descriptors ------------------------------------------------------------------

// UndefinedBehaviorSanitizer checks an object's vptr by writing it to a pipe; with no
// descriptor left that pipe cannot be made, and it reports a valid object as having an
// invalid vptr (seen once, in shared_ptr's control block). That report is the sanitizer
// starving, not the server, so vptr checks are suppressed for this one server.
std::string vptr_suppressions() {
    static const std::string path = [] {
        char pattern[] = "/tmp/congress-ubsan-XXXXXX";
        const int fd = ::mkstemp(pattern);
        if (fd < 0) return std::string();
        const std::string text = "vptr_check:*\n";
        [[maybe_unused]] const auto written = ::write(fd, text.data(), text.size());
        ::close(fd);
        return std::string(pattern);
    }();
    return path;
}

struct FewDescriptorsServer {
    static ServerOptions make() {
        ServerOptions options;
        options.max_open_files = 64;
        options.log_level = "warn";
        const char* ubsan = std::getenv("UBSAN_OPTIONS");
        if (!vptr_suppressions().empty())
            options.env.emplace_back("UBSAN_OPTIONS", std::string(ubsan ? ubsan : "") + (ubsan && *ubsan ? ":" : "") +
                                                          "suppressions=" + vptr_suppressions());
        return options;
    }
};
class HostileDescriptors : public SharedServerTest<FewDescriptorsServer> {};

TEST_F(HostileDescriptors, AcceptBacksOffWhenDescriptorsRunOutAndResumes) {
    // Hold more connections than the server has descriptors left.
    std::vector<std::unique_ptr<Connection>> held;
    for (int i = 0; i < 100; ++i) {
        held.push_back(std::make_unique<Connection>(port(), 2s));
        if (!held.back()->connected()) break;
    }
    // The kernel queues the rest in the backlog; the server meanwhile fails to accept.
    std::this_thread::sleep_for(3s);
    const auto log = server().log();
    const int reports = count_lines_containing(log, "accept failed");
    EXPECT_GE(reports, 1) << "the server never ran out of descriptors: " << log;
    // At most once a second (the old loop logged ~127,000 lines a second).
    EXPECT_LE(reports, 5) << log.substr(0, 2000);
    if (!server().running() && contains(server().log(), "object has invalid vptr")) {
        // The suppression above does not always hold: when the dynamic type cannot be read
        // at all, UBSan reports before it looks at the suppressions, and the sanitized build
        // stops on every report. Seen once in 2 CI runs (http_session.cpp, a call through
        // Stoppable). The back-off cannot be judged in such a run; a Release server has no
        // such check.
        GTEST_SKIP() << "UndefinedBehaviorSanitizer stopped the server with a false invalid-vptr report while it had "
                        "no descriptor left: " << server().log().substr(0, 1500);
    }
    EXPECT_TRUE(server().running());
    held.clear();  // descriptors free up
    // Served again, within a bounded wait.
    Response health;
    for (int i = 0; i < 50 && health.status != 200; ++i) {
        health = get(port(), "/api/health");
        if (health.status != 200) std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(health.status, 200) << health.error;
}

}  // namespace
}  // namespace congress::it
