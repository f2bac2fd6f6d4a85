// checkin_client: the load client of bench/checkin.sh. N keep-alive HTTP/1.1 connections
// ("desks"), each a closed loop: send a request, wait for the whole answer, send the next.
// One thread, non-blocking sockets on epoll, so that the client costs little CPU and its own
// scheduling adds little to the latencies it measures.
//
// Unlike a duration-bound load tool, it makes an exact number of requests: a badge can be
// checked in only once, so the run is "these N badges", each sent once, by one connection.
//
//   checkin_client --port P --mode checkin --event ID --tokens FILE --cookie 'name=value'
//                  --csrf TOKEN [--connections 20]
//       POST /api/events/ID/checkin {"token": T, "desk": "Desk k"}: connection k (1-based)
//       takes the tokens k-1, k-1+N, k-1+2N, ... of FILE (one per line): its own slice.
//       A success is 200 with "result":"checked_in".
//   checkin_client --port P --mode health --requests N [--connections 20]
//       GET /api/health, N requests spread over the connections. A success is 200.
//   checkin_client --port P --mode register --event ID --requests N --tag T [--connections 20]
//       POST /api/events/ID/registrations with a new delegate each time (email
//       ck-T-<n>@bench.example.org), to set an event up. A success is 201.
//
// Prints, one line each (latencies in microseconds, from just before the request is written
// to the moment its whole answer has been read; nearest-rank percentiles):
//   CLIENT_RESULT mode=M connections=N requests=N ok=N other=N errors=N duration_us=D rate=R
//                 p50_us=A p90_us=B p99_us=C max_us=M
//   CLIENT_STATUS <status>=<count> ...
//   CLIENT_ANSWERS <result field>=<count> ...     (checkin mode: checked_in, refused, ...)
// rate = ok answers / duration, duration = first request written to last answer read.
// errors = requests that got no answer (a connection closed or failed). Exit status 0 when
// the run completed (whatever the answers), 1 on a usage or connection error.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    int port = 0;
    std::string mode;
    std::string event;
    std::string tokens_file;
    std::string cookie;
    std::string csrf;
    std::string tag = "bench";
    std::size_t connections = 20;
    std::size_t requests = 0;
};

[[noreturn]] void fail(const std::string& message) {
    std::fprintf(stderr, "checkin_client: %s\n", message.c_str());
    std::exit(1);
}

struct Conn {
    int fd = -1;
    std::size_t index = 0;            // 0-based; the desk is "Desk index+1"
    std::vector<std::size_t> work;    // item numbers this connection sends, in order
    std::size_t next = 0;             // the next item of `work` to send
    std::string out;                  // the request being written
    std::size_t written = 0;
    std::string in;                   // bytes read, not yet parsed
    Clock::time_point sent_at{};
    bool in_flight = false;
    bool dead = false;
};

struct Totals {
    std::vector<std::uint32_t> latencies_us;
    std::map<int, std::size_t> statuses;
    std::map<std::string, std::size_t> answers;
    std::size_t ok = 0, other = 0, errors = 0;
    Clock::time_point first{}, last{};
    bool started = false;
};

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + '"';
}

// The value of "result":"..." in a JSON answer, or "" (a plain scan: the server's own output).
std::string result_field(std::string_view body) {
    constexpr std::string_view key = "\"result\":\"";
    const auto at = body.find(key);
    if (at == std::string_view::npos) return {};
    const auto start = at + key.size();
    const auto end = body.find('"', start);
    return end == std::string_view::npos ? std::string{} : std::string(body.substr(start, end - start));
}

class Client {
public:
    Client(Options options, std::vector<std::string> tokens) : o_(std::move(options)), tokens_(std::move(tokens)) {}

    void run() {
        const std::size_t items = o_.mode == "checkin" ? tokens_.size() : o_.requests;
        if (items == 0) fail("nothing to send");
        conns_.resize(std::min(o_.connections, items));
        for (std::size_t i = 0; i < items; ++i) conns_[i % conns_.size()].work.push_back(i);
        epoll_ = epoll_create1(0);
        if (epoll_ < 0) fail(std::string("epoll_create1: ") + std::strerror(errno));
        for (std::size_t i = 0; i < conns_.size(); ++i) {
            conns_[i].index = i;
            open(conns_[i]);
        }
        totals_.latencies_us.reserve(items);
        for (auto& c : conns_) send_next(c);
        std::vector<epoll_event> events(conns_.size());
        while (active_ > 0) {
            const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 30000);
            if (n < 0) {
                if (errno == EINTR) continue;
                fail(std::string("epoll_wait: ") + std::strerror(errno));
            }
            if (n == 0) fail("no answer from the server for 30 s");
            for (int i = 0; i < n; ++i) {
                auto& c = conns_[events[i].data.u64];
                if (events[i].events & EPOLLOUT) flush(c);
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) receive(c);
            }
        }
        report(items);
    }

private:
    void open(Conn& c) {
        c.fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c.fd < 0) fail(std::string("socket: ") + std::strerror(errno));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(o_.port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            fail(std::string("connect: ") + std::strerror(errno));
        const int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const int flags = fcntl_nonblock(c.fd);
        if (flags < 0) fail("fcntl failed");
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = c.index;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) fail(std::string("epoll_ctl: ") + std::strerror(errno));
        ++active_;
    }

    static int fcntl_nonblock(int fd) {
        const int flags = fcntl(fd, F_GETFL, 0);
        if (flags < 0) return -1;
        return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }

    std::string request_for(const Conn& c, std::size_t item) const {
        const std::string host = "127.0.0.1:" + std::to_string(o_.port);
        if (o_.mode == "health") return "GET /api/health HTTP/1.1\r\nHost: " + host + "\r\nAccept: application/json\r\n\r\n";
        std::string path, body, extra;
        if (o_.mode == "checkin") {
            path = "/api/events/" + o_.event + "/checkin";
            body = "{\"token\":" + json_string(tokens_[item]) + ",\"desk\":\"Desk " + std::to_string(c.index + 1) + "\"}";
            extra = "Cookie: " + o_.cookie + "\r\nX-CSRF-Token: " + o_.csrf + "\r\n";
        } else {
            path = "/api/events/" + o_.event + "/registrations";
            const std::string n = std::to_string(item);
            body = "{\"name\":\"Bench Delegate " + n + "\",\"email\":\"ck-" + o_.tag + "-" + n + "@bench.example.org\"}";
        }
        return "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: application/json\r\n" + extra +
               "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }

    void send_next(Conn& c) {
        if (c.dead) return;
        if (c.next >= c.work.size()) {
            finish(c);
            return;
        }
        c.out = request_for(c, c.work[c.next]);
        c.written = 0;
        c.in_flight = true;
        c.sent_at = Clock::now();
        if (!totals_.started) {
            totals_.started = true;
            totals_.first = c.sent_at;
        }
        flush(c);
    }

    void flush(Conn& c) {
        while (c.written < c.out.size()) {
            const ssize_t n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
            if (n > 0) {
                c.written += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                watch(c, EPOLLIN | EPOLLOUT);
                return;
            }
            broken(c, "send failed");
            return;
        }
        watch(c, EPOLLIN);
    }

    void watch(Conn& c, std::uint32_t mask) {
        epoll_event ev{};
        ev.events = mask;
        ev.data.u64 = c.index;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
    }

    void receive(Conn& c) {
        char buffer[16384];
        for (;;) {
            const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                c.in.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            parse(c);  // whatever arrived before the close
            if (!c.dead) broken(c, n == 0 ? "the server closed the connection" : "recv failed");
            return;
        }
        parse(c);
    }

    // Parses every complete answer in c.in (normally exactly one).
    void parse(Conn& c) {
        while (c.in_flight && !c.dead) {
            const auto head_end = c.in.find("\r\n\r\n");
            if (head_end == std::string::npos) return;
            const std::string_view head(c.in.data(), head_end);
            if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
                broken(c, "not an HTTP answer");
                return;
            }
            const int status = std::atoi(std::string(head.substr(9, 3)).c_str());
            std::size_t length = 0;
            bool has_length = false, close = false;
            std::size_t line = head.find("\r\n");
            while (line != std::string_view::npos && line < head.size()) {
                const auto end = head.find("\r\n", line + 2);
                std::string header(head.substr(line + 2, (end == std::string_view::npos ? head.size() : end) - line - 2));
                std::string lower = header;
                std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
                if (lower.rfind("content-length:", 0) == 0) {
                    length = std::strtoull(header.c_str() + 15, nullptr, 10);
                    has_length = true;
                } else if (lower.rfind("transfer-encoding:", 0) == 0) {
                    broken(c, "chunked answers are not supported");
                    return;
                } else if (lower.rfind("connection:", 0) == 0 && lower.find("close") != std::string::npos) {
                    close = true;
                }
                line = end;
            }
            if (!has_length) {
                broken(c, "an answer without Content-Length");
                return;
            }
            if (c.in.size() < head_end + 4 + length) return;
            const auto now = Clock::now();
            const std::string_view body(c.in.data() + head_end + 4, length);
            record(status, body, now - c.sent_at);
            totals_.last = now;
            c.in.erase(0, head_end + 4 + length);
            c.in_flight = false;
            ++c.next;
            if (close) {
                broken(c, "the server asked to close the connection");
                return;
            }
            send_next(c);
        }
    }

    void record(int status, std::string_view body, Clock::duration latency) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
        totals_.latencies_us.push_back(static_cast<std::uint32_t>(std::max<long long>(0, us)));
        ++totals_.statuses[status];
        bool ok = false;
        if (o_.mode == "checkin") {
            const auto result = result_field(body);
            ++totals_.answers[result.empty() ? "none" : result];
            ok = status == 200 && result == "checked_in";
        } else if (o_.mode == "health") {
            ok = status == 200;
        } else {
            ok = status == 201;
        }
        ++(ok ? totals_.ok : totals_.other);
    }

    void broken(Conn& c, const char* why) {
        if (c.dead) return;
        std::fprintf(stderr, "checkin_client: connection %zu: %s\n", c.index + 1, why);
        totals_.errors += c.work.size() - c.next;  // the one in flight and those never sent
        c.dead = true;
        finish(c);
    }

    void finish(Conn& c) {
        if (c.fd < 0) return;
        epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        --active_;
    }

    void report(std::size_t items) {
        auto& l = totals_.latencies_us;
        std::sort(l.begin(), l.end());
        const auto pct = [&l](double p) -> std::uint32_t {
            if (l.empty()) return 0;
            auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(l.size()) + 0.999999);
            rank = std::clamp<std::size_t>(rank, 1, l.size());
            return l[rank - 1];
        };
        const double duration_us =
            totals_.started ? std::chrono::duration<double, std::micro>(totals_.last - totals_.first).count() : 0.0;
        const double rate = duration_us > 0 ? static_cast<double>(totals_.ok) / (duration_us / 1e6) : 0.0;
        std::printf("CLIENT_RESULT mode=%s connections=%zu requests=%zu ok=%zu other=%zu errors=%zu duration_us=%.0f rate=%.1f "
                    "p50_us=%u p90_us=%u p99_us=%u max_us=%u\n",
                    o_.mode.c_str(), conns_.size(), items, totals_.ok, totals_.other, totals_.errors, duration_us, rate,
                    pct(50), pct(90), pct(99), l.empty() ? 0u : l.back());
        std::printf("CLIENT_STATUS");
        for (const auto& [status, count] : totals_.statuses) std::printf(" %d=%zu", status, count);
        std::printf("\nCLIENT_ANSWERS");
        for (const auto& [answer, count] : totals_.answers) std::printf(" %s=%zu", answer.c_str(), count);
        std::printf("\n");
    }

    Options o_;
    std::vector<std::string> tokens_;
    std::vector<Conn> conns_;
    Totals totals_;
    int epoll_ = -1;
    std::size_t active_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) fail("missing value for " + arg);
        const std::string value = argv[++i];
        if (arg == "--port") o.port = std::atoi(value.c_str());
        else if (arg == "--mode") o.mode = value;
        else if (arg == "--event") o.event = value;
        else if (arg == "--tokens") o.tokens_file = value;
        else if (arg == "--cookie") o.cookie = value;
        else if (arg == "--csrf") o.csrf = value;
        else if (arg == "--tag") o.tag = value;
        else if (arg == "--connections") o.connections = std::strtoull(value.c_str(), nullptr, 10);
        else if (arg == "--requests") o.requests = std::strtoull(value.c_str(), nullptr, 10);
        else fail("unknown argument " + arg);
    }
    if (o.port <= 0 || o.port > 65535) fail("--port is required");
    if (o.connections == 0) fail("--connections must be at least 1");
    if (o.mode != "checkin" && o.mode != "health" && o.mode != "register") fail("--mode is checkin, health or register");
    if (o.mode != "health" && o.event.find_first_not_of("0123456789") != std::string::npos) fail("--event is an id");
    if (o.mode != "health" && o.event.empty()) fail("--event is required");
    std::vector<std::string> tokens;
    if (o.mode == "checkin") {
        if (o.cookie.empty() || o.csrf.empty()) fail("checkin needs --cookie and --csrf");
        std::ifstream in(o.tokens_file);
        if (!in) fail("cannot read --tokens " + o.tokens_file);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) tokens.push_back(line);
    }
    Client(std::move(o), std::move(tokens)).run();
    return 0;
}
