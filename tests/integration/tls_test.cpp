// HTTPS and WSS with a real certificate (made by deploy/make-self-signed-cert) and a real
// OpenSSL client: protocol versions, the redirect from plain HTTP, security headers, a
// registration over HTTPS and its seat count pushed over WSS.
#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "integration/support.hpp"
#include "integration/tls_client.hpp"

namespace congress::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string& cert_dir() {
    static const std::string dir = [] {
        char pattern[] = "/tmp/congress-tls-XXXXXX";
        const char* made = ::mkdtemp(pattern);
        if (!made) return std::string();
        const std::string command = std::string(CONGRESS_SOURCE_DIR) + "/deploy/make-self-signed-cert " + made +
                                    " localhost 127.0.0.1 >/dev/null 2>&1";
        return std::system(command.c_str()) == 0 ? std::string(made) : std::string();
    }();
    return dir;
}

struct TlsServer {
    static ServerOptions make() {
        ServerOptions options;
        options.tls = true;
        options.extra_args = {"--tls-cert", cert_dir() + "/cert.pem", "--tls-key", cert_dir() + "/key.pem"};
        return options;
    }
};

class Tls : public SharedServerTest<TlsServer> {
protected:
    void SetUp() override {
        ASSERT_FALSE(cert_dir().empty()) << "deploy/make-self-signed-cert failed";
        SharedServerTest<TlsServer>::SetUp();
    }
    static TlsClientOptions trusting() { return TlsClientOptions{cert_dir() + "/cert.pem"}; }
};

bool headers_done(const std::string& text) { return text.find("\r\n\r\n") != std::string::npos; }

struct Answer {
    int status = 0;
    std::string head;
    std::string body;
};

Answer parse_answer(const std::string& raw) {
    Answer a;
    const auto end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return a;
    a.status = std::atoi(raw.c_str() + 9);
    a.head = raw.substr(0, end);
    a.body = raw.substr(end + 4);
    return a;
}

Answer https(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = {}) {
    TlsClient client(port, TlsClientOptions{cert_dir() + "/cert.pem"});
    if (!client.connected()) return {};
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
    if (!body.empty()) request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    if (!client.write(request)) return {};
    return parse_answer(client.read_all(10s));
}

bool has_header(const std::string& head, const std::string& line) { return head.find("\r\n" + line + "\r\n") != std::string::npos; }

// A masked client text frame.
std::string client_text_frame(const std::string& payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x81));
    frame.push_back(static_cast<char>(0x80 | payload.size()));  // short messages only
    const char mask[4] = {1, 2, 3, 4};
    frame.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return frame;
}

// Server text frames in `bytes`, consumed from the front.
std::vector<std::string> take_text_frames(std::string& bytes) {
    std::vector<std::string> out;
    for (;;) {
        if (bytes.size() < 2) break;
        std::size_t header = 2;
        std::size_t length = static_cast<unsigned char>(bytes[1]) & 0x7f;
        if (length == 126) {
            if (bytes.size() < 4) break;
            length = (static_cast<unsigned char>(bytes[2]) << 8) | static_cast<unsigned char>(bytes[3]);
            header = 4;
        }
        if (bytes.size() < header + length) break;
        if ((static_cast<unsigned char>(bytes[0]) & 0x0f) == 0x1) out.push_back(bytes.substr(header, length));
        bytes.erase(0, header + length);
    }
    return out;
}

TEST_F(Tls, HttpsServesTheApiWithTls12OrNewerAndHsts) {
    TlsClient client(port(), trusting());
    ASSERT_TRUE(client.connected()) << client.error();
    EXPECT_TRUE(client.protocol() == "TLSv1.3" || client.protocol() == "TLSv1.2") << client.protocol();
    ASSERT_TRUE(client.write("GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
    const auto answer = parse_answer(client.read_all(10s));
    EXPECT_EQ(answer.status, 200) << answer.head;
    EXPECT_TRUE(has_header(answer.head, "Strict-Transport-Security: max-age=31536000")) << answer.head;
    EXPECT_TRUE(has_header(answer.head, "X-Content-Type-Options: nosniff")) << answer.head;
    EXPECT_NE(answer.head.find("frame-ancestors 'none'"), std::string::npos) << answer.head;
}

TEST_F(Tls, AChunkedTrailerOf64KiBIsRefusedNotACrash) {
    // Over TLS as over plain HTTP, this one request once aborted the whole server.
    TlsClient client(port(), trusting());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.write("GET /api/health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " +
                             std::string(70000, '0') + "\r\n\r\n"));
    const auto answer = parse_answer(client.read_all(10s));
    // The answer can be lost to the reset of a connection closed with the request unread.
    if (answer.status != 0) {
        EXPECT_EQ(answer.status, 431) << answer.head;
    }
    EXPECT_TRUE(server().running());
    EXPECT_EQ(https(port(), "GET", "/api/health").status, 200);
}

TEST_F(Tls, OldProtocolVersionsAreRefused) {
    for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
        TlsClientOptions options = trusting();
        options.max_version = version;
        TlsClient client(port(), options);
        EXPECT_FALSE(client.connected()) << "the server accepted " << client.protocol();
    }
    EXPECT_EQ(https(port(), "GET", "/api/health").status, 200) << "still serving after refused handshakes";
}

TEST_F(Tls, PlainHttpOnTheSamePortIsRedirectedToHttpsAndServesNothing) {
    const auto plain = request(port(), "GET", "/api/events?x=1", {{"Host", "localhost:8443"}});
    EXPECT_EQ(plain.status, 308);
    EXPECT_EQ(plain.header("Location"), "https://localhost:8443/api/events?x=1");
    EXPECT_EQ(plain.body.find("hyderabad"), std::string::npos) << "no content in clear text";
    const auto post = request(port(), "POST", "/api/events/1/registrations", {{"Host", "localhost"}}, R"({"name":"x"})");
    EXPECT_EQ(post.status, 308) << "a plain POST is not processed";
}

TEST_F(Tls, ARegistrationOverHttpsIsPushedOverWss) {
    const auto events = parse_json(https(port(), "GET", "/api/events").body);
    ASSERT_TRUE(events.is_object()) << "GET /api/events over TLS";
    long long id = 0;
    for (const auto& e : events["events"])
        if (e.value("slug", "") == "hyderabad-2014") id = e["id"].get<long long>();
    ASSERT_GT(id, 0);
    const auto topic = "event:" + std::to_string(id);

    TlsClient ws(port(), trusting());
    ASSERT_TRUE(ws.connected()) << ws.error();
    ASSERT_TRUE(ws.write("GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                         "Origin: https://localhost\r\n\r\n"));
    std::string bytes;
    ASSERT_TRUE(ws.read_until(bytes, headers_done, 10s));
    ASSERT_EQ(bytes.rfind("HTTP/1.1 101", 0), 0u) << bytes;
    bytes.erase(0, bytes.find("\r\n\r\n") + 4);
    ASSERT_TRUE(ws.write(client_text_frame(json{{"type", "subscribe"}, {"topic", topic}}.dump())));

    auto next = [&](const char* what) -> json {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        static thread_local std::vector<std::string> pending;
        while (pending.empty() && std::chrono::steady_clock::now() < deadline) {
            for (auto& f : take_text_frames(bytes)) pending.push_back(std::move(f));
            if (pending.empty()) {
                std::string more;
                ws.read_until(more, [](const std::string& m) { return !m.empty(); }, 1s);
                bytes += more;
            }
        }
        if (pending.empty()) {
            ADD_FAILURE() << "nothing over WSS: " << what;
            return json();
        }
        auto m = parse_json(pending.front());
        pending.erase(pending.begin());
        return m;
    };
    EXPECT_EQ(next("subscribed").value("type", ""), "subscribed");
    const auto snapshot = next("snapshot");
    ASSERT_EQ(snapshot.value("type", ""), "snapshot") << snapshot;

    const auto created = https(port(), "POST", "/api/events/" + std::to_string(id) + "/registrations",
                               json{{"name", "Tls Delegate"}, {"email", "tls-delegate@example.org"}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    bool pushed = false;
    for (int i = 0; i < 5 && !pushed; ++i) {
        const auto m = next("the seat count after the registration");
        if (m.value("type", "") == "seats" && m.value("session", json(1)).is_null()) pushed = true;
        if (!m.is_object()) break;
    }
    EXPECT_TRUE(pushed) << "no seats message over WSS after a registration over HTTPS";
}

TEST(TlsConfig, AKeyThatDoesNotMatchTheCertificateStopsTheServerWithAClearMessage) {
    ASSERT_FALSE(cert_dir().empty());
    const std::string other = cert_dir() + "/other";
    const std::string command =
        std::string(CONGRESS_SOURCE_DIR) + "/deploy/make-self-signed-cert " + other + " localhost >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    ServerOptions options = TlsServer::make();
    options.extra_args = {"--tls-cert", cert_dir() + "/cert.pem", "--tls-key", other + "/key.pem"};
    options.ready_timeout = std::chrono::seconds(5);
    try {
        ServerProcess server(options);
        FAIL() << "the server started with a key that does not match its certificate";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace congress::it
