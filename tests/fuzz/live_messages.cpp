// What a /live client sends after the handshake, through the real WebSocket session
// (net/ws_session: the frame reader net/ws_frame, rate limits, subscribe and unsubscribe,
// topics live/topic, resync against the hub, snapshots from the live feed read from the demo
// database, check-in topics authenticated with the connection's cookie).
//
// The session runs on a transport held in memory (the WsTransport interface that plain
// TCP and TLS implement in net/ws_transport.cpp) and on an io_context run by this thread;
// nothing else is replaced. The bytes the session sends back are counted, not parsed. Once
// the connection has closed, the session must be gone and the hub hold none of its topics.
//
// Input: the first byte holds flags. Bit 0 clear: the rest is lines, each sent as one
// masked text frame (so that the fuzzer works on the JSON messages); set: the rest is the
// raw byte stream (frames as the client masks them), delivered in reads of (byte >> 2)
// bytes, or all at once when that is 0. Bit 1: the upgrade carries the staff session's
// cookie. Placeholders (@EVENT@, @CODE@...) are replaced in line mode.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <latch>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>

#include "api/live_feed.hpp"
#include "api/authenticator.hpp"
#include "api_fixture.hpp"
#include "live/hub.hpp"
#include "net/server_context.hpp"
#include "net/ws_session.hpp"
#include "storage/database.hpp"

using namespace congress;
namespace asio = boost::asio;

namespace {

class MemoryTransport : public net::WsTransport {
public:
    MemoryTransport(asio::io_context& io, std::deque<std::string> reads) : io_(io), reads_(std::move(reads)) {}

    asio::any_io_executor executor() override { return io_.get_executor(); }
    std::string remote_address() override { return "203.0.113.7"; }
    bool limit_send_buffer(int) override { return true; }
    void accept(const Upgrade&, std::function<void(boost::beast::error_code)> done) override {
        asio::post(io_, [done = std::move(done)] { done({}); });
    }
    void read(std::function<void(boost::beast::error_code, std::string_view)> done) override {
        if (closed_) {
            asio::post(io_, [done = std::move(done)] { done(asio::error::operation_aborted, {}); });
        } else if (!reads_.empty()) {
            current_ = std::move(reads_.front());
            reads_.pop_front();
            asio::post(io_, [this, done = std::move(done)] { done({}, current_); });
        } else {
            waiting_ = std::move(done);  // until end_of_input()
        }
    }
    ssize_t try_send(const char*, std::size_t size) override {
        if (closed_) return -1;
        sent_ += size;
        return static_cast<ssize_t>(size);
    }
    void write_some(const char*, std::size_t size, std::function<void(boost::beast::error_code, std::size_t)> done) override {
        sent_ += size;
        asio::post(io_, [done = std::move(done), size] { done({}, size); });
    }
    void shutdown_send() override {}
    void close() override {
        closed_ = true;
        end_of_input();
    }
    // The client closes its side: a read waiting gets the end of the stream.
    void end_of_input() {
        if (auto done = std::exchange(waiting_, nullptr))
            asio::post(io_, [done = std::move(done)] { done(asio::error::eof, {}); });
    }
    bool reads_left() const { return !reads_.empty(); }

private:
    asio::io_context& io_;
    std::deque<std::string> reads_;
    std::string current_;
    std::function<void(boost::beast::error_code, std::string_view)> waiting_;
    std::atomic<bool> closed_{false};
    std::atomic<std::size_t> sent_{0};
};

// A masked client frame (RFC 6455 5.2), FIN set.
std::string client_frame(std::uint8_t opcode, std::string_view payload, std::uint32_t mask) {
    std::string frame;
    frame += static_cast<char>(0x80 | opcode);
    if (payload.size() < 126) {
        frame += static_cast<char>(0x80 | payload.size());
    } else if (payload.size() <= 0xFFFF) {
        frame += static_cast<char>(0x80 | 126);
        frame += static_cast<char>(payload.size() >> 8);
        frame += static_cast<char>(payload.size() & 0xFF);
    } else {
        frame += static_cast<char>(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((payload.size() >> shift) & 0xFF);
    }
    const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16), static_cast<char>(mask >> 8),
                         static_cast<char>(mask)};
    frame.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) frame += static_cast<char>(payload[i] ^ key[i % 4]);
    return frame;
}

struct Live {
    Live()
        : fixture(fuzz::ApiFixture::get()),
          context(options, fixture.router(), net::LiveServices{&fixture.hub(), &fixture.feed()}) {}
    fuzz::ApiFixture& fixture;
    net::ServerOptions options;  // the server's defaults, /live limits included
    net::ServerContext context;
    asio::io_context io;
};

Live& state() {
    static Live* instance = new Live();
    return *instance;
}

// Waits until every read queued on the database so far has run (snapshots, and the cookie
// checks of check-in topics), by holding each reader thread at once.
void drain_reads(storage::Database& db) {
    constexpr int readers = 2;  // as api_fixture.cpp opens the database
    auto all_held = std::make_shared<std::latch>(readers);
    auto done = std::make_shared<std::latch>(readers);
    for (int i = 0; i < readers; ++i)
        db.read([all_held, done](storage::Connection&) {
            all_held->arrive_and_wait();
            done->count_down();
        });
    done->wait();
}

// Runs the session's handlers and the database's replies until nothing moves.
void settle(Live& l) {
    for (int quiet = 0, round = 0; quiet < 2 && round < 50; ++round) {
        drain_reads(l.fixture.db());
        l.io.restart();
        quiet = l.io.poll() == 0 ? quiet + 1 : 0;
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    state();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return -1;
    auto& l = state();
    const std::uint8_t flags = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

    std::deque<std::string> reads;
    if ((flags & 1) == 0) {
        const auto text = l.fixture.substitute(rest);
        std::uint32_t mask = 0;
        for (std::size_t start = 0; start <= text.size();) {
            const auto end = std::min(text.find('\n', start), text.size());
            if (end > start) reads.push_back(client_frame(0x1, std::string_view(text).substr(start, end - start), mask));
            mask = mask * 2654435761u + 0x9e3779b9u;  // the first frame unmasked-looking, the others not
            start = end + 1;
        }
    } else if (const std::size_t piece = flags >> 2; piece == 0) {
        reads.emplace_back(rest);
    } else {
        for (std::size_t at = 0; at < rest.size(); at += piece) reads.emplace_back(rest.substr(at, piece));
    }

    auto transport = std::make_unique<MemoryTransport>(l.io, std::move(reads));
    auto* memory = transport.get();
    auto session = std::make_shared<net::WsSession>(std::move(transport), l.context);
    std::weak_ptr<net::WsSession> watched = session;
    net::WsTransport::Upgrade upgrade;
    upgrade.method(boost::beast::http::verb::get);
    upgrade.target("/live");
    upgrade.set(boost::beast::http::field::host, "localhost");
    if (flags & 2) upgrade.set(boost::beast::http::field::cookie, std::string(api::staff_cookie) + "=" + l.fixture.staff_cookie());
    session->start(std::move(upgrade));
    session.reset();

    // Each read is handled, then what it asked of the database comes back, before the next.
    for (;;) {
        const auto alive = watched.lock();  // `memory` lives as long as the session
        if (!alive || !memory->reads_left()) break;
        settle(l);
    }
    settle(l);
    if (auto alive = watched.lock()) {
        memory->end_of_input();
        alive.reset();
        settle(l);
    }
    // The session is gone once its socket is closed and nothing refers to it any more;
    // one that stays would leak (and keep its hub subscriptions).
    if (!watched.expired()) {
        std::fprintf(stderr, "\n==== fuzz invariant broken: a /live session outlived its connection\n");
        std::abort();
    }
    // And the hub holds none of its subscriptions.
    if (const auto left = l.fixture.hub().subscriptions(); left != 0) {
        std::fprintf(stderr, "\n==== fuzz invariant broken: %zu hub subscriptions left after the session closed\n", left);
        std::abort();
    }
    return 0;
}
