// Hostile and broken requests: each gets a 4xx with a JSON error body (or, for a client
// that gives up, nothing), never a file from outside the web root, and the server keeps
// serving afterwards.
#include <gtest/gtest.h>

#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

constexpr std::size_t max_body_bytes = 1024;

struct SmallBodyServer {
    static ServerOptions make() {
        ServerOptions options;
        options.extra_args = {"--max-body-bytes", std::to_string(max_body_bytes)};
        return options;
    }
};

class BadInput : public SharedServerTest<SmallBodyServer> {
protected:
    // Sends raw bytes on a new connection and parses what comes back.
    static Response raw_request(std::string_view bytes) {
        const auto raw = send_raw(port(), bytes);
        Response response;
        parse_response(raw, false, true, response);
        if (response.status == 0 && response.error.empty()) response.error = "incomplete response: " + raw.substr(0, 300);
        return response;
    }
};

TEST_F(BadInput, UnknownApiRouteIsNotFound) {
    for (const char* target : {"/api/nope", "/api", "/api/", "/api/events/1/sessions/2/nope", "/api/health/extra"}) {
        const auto r = get(port(), target);
        EXPECT_EQ(r.status, 404) << target << ": " << r.error;
        EXPECT_TRUE(is_json_error(r, "not_found")) << target;
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, UnknownEventIsNotFound) {
    for (const char* target : {"/api/events/999999", "/api/events/0", "/api/events/no-such-event",
                               "/api/events/999999999999999999", "/api/events/99999999999999999999999999"}) {
        const auto r = get(port(), target);
        EXPECT_EQ(r.status, 404) << target << ": " << r.error;
        EXPECT_TRUE(is_json_error(r, "event_not_found")) << target;
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, JunkEventIdIsNotFound) {
    for (const char* target : {"/api/events/%27%20OR%201=1", "/api/events/1%3BDROP%20TABLE%20events", "/api/events/-1",
                               "/api/events/1.5", "/api/events/HYDERABAD-2014", "/api/events/%00", "/api/events/%ff%fe",
                               "/api/events/1e3"}) {
        const auto r = get(port(), target);
        EXPECT_EQ(r.status, 404) << target << ": " << r.error;
        EXPECT_TRUE(is_json_error(r)) << target;
    }
    // A long id is refused without echoing all of it back.
    const std::string long_id(5000, 'x');
    const auto r = get(port(), "/api/events/" + long_id);
    EXPECT_EQ(r.status, 404) << r.error;
    EXPECT_TRUE(is_json_error(r));
    EXPECT_LT(r.body.size(), 1000u);
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, RawNonAsciiInTheTargetStillGivesValidJson) {
    // Invalid UTF-8 straight in the request target: whatever the answer, its JSON must parse.
    const auto r = raw_request("GET /api/events/\xff\xfe\xc3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status << " " << r.error;
    EXPECT_TRUE(is_json_error(r)) << r.body;
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, WrongMethodIsNotAllowedWithAllowHeader) {
    for (const char* method : {"POST", "DELETE", "PUT", "PATCH"}) {
        for (const char* target : {"/api/events", "/api/events/1", "/api/health"}) {
            // Organisers change an event with PATCH (docs/api.md): that one is a route.
            if (std::string_view(method) == "PATCH" && std::string_view(target) == "/api/events/1") continue;
            const auto r = request(port(), method, target);
            EXPECT_EQ(r.status, 405) << method << " " << target << ": " << r.error;
            EXPECT_TRUE(is_json_error(r, "method_not_allowed")) << method << " " << target;
            const auto allow = r.header("Allow");
            EXPECT_TRUE(contains(allow, "GET")) << method << " " << target << " Allow: " << allow;
            EXPECT_TRUE(contains(allow, "HEAD")) << method << " " << target << " Allow: " << allow;
            EXPECT_FALSE(contains(allow, method)) << method << " " << target << " Allow: " << allow;
        }
    }
    // The web UI is read-only as well.
    const auto page = request(port(), "POST", "/", {}, "x=1");
    EXPECT_EQ(page.status, 405) << page.error;
    EXPECT_TRUE(is_json_error(page));
    EXPECT_TRUE(contains(page.header("Allow"), "GET")) << page.header("Allow");
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, MalformedRequestLineIsBadRequest) {
    for (const char* bytes : {"GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET /api/health\r\n\r\n", " / HTTP/1.1\r\n\r\n",
                              "GET /api/health HTTP/1.1 extra\r\nHost: x\r\n\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
                              "GET /api/health HTTP/1.1\r\nNo colon here\r\n\r\n"}) {
        const auto r = raw_request(bytes);
        EXPECT_EQ(r.status, 400) << nlohmann::json(std::string(bytes)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                 << ": " << r.error;
        EXPECT_TRUE(is_json_error(r, "bad_request")) << bytes;
        EXPECT_EQ(r.header("Connection"), "close");
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, AmbiguousBodyLengthIsBadRequestAndClosesTheConnection) {
    // The classic request-smuggling shapes: refused, and the connection is not reused.
    for (const char* bytes :
         {"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
          "POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
          "POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nabcde",
          "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"}) {
        const auto r = raw_request(bytes);
        EXPECT_EQ(r.status, 400) << bytes << ": " << r.error;
        EXPECT_TRUE(is_json_error(r, "bad_request")) << bytes;
        EXPECT_EQ(r.header("Connection"), "close") << bytes;
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, UnsupportedHttpVersionIsBadRequest) {
    for (const char* version : {"HTTP/1.x", "HTTP/2.0", "HTTP/9.9", "HTTP/10.1", "HTTPS/1.1", "http/1.1"}) {
        const auto r = raw_request(std::string("GET /api/health ") + version + "\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(r.status, 400) << version << ": " << r.error;
        EXPECT_TRUE(is_json_error(r, "bad_request")) << version;
    }
    // HTTP/1.0 is fine.
    const auto old = raw_request("GET /api/health HTTP/1.0\r\n\r\n");
    EXPECT_EQ(old.status, 200) << old.error;
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, OversizedHeaderIsRefusedWith431) {
    const std::string big(64 * 1024, 'a');
    const auto r = raw_request("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n");
    EXPECT_EQ(r.status, 431) << r.error;
    EXPECT_TRUE(is_json_error(r, "header_too_large"));
    // Many small headers add up just the same.
    std::string many = "GET /api/health HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(30, 'b') + "\r\n";
    const auto r2 = raw_request(many + "\r\n");
    EXPECT_EQ(r2.status, 431) << r2.error;
    EXPECT_TRUE(is_json_error(r2, "header_too_large"));
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, OversizedBodyIsRefusedWith413) {
    // Refused on the Content-Length alone, before the body is sent.
    const auto r = raw_request("POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               "Content-Length: 100000\r\n\r\n");
    EXPECT_EQ(r.status, 413) << r.error;
    EXPECT_TRUE(is_json_error(r, "body_too_large"));
    // And with the body actually sent.
    const std::string body(2 * max_body_bytes, '{');
    const auto r2 = raw_request("POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\n\r\n" + body);
    EXPECT_EQ(r2.status, 413) << r2.error;
    EXPECT_TRUE(is_json_error(r2, "body_too_large"));
    // A chunked body is held to the same limit.
    std::string chunked = "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 2; ++i) chunked += "400\r\n" + std::string(max_body_bytes, 'a') + "\r\n";
    const auto r3 = raw_request(chunked + "0\r\n\r\n");
    EXPECT_EQ(r3.status, 413) << r3.error;
    EXPECT_TRUE(is_json_error(r3, "body_too_large"));
    // A body within the limit on a GET-only route is simply a 405.
    const auto small = request(port(), "POST", "/api/events", {{"Content-Type", "application/json"}}, "{}");
    EXPECT_EQ(small.status, 405) << small.error;
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, PathTraversalIsNotFoundAndNeverLeaksTheFile) {
    struct Attempt {
        const char* target;
        std::vector<std::string> secrets;  // text of the file it aims at
    };
    const std::vector<std::string> passwd = {"root:", "/bin/", "nologin"};
    const std::vector<std::string> sql = {"CREATE TABLE", "schema", "PRIMARY KEY"};
    const std::vector<std::string> cmake = {"cmake_minimum_required", "add_executable", "project("};
    const std::vector<std::string> git = {"[core]", "repositoryformatversion"};
    const std::vector<Attempt> attempts = {
        {"/../../etc/passwd", passwd},
        {"/../../../../../../../../etc/passwd", passwd},
        {"/%2e%2e/%2e%2e/etc/passwd", passwd},
        {"/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd", passwd},
        {"/..%2f..%2f..%2f..%2fetc%2fpasswd", passwd},
        {"//etc/passwd", passwd},
        {"/css/..%2f..%2fschema%2f0001_initial.sql", sql},
        {"/css/../../schema/0001_initial.sql", sql},
        {"/js/%2e%2e/%2e%2e/schema/0001_initial.sql", sql},
        {"/.git/config", git},
        {"/../.git/config", git},
        {"/%2e%2e/.git/config", git},
        {"/js/../../CMakeLists.txt", cmake},
        {"/js/..%5c..%5cCMakeLists.txt", cmake},
        {"/./../CMakeLists.txt", cmake},
    };
    for (const auto& attempt : attempts) {
        const auto r = raw_request(format_request("GET", attempt.target));
        EXPECT_EQ(r.status, 404) << attempt.target << ": " << r.error;
        EXPECT_TRUE(is_json_error(r)) << attempt.target;
        for (const auto& secret : attempt.secrets)
            EXPECT_FALSE(contains(r.body, secret)) << attempt.target << " leaked \"" << secret << "\": " << r.body.substr(0, 300);
    }
    // Any /events/{x} is the event page (the page then asks the API for x): it may be
    // served, but only the page, never the file the escapes aim at.
    for (const char* target : {"/events/..%2f..%2fCMakeLists.txt", "/events/%2e%2e%2f%2e%2e%2fCMakeLists.txt"}) {
        const auto r = raw_request(format_request("GET", target));
        EXPECT_TRUE(r.status == 404 || (r.status == 200 && r.body == read_text_file(web_root() + "/event.html")))
            << target << ": " << r.status << " " << r.error << r.body.substr(0, 300);
        for (const auto& secret : cmake) EXPECT_FALSE(contains(r.body, secret)) << target << " leaked \"" << secret << "\"";
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, NulByteEscapeIsNotFound) {
    for (const char* target : {"/%00", "/index.html%00", "/index.html%00.css", "/css/app.css%00.html", "/js%00/event.js"}) {
        const auto r = raw_request(format_request("GET", target));
        EXPECT_EQ(r.status, 404) << target << ": " << r.error;
        EXPECT_TRUE(is_json_error(r)) << target;
    }
    // Broken escapes are not found either, rather than decoded loosely.
    for (const char* target : {"/index.html%", "/index.html%2", "/%zz"}) {
        const auto r = raw_request(format_request("GET", target));
        EXPECT_EQ(r.status, 404) << target << ": " << r.error;
        EXPECT_TRUE(is_json_error(r)) << target;
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(BadInput, ClientThatSendsHalfARequestAndLeavesDoesNotHurtTheServer) {
    {
        Connection silent(port());  // connects, sends nothing, leaves
        ASSERT_TRUE(silent.connected()) << silent.error();
    }
    {
        Connection half(port());
        ASSERT_TRUE(half.connected()) << half.error();
        ASSERT_TRUE(half.send("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: appl"));
    }
    {
        // Half a body, then end of stream: no answer is owed, and none may be a success.
        Connection half_body(port());
        ASSERT_TRUE(half_body.connected()) << half_body.error();
        ASSERT_TRUE(half_body.send("POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{\"a\":"));
        half_body.shutdown_send();
        const auto rest = half_body.read_until_close();
        EXPECT_FALSE(contains(rest, " 200 ")) << rest.substr(0, 300);
    }
    EXPECT_TRUE(still_serving(port()));
    EXPECT_TRUE(still_serving(port()));
}

TEST(BadInputTimeouts, SilentClientIsDisconnectedAfterTheIdleTimeout) {
    ServerOptions options;
    options.extra_args = {"--idle-timeout", "1"};
    ServerProcess server(options);
    Connection slow(server.port(), std::chrono::seconds(30));
    ASSERT_TRUE(slow.connected()) << slow.error();
    ASSERT_TRUE(slow.send("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"));  // and then nothing
    // Bounded by the client's 30 s receive timeout; the server should hang up long before.
    EXPECT_TRUE(slow.wait_for_close()) << "the server kept a silent client: " << slow.error();
    EXPECT_TRUE(still_serving(server.port()));
}

TEST_F(BadInput, TwoHundredConcurrentClientsAllGetTheEventList) {
    constexpr int clients = 200;
    std::latch start(clients);
    std::mutex mutex;
    std::vector<std::string> failures;
    int ok = 0;
    std::vector<std::thread> threads;
    threads.reserve(clients);
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();  // all at once
            const auto r = request(port(), "GET", "/api/events", {}, {}, std::chrono::seconds(60));
            std::string problem;
            if (r.status != 200) {
                problem = "client " + std::to_string(i) + ": " + (r.status ? "status " + std::to_string(r.status) : r.error);
            } else {
                const auto body = parse_json(r.body);
                if (body.is_discarded() || !body.contains("events") || body["events"].empty())
                    problem = "client " + std::to_string(i) + ": bad body " + r.body.substr(0, 100);
            }
            std::lock_guard lock(mutex);
            if (problem.empty()) ++ok;
            else failures.push_back(problem);
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok, clients);
    for (const auto& f : failures) ADD_FAILURE() << f;
    EXPECT_TRUE(still_serving(port()));
}

}  // namespace
}  // namespace congress::it
