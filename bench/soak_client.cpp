// soak_client: the load generator of bench/soak.sh ("a congress day"). One process per role,
// each a single thread on epoll with non-blocking sockets, in the manner of checkin_client.cpp
// (keep-alive HTTP/1.1, Content-Length answers) and live_client.cpp (its JSON scanning of
// /live messages). The roles run side by side against one server:
//
//   --role delegates   registration opening: delegates register on an open-loop schedule (a
//                      burst ramping to --peak a second, then a decaying tail over --window s),
//                      some enrol in sessions (and leave some), some cancel.
//   --role live        browsers on the event page: GET /api/events/ID, then a /live WebSocket
//                      subscribed to event:ID (some also to session:S, registration:CODE);
//                      each stays a random time, leaves (close frame or abrupt close) and a new
//                      one joins: churn around --clients open at once. Answers pings, reads and
//                      checks every message (seq order per topic), and at the end compares the
//                      counts every client last saw with the server's.
//   --role organiser   moves sessions, changes their places, cancels a few.
//   --role desks       check-in desks: every badge of --tokens scanned once at a desk over the
//                      "morning", a few scanned again elsewhere; some desks go offline, admit
//                      delegates on their own, and send their queue to /checkin/sync when back
//                      (some send it twice).
//
// Times: every role gets --t0 (Unix ms, when registration opens) and plans its work in
// seconds after t0. Each writes, in --out:
//   acks-ROLE.txt         one line per acknowledged change (what the end checks look for)
//   stats-ROLE.txt        per kind of request: statuses, unanswered, p50/p99
//   lat-ROLE-KIND.txt     every latency in microseconds (merged by soak.sh)
// Latency is from the moment a request was due (open loop: it includes any wait for a free
// connection) to the moment its whole answer has been read.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& m) {
    std::fprintf(stderr, "soak_client: %s\n", m.c_str());
    std::exit(1);
}

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// --- options -------------------------------------------------------------------------------

struct Options {
    std::string role, out = ".", event, cookie, csrf, tokens, desks_file, codes_file, stop_file, sessions;
    int port = 0;
    std::int64_t t0 = 0;  // Unix ms
    double duration = 1800, window = 600, peak = 2000, burst_share = 0.35;
    long delegates = 22000, cancels = 660;
    double enrol_share = 0.6, leave_share = 0.1;
    int clients = 10000, per_address = 900, concurrency = 200, pool = 400;
    double lifetime = 600, session_share = 0.2, registration_share = 0.1;
    double morning_start = 660, morning_end = 1620, offline_share = 0.15, rescan_share = 0.02;
    double edit_every = 15;
    int max_cancels = 5;
    unsigned seed = 7;
    std::string tag = "soak";
};

std::string now_rfc3339_utc() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t s = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

// --- tiny JSON scanning (the server writes compact JSON) ----------------------------------

std::size_t skip_ws(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
    return i;
}
// Position just after "key": in s[from, to), or npos.
std::size_t value_of(std::string_view s, std::string_view key, std::size_t from = 0,
                     std::size_t to = std::string_view::npos) {
    to = std::min(to, s.size());
    std::size_t i = from;
    while (true) {
        i = s.find(key, i);
        if (i == std::string_view::npos || i + key.size() > to) return std::string_view::npos;
        if (i > 0 && s[i - 1] == '"' && i + key.size() < s.size() && s[i + key.size()] == '"') {
            std::size_t j = skip_ws(s, i + key.size() + 1);
            if (j < s.size() && s[j] == ':') return skip_ws(s, j + 1);
        }
        i += key.size();
    }
}
std::optional<long> int_of(std::string_view s, std::string_view key, std::size_t from = 0,
                           std::size_t to = std::string_view::npos) {
    std::size_t i = value_of(s, key, from, to);
    if (i == std::string_view::npos) return std::nullopt;
    long v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + std::min(to, s.size()), v);
    if (ec != std::errc{}) return std::nullopt;
    return v;
}
std::string str_of(std::string_view s, std::string_view key, std::size_t from = 0) {
    std::size_t i = value_of(s, key, from);
    if (i == std::string_view::npos || s[i] != '"') return {};
    std::size_t e = s.find('"', i + 1);
    if (e == std::string_view::npos) return {};
    return std::string(s.substr(i + 1, e - i - 1));
}
// The raw text of the value of a top-level key of a JSON object ("" when absent): nested
// objects' keys of the same name are not taken (the server sorts keys, so order says nothing).
std::string_view top_value(std::string_view obj, std::string_view key) {
    int depth = 0;
    bool in_string = false;
    std::size_t string_start = 0;
    for (std::size_t i = 0; i < obj.size(); ++i) {
        const char c = obj[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') {
                in_string = false;
                if (depth == 1 && obj.substr(string_start, i - string_start) == key) {
                    std::size_t j = skip_ws(obj, i + 1);
                    if (j < obj.size() && obj[j] == ':') {
                        j = skip_ws(obj, j + 1);
                        // the value: up to the next ',' or '}' at this depth
                        int d = 0;
                        bool s = false;
                        std::size_t k = j;
                        for (; k < obj.size(); ++k) {
                            const char v = obj[k];
                            if (s) {
                                if (v == '\\') ++k;
                                else if (v == '"') s = false;
                            } else if (v == '"') s = true;
                            else if (v == '{' || v == '[') ++d;
                            else if (v == '}' || v == ']') {
                                if (d == 0) break;
                                --d;
                            } else if (v == ',' && d == 0) break;
                        }
                        return obj.substr(j, k - j);
                    }
                }
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            string_start = i + 1;
        } else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') --depth;
    }
    return {};
}
std::string unquote(std::string_view v) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return std::string(v.substr(1, v.size() - 2));
    return std::string(v);
}
// The objects of the top-level array `key` of a JSON object.
std::vector<std::string_view> array_objects(std::string_view body, std::string_view key) {
    std::vector<std::string_view> out;
    std::string_view arr = top_value(body, key);
    int depth = 0;
    bool s = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const char c = arr[i];
        if (s) {
            if (c == '\\') ++i;
            else if (c == '"') s = false;
        } else if (c == '"') s = true;
        else if (c == '{' || c == '[') {
            if (c == '{' && depth == 1) start = i;
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
            if (c == '}' && depth == 1) out.push_back(arr.substr(start, i - start + 1));
        }
    }
    return out;
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + '"';
}
// confirmed + waitlisted of the seats object whose "session" is `session` (-1: null).
std::optional<long> seats_total(std::string_view s, long session) {
    std::size_t i = 0;
    while (true) {
        i = value_of(s, "session", i);
        if (i == std::string_view::npos) return std::nullopt;
        if (session < 0) {
            if (s.substr(i, 4) == "null") break;
        } else {
            long v = -1;
            std::from_chars(s.data() + i, s.data() + s.size(), v);
            if (v == session) break;
        }
    }
    std::size_t begin = s.rfind('{', i), end = s.find('}', i);
    if (begin == std::string_view::npos || end == std::string_view::npos) return std::nullopt;
    auto c = int_of(s, "confirmed", begin, end), w = int_of(s, "waitlisted", begin, end);
    if (!c || !w) return std::nullopt;
    return *c + *w;
}

// --- stats ----------------------------------------------------------------------------------

struct KindStats {
    std::map<int, long> statuses;  // 0 = no answer
    std::map<std::string, long> codes;
    std::vector<std::uint32_t> lat_us;
};
std::map<std::string, KindStats> g_stats;

void record(const std::string& kind, int status, std::string_view body, Clock::time_point due) {
    auto& k = g_stats[kind];
    ++k.statuses[status];
    if (status >= 400) {
        const auto at = body.find("\"error\"");
        std::string code = at == std::string_view::npos ? std::string() : str_of(body, "code", at);
        ++k.codes[std::to_string(status) + ":" + (code.empty() ? "?" : code)];
    }
    if (status > 0) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due).count();
        k.lat_us.push_back(static_cast<std::uint32_t>(std::clamp<long long>(us, 0, 0xffffffffLL)));
    }
}

void write_stats(const Options& o) {
    std::ofstream st(o.out + "/stats-" + o.role + ".txt");
    for (auto& [kind, k] : g_stats) {
        std::sort(k.lat_us.begin(), k.lat_us.end());
        long total = 0;
        for (auto& [s, n] : k.statuses) total += n;
        st << "KIND " << kind << " requests=" << total;
        st << " statuses";
        for (auto& [s, n] : k.statuses) st << " " << (s == 0 ? std::string("none") : std::to_string(s)) << "=" << n;
        st << " codes";
        for (auto& [c, n] : k.codes) st << " " << c << "=" << n;
        st << "\n";
        std::ofstream lat(o.out + "/lat-" + o.role + "-" + kind + ".txt");
        for (auto v : k.lat_us) lat << v << "\n";
    }
}

// --- the event loop -------------------------------------------------------------------------

struct Handler {
    virtual ~Handler() = default;
    virtual void on_event(std::uint32_t events) = 0;
};

struct Loop {
    int ep = -1;
    struct Timer {
        Clock::time_point at;
        std::uint64_t seq;
        std::function<void()> fn;
        bool operator>(const Timer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
    std::uint64_t seq = 0;
    bool stopping = false;

    Loop() {
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) fail("epoll_create1");
    }
    void at(Clock::time_point t, std::function<void()> fn) { timers.push({t, seq++, std::move(fn)}); }
    void after(double s, std::function<void()> fn) {
        at(Clock::now() + std::chrono::microseconds(static_cast<long long>(s * 1e6)), std::move(fn));
    }
    void add(int fd, Handler* h, std::uint32_t ev) {
        epoll_event e{};
        e.events = ev;
        e.data.ptr = h;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) fail(std::string("epoll_ctl add: ") + std::strerror(errno));
    }
    void mod(int fd, Handler* h, std::uint32_t ev) {
        epoll_event e{};
        e.events = ev;
        e.data.ptr = h;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    }
    void del(int fd) { epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr); }
    void run() {
        std::vector<epoll_event> evs(1024);
        while (!stopping) {
            auto now = Clock::now();
            while (!timers.empty() && timers.top().at <= now) {
                auto fn = std::move(const_cast<Timer&>(timers.top()).fn);
                timers.pop();
                fn();
                if (stopping) return;
            }
            int timeout = 100;
            if (!timers.empty()) {
                auto d = std::chrono::duration_cast<std::chrono::milliseconds>(timers.top().at - Clock::now()).count();
                timeout = static_cast<int>(std::clamp<long long>(d + 1, 0, 100));
            }
            int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), timeout);
            if (n < 0 && errno != EINTR) fail("epoll_wait");
            for (int i = 0; i < n; ++i) static_cast<Handler*>(evs[i].data.ptr)->on_event(evs[i].events);
        }
    }
};

Options g_o;
Loop* g_loop = nullptr;

Clock::time_point g_t0_steady;  // t0 on the steady clock
Clock::time_point at_offset(double s) {
    return g_t0_steady + std::chrono::microseconds(static_cast<long long>(s * 1e6));
}
double since_t0() { return std::chrono::duration<double>(Clock::now() - g_t0_steady).count(); }

int open_socket(const std::string& src) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!src.empty() && src != "127.0.0.1") {
#ifdef IP_BIND_ADDRESS_NO_PORT
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
        sockaddr_in a{};
        a.sin_family = AF_INET;
        inet_pton(AF_INET, src.c_str(), &a.sin_addr);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            return -1;
        }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(g_o.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// --- HTTP: a pool of keep-alive connections, one request in flight on each ----------------

struct Request {
    std::string kind, method, path, body, headers;
    Clock::time_point due;
    std::function<void(int, std::string_view)> done;  // status 0: no answer
};

class Pool;

class HttpConn : public Handler {
public:
    HttpConn(Pool& p, int fd) : pool_(p), fd_(fd) {}
    void send(std::unique_ptr<Request> r);
    void on_event(std::uint32_t ev) override;
    bool busy() const { return req_ != nullptr; }
    bool dead = false;
    Clock::time_point last_used = Clock::now();
    void close_now();

private:
    void flush();
    void receive();
    void parse();
    void broken();
    Pool& pool_;
    int fd_;
    bool connected_ = false;
    std::unique_ptr<Request> req_;
    std::string out_, in_;
    std::size_t written_ = 0;
};

class Pool {
public:
    Pool(std::size_t max, std::string extra_headers = {}) : max_(max), extra_(std::move(extra_headers)) {
        reap();
    }
    void submit(std::string kind, std::string method, std::string path, std::string body,
                std::function<void(int, std::string_view)> done, Clock::time_point due = Clock::now(),
                std::string headers = {}) {
        auto r = std::make_unique<Request>();
        r->kind = std::move(kind);
        r->method = std::move(method);
        r->path = std::move(path);
        r->body = std::move(body);
        r->headers = extra_ + headers;
        r->due = due;
        r->done = std::move(done);
        queue_.push_back(std::move(r));
        dispatch();
    }
    void dispatch() {
        while (!queue_.empty()) {
            HttpConn* idle = nullptr;
            for (auto& c : conns_)
                if (!c->dead && !c->busy()) {
                    idle = c.get();
                    break;
                }
            if (!idle) {
                if (live_count() >= max_) return;
                int fd = open_socket("");
                if (fd < 0) {
                    auto r = std::move(queue_.front());
                    queue_.pop_front();
                    record(r->kind, 0, {}, r->due);
                    r->done(0, {});
                    continue;
                }
                conns_.push_back(std::make_unique<HttpConn>(*this, fd));
                idle = conns_.back().get();
                g_loop->add(fd, idle, EPOLLOUT | EPOLLIN);
            }
            auto r = std::move(queue_.front());
            queue_.pop_front();
            idle->send(std::move(r));
        }
    }
    std::size_t pending() const { return queue_.size(); }
    std::size_t in_flight() const {
        std::size_t n = 0;
        for (auto& c : conns_) n += (!c->dead && c->busy());
        return n;
    }
    void close_all() {
        for (auto& c : conns_) c->close_now();
    }

private:
    std::size_t live_count() const {
        std::size_t n = 0;
        for (auto& c : conns_) n += !c->dead;
        return n;
    }
    // The server closes a connection idle for 30 s; closing ours after 15 s avoids sending a
    // request on a connection the server is closing.
    void reap() {
        g_loop->after(5, [this] {
            const auto now = Clock::now();
            for (auto& c : conns_)
                if (!c->dead && !c->busy() && now - c->last_used > std::chrono::seconds(15)) c->close_now();
            // Freed only here, from the loop's top level, never inside a connection's own call.
            conns_.erase(std::remove_if(conns_.begin(), conns_.end(), [](auto& c) { return c->dead; }), conns_.end());
            reap();
        });
    }
    std::size_t max_;
    std::string extra_;
    std::deque<std::unique_ptr<Request>> queue_;
    std::vector<std::unique_ptr<HttpConn>> conns_;
};

void HttpConn::close_now() {
    if (dead) return;
    dead = true;
    g_loop->del(fd_);
    ::close(fd_);
}

void HttpConn::send(std::unique_ptr<Request> r) {
    req_ = std::move(r);
    out_ = req_->method + " " + req_->path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(g_o.port) +
           "\r\nAccept: application/json\r\n" + req_->headers;
    if (!req_->body.empty() || req_->method == "POST" || req_->method == "PATCH")
        out_ += "Content-Type: application/json\r\nContent-Length: " + std::to_string(req_->body.size()) + "\r\n";
    out_ += "\r\n" + req_->body;
    written_ = 0;
    if (connected_) flush();
}

void HttpConn::on_event(std::uint32_t ev) {
    if (dead) return;
    if (!connected_ && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return broken();
        connected_ = true;
    }
    if (ev & EPOLLOUT) flush();
    if (!dead && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) receive();
}

void HttpConn::flush() {
    while (req_ && written_ < out_.size()) {
        ssize_t n = ::send(fd_, out_.data() + written_, out_.size() - written_, MSG_NOSIGNAL);
        if (n > 0) {
            written_ += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            g_loop->mod(fd_, this, EPOLLIN | EPOLLOUT);
            return;
        }
        return broken();
    }
    g_loop->mod(fd_, this, EPOLLIN);
}

void HttpConn::receive() {
    char buf[65536];
    for (;;) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            in_.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        parse();
        return broken();
    }
    parse();
}

void HttpConn::parse() {
    if (!req_) {
        if (!in_.empty()) broken();
        return;
    }
    const auto head_end = in_.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    std::string_view head(in_.data(), head_end);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return broken();
    const int status = std::atoi(std::string(head.substr(9, 3)).c_str());
    std::size_t length = 0;
    bool close = false;
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos) length = std::strtoull(lower.c_str() + p + 17, nullptr, 10);
    if (auto p = lower.find("\r\nconnection:"); p != std::string::npos && lower.find("close", p) < lower.find("\r\n", p + 2)) close = true;
    if (in_.size() < head_end + 4 + length) return;
    std::string body = in_.substr(head_end + 4, length);
    in_.erase(0, head_end + 4 + length);
    auto r = std::move(req_);
    last_used = Clock::now();
    record(r->kind, status, body, r->due);
    if (close) close_now();
    r->done(status, body);
    if (!dead && close == false) pool_.dispatch();
    else pool_.dispatch();
}

void HttpConn::broken() {
    if (dead) return;
    close_now();
    if (req_) {
        auto r = std::move(req_);
        std::fprintf(stderr, "soak_client: %s %s: no answer (connection failed or closed)\n", r->method.c_str(),
                     r->path.c_str());
        record(r->kind, 0, {}, r->due);
        r->done(0, {});
    }
    pool_.dispatch();
}

// --- acks -------------------------------------------------------------------------------------

FILE* g_acks = nullptr;
void ack(const std::string& line) {
    std::fprintf(g_acks, "%s\n", line.c_str());
}
std::string t_ms() { return std::to_string(wall_ms() - g_o.t0); }

std::mt19937_64 g_rng;
double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(g_rng); }
double expo(double mean) { return std::exponential_distribution<double>(1.0 / mean)(g_rng); }
bool chance(double p) { return uniform(0, 1) < p; }

// Event sessions: id and start (for overlap avoidance nothing is needed: the server refuses).
std::vector<long> read_sessions(const std::string& list) {
    std::vector<long> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) if (!item.empty()) out.push_back(std::stol(item));
    return out;
}

// ============================ role: delegates ================================================

struct Delegate {
    long i;
    std::string code;
    std::string status;
    std::set<long> sessions;
};

void role_delegates() {
    auto* pool = new Pool(static_cast<std::size_t>(g_o.pool));
    const auto sessions = read_sessions(g_o.sessions);
    if (sessions.empty()) fail("--sessions is required");
    const long total = g_o.delegates + g_o.cancels;
    // The schedule: a burst ramping to `peak` in 2 s and holding it until burst_share of the
    // registrations are sent, then an exponentially decaying tail (time constant window/4)
    // spread until `window`.
    std::vector<double> times;
    const long nb = static_cast<long>(static_cast<double>(total) * g_o.burst_share);
    double t = 0;
    for (long k = 0; k < nb; ++k) {
        const double rate = std::max(50.0, g_o.peak * std::min(1.0, (t + 1e-3) / 2.0));
        t += 1.0 / rate;
        times.push_back(t);
    }
    const double tb = t, tau = g_o.window / 4, span = g_o.window - tb;
    const long nt = total - nb;
    for (long k = 0; k < nt; ++k) {
        const double u = (static_cast<double>(k) + 0.5) / static_cast<double>(nt);
        times.push_back(tb - tau * std::log(1 - u * (1 - std::exp(-span / tau))));
    }
    auto delegates = std::make_shared<std::vector<Delegate>>(static_cast<std::size_t>(total));
    auto cancels_left = std::make_shared<long>(g_o.cancels);
    const double enrol_until = g_o.duration * 0.85;

    std::function<void(Delegate&)> plan_enrol = [pool, sessions, enrol_until](Delegate& d) {
        const int n = 1 + static_cast<int>(uniform(0, 3));
        for (int k = 0; k < n; ++k) {
            const double when = std::min(enrol_until, since_t0() + expo(60));
            const long sid = sessions[static_cast<std::size_t>(uniform(0, static_cast<double>(sessions.size())))];
            Delegate* dp = &d;
            g_loop->at(at_offset(when), [pool, dp, sid, enrol_until] {
                if (dp->status != "confirmed" || dp->sessions.count(sid)) return;
                dp->sessions.insert(sid);
                const auto due = Clock::now();
                pool->submit("enrol", "POST", "/api/registrations/" + dp->code + "/sessions",
                             "{\"session_id\":" + std::to_string(sid) + "}",
                             [pool, dp, sid, enrol_until](int st, std::string_view body) {
                                 if (st != 201) {
                                     if (st == 0) dp->sessions.erase(sid);
                                     return;
                                 }
                                 const std::string s = unquote(top_value(top_value(body, "enrolment"), "status"));
                                 ack("E " + t_ms() + " " + dp->code + " " + std::to_string(sid) + " " + s);
                                 if (chance(g_o.leave_share)) {
                                     const double when2 = std::min(enrol_until, since_t0() + expo(120));
                                     g_loop->at(at_offset(when2), [pool, dp, sid] {
                                         if (dp->status != "confirmed") return;
                                         pool->submit("leave", "DELETE",
                                                      "/api/registrations/" + dp->code + "/sessions/" + std::to_string(sid),
                                                      "", [dp, sid](int st2, std::string_view) {
                                                          if (st2 == 200)
                                                              ack("L " + t_ms() + " " + dp->code + " " + std::to_string(sid));
                                                      });
                                     });
                                 }
                             },
                             due, "Idempotency-Key: en-" + g_o.tag + "-" + dp->code + "-" + std::to_string(sid) + "\r\n");
            });
        }
    };

    for (long i = 0; i < total; ++i) {
        g_loop->at(at_offset(times[static_cast<std::size_t>(i)]), [=]() {
            Delegate& d = (*delegates)[static_cast<std::size_t>(i)];
            d.i = i;
            const std::string n = std::to_string(i);
            static const char* langs[] = {"en", "fr", "es"};
            const std::string body = "{\"name\":\"Delegate " + n + "\",\"email\":\"d" + n + "-" + g_o.tag +
                                     "@wuf7.example.org\",\"organisation\":\"Delegation of country " +
                                     std::to_string(1 + i % 162) + "\",\"language\":\"" + langs[i % 3] + "\"}";
            pool->submit("register", "POST", "/api/events/" + g_o.event + "/registrations", body,
                         [=, &d](int st, std::string_view resp) {
                             if (st != 201) return;
                             const auto reg = top_value(resp, "registration");
                             d.code = unquote(top_value(reg, "code"));
                             d.status = unquote(top_value(reg, "status"));
                             ack("R " + t_ms() + " " + std::to_string(i) + " " + d.code + " " + d.status);
                             if (d.status != "confirmed") return;
                             if (*cancels_left > 0 && chance(static_cast<double>(g_o.cancels) / g_o.delegates * 1.5) &&
                                 since_t0() < g_o.window * 0.9) {
                                 --*cancels_left;
                                 const double when = uniform(since_t0() + 1, g_o.window);
                                 Delegate* dp = &d;
                                 g_loop->at(at_offset(when), [pool, dp] {
                                     dp->status = "cancelling";
                                     pool->submit("cancel", "DELETE", "/api/registrations/" + dp->code, "",
                                                  [dp](int st2, std::string_view) {
                                                      if (st2 == 200) {
                                                          dp->status = "cancelled";
                                                          ack("C " + t_ms() + " " + dp->code);
                                                      }
                                                  });
                                 });
                                 return;
                             }
                             if (chance(g_o.enrol_share)) plan_enrol(d);
                         },
                         Clock::now(), "Idempotency-Key: reg-" + g_o.tag + "-" + n + "\r\n");
        });
    }
    // Delegates that were waitlisted and have been promoted enrol too: a quick look at their
    // own page after the window (GET /api/registrations/{code}).
    g_loop->at(at_offset(g_o.window + 5), [=] {
        for (auto& d : *delegates) {
            if (d.status != "waitlisted") continue;
            Delegate* dp = &d;
            pool->submit("delegate_page", "GET", "/api/registrations/" + d.code, "", [dp, plan_enrol](int st, std::string_view b) {
                if (st != 200) return;
                if (unquote(top_value(top_value(b, "registration"), "status")) == "confirmed") {
                    dp->status = "confirmed";
                    if (chance(g_o.enrol_share)) plan_enrol(*dp);
                }
            });
        }
    });
    // Done when the schedule is over and nothing is left to send.
    std::function<void()> check_done;
    check_done = [pool, &check_done] {
        if (since_t0() > g_o.duration * 0.86 && g_loop->timers.size() <= 2 && pool->pending() == 0 && pool->in_flight() == 0) {
            g_loop->stopping = true;
            return;
        }
        g_loop->after(1, check_done);
    };
    g_loop->after(1, check_done);
    g_loop->run();
}

// ============================ role: organiser ================================================

void role_organiser() {
    auto* pool = new Pool(4, "Cookie: " + g_o.cookie + "\r\nX-CSRF-Token: " + g_o.csrf + "\r\n");
    struct S {
        long id;
        std::string starts_at, status = "scheduled";
        long capacity = -1;
    };
    auto sessions = std::make_shared<std::vector<S>>();
    for (long id : read_sessions(g_o.sessions)) sessions->push_back({id, "", "scheduled", -1});
    auto cancels = std::make_shared<int>(0);
    const double until = g_o.duration * 0.85;
    std::function<void()> edit;
    edit = [=, &edit] {
        if (since_t0() > until) {
            g_loop->stopping = pool->pending() == 0 && pool->in_flight() == 0;
            if (!g_loop->stopping) g_loop->after(1, edit);
            return;
        }
        auto& s = (*sessions)[static_cast<std::size_t>(uniform(0, static_cast<double>(sessions->size())))];
        S* sp = &s;
        const double r = uniform(0, 1);
        const auto after_edit = [pool](int, std::string_view) {
            // The organiser's page reloads the programme after each change.
            pool->submit("programme_read", "GET", "/api/events/" + g_o.event, "", [](int, std::string_view) {});
        };
        if (r < 0.08 && *cancels < g_o.max_cancels && sp->status == "scheduled") {
            ++*cancels;
            pool->submit("programme_edit", "POST", "/api/events/" + g_o.event + "/sessions/" + std::to_string(sp->id) + "/cancel",
                         "{\"reason\":\"Soak test: the speaker cannot come\"}", [sp, after_edit](int st, std::string_view b) {
                             if (st == 200) {
                                 sp->status = "cancelled";
                                 ack("X " + t_ms() + " " + std::to_string(sp->id));
                             }
                             after_edit(st, b);
                         });
        } else if (r < 0.35) {
            const long cap = 200 + static_cast<long>(uniform(0, 500));
            pool->submit("programme_edit", "PATCH", "/api/events/" + g_o.event + "/sessions/" + std::to_string(sp->id),
                         "{\"capacity\":" + std::to_string(cap) + ",\"reason\":\"Soak test: places changed\"}",
                         [sp, after_edit](int st, std::string_view b) {
                             if (st == 200) {
                                 sp->capacity = std::atol(std::string(top_value(top_value(b, "session"), "capacity")).c_str());
                                 ack("P " + t_ms() + " " + std::to_string(sp->id) + " " + std::to_string(sp->capacity));
                             }
                             after_edit(st, b);
                         });
        } else {
            // Move it: another hour of days 2-5 of the event (local wall-clock time).
            const int day = 2 + static_cast<int>(uniform(0, 4));
            const int hour = 9 + static_cast<int>(uniform(0, 8));
            const int minute = chance(0.5) ? 0 : 30;
            char when[40];
            std::snprintf(when, sizeof when, "2027-04-%02dT%02d:%02d", 5 + day, hour, minute);
            pool->submit("programme_edit", "PATCH", "/api/events/" + g_o.event + "/sessions/" + std::to_string(sp->id),
                         std::string("{\"starts_at\":\"") + when + "\",\"reason\":\"Soak test: moved\"}",
                         [sp, after_edit](int st, std::string_view b) {
                             if (st == 200) {
                                 sp->starts_at = unquote(top_value(top_value(b, "session"), "starts_at"));
                                 ack("M " + t_ms() + " " + std::to_string(sp->id) + " " + sp->starts_at);
                             }
                             after_edit(st, b);
                         });
        }
        g_loop->after(expo(g_o.edit_every), edit);
    };
    g_loop->at(at_offset(std::min(30.0, g_o.duration * 0.05)), edit);
    g_loop->run();
    std::ofstream f(g_o.out + "/programme-expected.txt");
    for (auto& s : *sessions) f << s.id << " " << s.status << " " << (s.starts_at.empty() ? "-" : s.starts_at) << " " << s.capacity << "\n";
}

// ============================ role: desks ====================================================

void role_desks() {
    struct Desk {
        std::string name;
        Pool* pool = nullptr;
        double offline_from = -1, offline_to = -1;
        bool replay_twice = false;
        std::vector<std::string> queue;  // JSON objects of the scans admitted offline
        std::set<long> admitted_offline;
        long scan_no = 0;
    };
    std::vector<std::unique_ptr<Desk>> desks;
    {
        std::ifstream in(g_o.desks_file);
        std::string name, cookie, csrf;
        while (in >> name >> cookie >> csrf) {
            auto d = std::make_unique<Desk>();
            d->name = name;
            d->pool = new Pool(1, "Cookie: " + cookie + "\r\nX-CSRF-Token: " + csrf + "\r\n");
            desks.push_back(std::move(d));
        }
    }
    if (desks.empty()) fail("no desks in " + g_o.desks_file);
    std::vector<std::pair<long, std::string>> badges;
    {
        std::ifstream in(g_o.tokens);
        long id;
        std::string token;
        while (in >> id >> token) badges.emplace_back(id, token);
    }
    if (badges.empty()) fail("no badges in " + g_o.tokens);
    std::shuffle(badges.begin(), badges.end(), g_rng);
    const double m0 = g_o.morning_start, m1 = g_o.morning_end, len = m1 - m0;
    // Some desks lose the network for a while in the middle of the morning.
    const std::size_t n_off = std::max<std::size_t>(1, static_cast<std::size_t>(desks.size() * g_o.offline_share));
    for (std::size_t k = 0; k < n_off && k < desks.size(); ++k) {
        auto& d = desks[desks.size() - 1 - k];
        d->offline_from = m0 + len * uniform(0.1, 0.5);
        d->offline_to = std::min(m1 - 5, d->offline_from + len * uniform(0.1, 0.3));
        d->replay_twice = k % 2 == 0;
    }
    auto online_at = std::make_shared<std::unordered_map<long, double>>();  // registration -> when admitted online
    auto recent = std::make_shared<std::deque<std::pair<long, std::string>>>();  // the last online admissions
    const std::string path = "/api/events/" + g_o.event + "/checkin";
    std::function<void(Desk*, long, const std::string&)> scan;
    scan = [&, online_at, recent, path](Desk* d, long id, const std::string& token) {
        const double now = since_t0();
        if (d->offline_from >= 0 && now >= d->offline_from && now < d->offline_to) {
            // Offline: the desk decides from its own copy (refreshed up to when it went offline).
            if (d->admitted_offline.count(id)) return;
            auto it = online_at->find(id);
            if (it != online_at->end() && it->second < d->offline_from - 60) return;  // amber, from its list
            d->admitted_offline.insert(id);
            const std::string scan_id = "o" + g_o.tag + "-" + d->name + "-" + std::to_string(++d->scan_no);
            d->queue.push_back("{\"scan_id\":\"" + scan_id + "\",\"token\":\"" + token + "\",\"scanned_at\":\"" +
                               now_rfc3339_utc() + "\"}");
            ack("O " + t_ms() + " " + std::to_string(id) + " " + d->name + " " + scan_id);
            // Duplicates, on purpose: now and then a delegate admitted offline here also
            // passes an online desk a little later (the server does not know yet), and this
            // desk admits a delegate another desk admitted online a moment ago.
            if (chance(0.1)) {
                Desk* other = desks[static_cast<std::size_t>(uniform(0, static_cast<double>(desks.size() - n_off)))].get();
                const std::string tok = token;
                g_loop->after(uniform(5, 30), [&scan, other, id, tok] { scan(other, id, tok); });
            }
            if (chance(0.1) && !recent->empty()) {
                const auto [rid, rtok] = recent->back();
                recent->pop_back();
                if ((*online_at)[rid] >= d->offline_from - 60) scan(d, rid, rtok);
            }
            return;
        }
        d->pool->submit("checkin", "POST", path,
                        "{\"token\":" + json_string(token) + ",\"desk\":\"" + d->name + "\"}",
                        [online_at, recent, id, d, token](int st, std::string_view b) {
                            const std::string result = unquote(top_value(b, "result"));
                            if (st == 200 && result == "checked_in") {
                                online_at->emplace(id, since_t0());
                                recent->emplace_back(id, token);
                                if (recent->size() > 200) recent->pop_front();
                                ack("K " + t_ms() + " " + std::to_string(id) + " " + d->name);
                            }
                        });
    };
    // Each badge once, at a time drawn from the morning's arrivals (most come early: the time
    // is len * u^1.6), at a random desk; a few badges a second time at another desk later.
    for (auto& [id, token] : badges) {
        const double when = m0 + len * std::pow(uniform(0, 1), 1.6);
        Desk* d = desks[static_cast<std::size_t>(uniform(0, static_cast<double>(desks.size())))].get();
        const long rid = id;
        const std::string tok = token;
        g_loop->at(at_offset(when), [=] { scan(d, rid, tok); });
        if (chance(g_o.rescan_share)) {
            Desk* d2 = desks[static_cast<std::size_t>(uniform(0, static_cast<double>(desks.size())))].get();
            const double when2 = std::min(m1, when + uniform(5, 120));
            g_loop->at(at_offset(when2), [=] { scan(d2, rid, tok); });
        }
    }
    // Back online: send the queue (500 scans a request); some desks send it all again.
    auto sync = [path](Desk* d, int round) {
        for (std::size_t k = 0; k < d->queue.size(); k += 500) {
            std::string body = "{\"desk\":\"" + d->name + "\",\"scans\":[";
            for (std::size_t j = k; j < std::min(d->queue.size(), k + 500); ++j) body += (j > k ? "," : "") + d->queue[j];
            body += "]}";
            d->pool->submit("offline_replay", "POST", path + "/sync", body, [d, round](int st, std::string_view b) {
                if (st != 200) return;
                // One line per result: scan id, result, duplicate, replayed.
                for (const auto one : array_objects(b, "results")) {
                    const std::string sid = unquote(top_value(one, "scan_id"));
                    const std::string result = unquote(top_value(one, "result"));
                    const bool dup = top_value(one, "duplicate") == "true";
                    const bool rep = top_value(one, "replayed") == "true";
                    ack("S " + t_ms() + " " + (sid.empty() ? "-" : sid) + " " + (result.empty() ? "-" : result) + " " +
                        (dup ? "1" : "0") + " " + (rep ? "1" : "0") + " " + std::to_string(round));
                }
            });
        }
    };
    for (auto& dp : desks) {
        Desk* d = dp.get();
        if (d->offline_from < 0) continue;
        g_loop->at(at_offset(d->offline_to), [d, sync] { sync(d, 1); });
        if (d->replay_twice) g_loop->at(at_offset(d->offline_to + 20), [d, sync] { sync(d, 2); });
    }
    std::function<void()> check_done;
    check_done = [&] {
        bool idle = true;
        for (auto& d : desks) idle = idle && d->pool->pending() == 0 && d->pool->in_flight() == 0;
        if (since_t0() > m1 + 30 && g_loop->timers.size() <= desks.size() + 2 && idle) {
            g_loop->stopping = true;
            return;
        }
        g_loop->after(1, check_done);
    };
    g_loop->after(1, check_done);
    g_loop->run();
}

// ============================ role: live =====================================================

struct LiveTotals {
    long joins = 0, leaves = 0, open = 0, failed = 0, server_closed = 0, messages = 0, out_of_order = 0;
    std::map<std::string, long> types, close_codes, errors;
    // Delivery lag of pushed messages: read time - their "at" (publish time, wall clock,
    // truncated to the ms), in 1 ms buckets up to 30 minutes; the last bucket takes the rest.
    std::vector<std::uint64_t> lag_ms = std::vector<std::uint64_t>(1800001, 0);
    std::uint64_t lag_n = 0;
} g_live;

// "at" (2026-11-25T18:30:01.123Z) as Unix ms; the seconds part is cached, since consecutive
// messages mostly share it.
std::optional<std::int64_t> at_ms(std::string_view m) {
    static std::string last_prefix;
    static std::int64_t last_s = 0;
    const std::size_t i = value_of(m, "at");
    if (i == std::string_view::npos || m[i] != '"' || m.size() < i + 25) return std::nullopt;
    const std::string_view v = m.substr(i + 1, 24);
    if (v[19] != '.' || v[23] != 'Z') return std::nullopt;
    if (v.substr(0, 19) != last_prefix) {
        std::tm tm{};
        const std::string p(v.substr(0, 19));
        if (std::sscanf(p.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                        &tm.tm_sec) != 6)
            return std::nullopt;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        last_s = static_cast<std::int64_t>(timegm(&tm));
        last_prefix = p;
    }
    return last_s * 1000 + (v[20] - '0') * 100 + (v[21] - '0') * 10 + (v[22] - '0');
}

class Live;
std::vector<std::string> g_codes;  // registration codes known so far (from the delegates' acks)

class WsConn : public Handler {
public:
    WsConn(Live& l, int idx) : live_(l), idx_(idx) {}
    void start();
    void on_event(std::uint32_t ev) override;
    void leave(bool clean);
    bool open = false, dead = false, snap = false;
    long session = -1;
    std::string code;
    long last_event_total = -1, last_session_total = -1;

private:
    void send_frame(int opcode, std::string_view payload);
    void flush();
    void receive();
    void process();
    void on_message(std::string_view m);
    void lost(const std::string& why);
    Live& live_;
    int idx_;
    int fd_ = -1;
    std::string in_, out_, frag_;
    bool handshaken_ = false, closing_ = false, recorded_ = false;
    std::string eof_;
    Clock::time_point started_;
    std::map<std::string, long> seq_;
};

class Live {
public:
    Live() : reads_(32) {}
    Pool reads_;
    std::vector<std::unique_ptr<WsConn>> slots;
    bool ending = false;
    long connecting = 0;
    std::deque<int> waiting;  // slots waiting to (re)join, limited by --concurrency
    void join(int idx) {
        waiting.push_back(idx);
        pump();
    }
    void pump() {
        while (!ending && connecting < g_o.concurrency && !waiting.empty()) {
            int idx = waiting.front();
            waiting.pop_front();
            ++connecting;
            const auto due = Clock::now();
            reads_.submit("programme_read", "GET", "/api/events/" + g_o.event, "", [this, idx](int, std::string_view) {
                if (ending) {
                    --connecting;
                    return;
                }
                auto c = std::make_unique<WsConn>(*this, idx);
                WsConn* cp = c.get();
                // The old connection (if any) is kept until its close completes; replace later.
                old_.push_back(std::move(slots[static_cast<std::size_t>(idx)]));
                slots[static_cast<std::size_t>(idx)] = std::move(c);
                cp->start();
            }, due);
        }
    }
    void opened(WsConn* c, int idx) {
        --connecting;
        ++g_live.open;
        pump();
        if (!ending) {
            const double life = expo(g_o.lifetime);
            g_loop->after(life, [this, c, idx] {
                if (ending || slots[static_cast<std::size_t>(idx)].get() != c || c->dead) return;
                c->leave(chance(0.5));
                g_loop->after(expo(5), [this, idx] { join(idx); });
            });
        }
    }
    void failed(int idx, bool was_open) {
        if (was_open) --g_live.open;
        else {
            --connecting;
            ++g_live.failed;
        }
        pump();
        if (!ending) g_loop->after(1 + expo(2), [this, idx] { join(idx); });
    }
    std::vector<std::unique_ptr<WsConn>> old_;  // replaced connections: pending timers may still name them
};

void WsConn::start() {
    started_ = Clock::now();
    const int per = std::max(1, g_o.per_address);
    const std::string src = "127.0.0." + std::to_string(2 + idx_ / per);
    fd_ = open_socket(src);
    ++g_live.joins;
    if (fd_ < 0) {
        dead = true;
        record("live_connect", 0, {}, started_);
        live_.failed(idx_, false);
        return;
    }
    out_ = "GET /live HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(g_o.port) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://127.0.0.1:" + std::to_string(g_o.port) + "\r\n\r\n";
    g_loop->add(fd_, this, EPOLLIN | EPOLLOUT);
}

void WsConn::send_frame(int opcode, std::string_view payload) {
    std::string f;
    f += static_cast<char>(0x80 | opcode);
    if (payload.size() < 126) {
        f += static_cast<char>(0x80 | payload.size());
    } else {
        f += static_cast<char>(0x80 | 126);
        f += static_cast<char>((payload.size() >> 8) & 0xff);
        f += static_cast<char>(payload.size() & 0xff);
    }
    const std::uint32_t key = static_cast<std::uint32_t>(g_rng());
    const unsigned char k[4] = {static_cast<unsigned char>(key), static_cast<unsigned char>(key >> 8),
                                static_cast<unsigned char>(key >> 16), static_cast<unsigned char>(key >> 24)};
    f.append(reinterpret_cast<const char*>(k), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ k[i % 4]);
    out_ += f;
    flush();
}

void WsConn::flush() {
    while (!out_.empty()) {
        ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
        if (n > 0) {
            out_.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            g_loop->mod(fd_, this, EPOLLIN | EPOLLOUT);
            return;
        }
        return lost("send failed");
    }
    g_loop->mod(fd_, this, EPOLLIN);
}

void WsConn::on_event(std::uint32_t ev) {
    if (dead) return;
    if (ev & EPOLLOUT) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return lost(std::string("connect: ") + std::strerror(err));
        flush();
    }
    if (!dead && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) receive();
}

void WsConn::receive() {
    char buf[65536];
    for (;;) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            in_.append(buf, static_cast<std::size_t>(n));
            if (in_.size() < 1 << 20) continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) eof_ = n == 0 ? "closed by the server without a close frame" : "recv failed";
        break;
    }
    process();
    if (!dead && !eof_.empty()) lost(eof_);
}

void WsConn::process() {
    if (!handshaken_) {
        const auto e = in_.find("\r\n\r\n");
        if (e == std::string::npos) return;
        if (in_.compare(0, 12, "HTTP/1.1 101") != 0) {
            const int st = std::atoi(in_.substr(9, 3).c_str());
            record("live_connect", st, in_.substr(e + 4), started_);
            recorded_ = true;
            in_.clear();
            return lost("handshake refused: " + std::to_string(st));
        }
        handshaken_ = true;
        in_.erase(0, e + 4);
        send_frame(1, "{\"type\":\"subscribe\",\"topic\":\"event:" + g_o.event + "\"}");
        if (chance(g_o.session_share)) {
            const auto s = read_sessions(g_o.sessions);
            session = s[static_cast<std::size_t>(uniform(0, static_cast<double>(s.size())))];
            send_frame(1, "{\"type\":\"subscribe\",\"topic\":\"session:" + std::to_string(session) + "\"}");
        }
        if (!g_codes.empty() && chance(g_o.registration_share)) {
            code = g_codes[static_cast<std::size_t>(uniform(0, static_cast<double>(g_codes.size())))];
            send_frame(1, "{\"type\":\"subscribe\",\"topic\":\"registration:" + code + "\"}");
        }
        if (dead) return;
    }
    std::size_t pos = 0;
    while (true) {
        if (in_.size() - pos < 2) break;
        const auto b0 = static_cast<unsigned char>(in_[pos]), b1 = static_cast<unsigned char>(in_[pos + 1]);
        std::size_t len = b1 & 0x7f, hdr = 2;
        if (len == 126) {
            if (in_.size() - pos < 4) break;
            len = (static_cast<unsigned char>(in_[pos + 2]) << 8) | static_cast<unsigned char>(in_[pos + 3]);
            hdr = 4;
        } else if (len == 127) {
            if (in_.size() - pos < 10) break;
            len = 0;
            for (int k = 0; k < 8; ++k) len = (len << 8) | static_cast<unsigned char>(in_[pos + 2 + k]);
            hdr = 10;
        }
        if (b1 & 0x80) return lost("masked frame from the server");
        if (in_.size() - pos < hdr + len) break;
        const std::string_view payload(in_.data() + pos + hdr, len);
        const int opcode = b0 & 0x0f;
        const bool fin = b0 & 0x80;
        pos += hdr + len;
        if (opcode == 9) {
            send_frame(10, payload);
        } else if (opcode == 8) {
            const int code = payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]) : 1005;
            if (!closing_) {
                ++g_live.server_closed;
                ++g_live.close_codes[std::to_string(code) + (snap ? "" : "_before_snapshot")];
                send_frame(8, payload.substr(0, 2));
                recorded_ = true;  // a close with a code is an answer, not a failed connect
                if (!snap) record("live_connect", code, {}, started_);
            }
            return lost(closing_ ? "" : "server closed with " + std::to_string(code));
        } else if (opcode == 1 || opcode == 0) {
            frag_.append(payload);
            if (fin) {
                on_message(frag_);
                frag_.clear();
            }
        }
        if (dead) return;
    }
    in_.erase(0, pos);
}

void WsConn::on_message(std::string_view m) {
    ++g_live.messages;
    const std::string type = str_of(m, "type");
    ++g_live.types[type];
    const std::string topic = str_of(m, "topic");
    if (type == "error") {
        ++g_live.errors[str_of(m, "code")];
        return;
    }
    if (type == "seats" || type == "schedule" || type == "registration" || type == "rooms") {
        if (auto at = at_ms(m)) {
            const std::int64_t lag = std::clamp<std::int64_t>(wall_ms() - *at, 0, 1800000);
            ++g_live.lag_ms[static_cast<std::size_t>(lag)];
            ++g_live.lag_n;
        }
    }
    if (auto seq = int_of(m, "seq"); seq && type != "subscribed") {
        auto& last = seq_[topic];
        if (type == "snapshot") last = *seq;
        else {
            if (*seq <= last) ++g_live.out_of_order;
            last = *seq;
        }
    }
    const bool event_topic = topic.rfind("event:", 0) == 0;
    if (type == "snapshot" && event_topic) {
        if (auto t = seats_total(m, -1)) last_event_total = *t;
        if (!snap) {
            snap = true;
            open = true;
            record("live_connect", 101, {}, started_);
            live_.opened(this, idx_);
        }
    } else if (type == "snapshot" && topic.rfind("session:", 0) == 0) {
        if (auto t = seats_total(m, session)) last_session_total = *t;
    } else if (type == "seats") {
        const auto s = value_of(m, "session");
        const bool is_event = s != std::string_view::npos && m.substr(s, 4) == "null";
        if (auto t = seats_total(m, is_event ? -1 : int_of(m, "session").value_or(-9))) {
            if (is_event && event_topic) last_event_total = *t;
            else if (!is_event && topic.rfind("session:", 0) == 0) last_session_total = *t;
        }
    }
}

void WsConn::leave(bool clean) {
    if (dead) return;
    ++g_live.leaves;
    --g_live.open;
    open = false;
    if (clean) {
        closing_ = true;
        send_frame(8, std::string("\x03\xe9", 2));  // 1001 going away
        if (dead) return;
        // Wait up to 2 s for the server's close, as a browser does, then drop the socket.
        g_loop->after(2, [this] {
            if (!dead) lost("");
        });
    } else {
        closing_ = true;  // the tab is gone: no close frame
        lost("");
    }
}

void WsConn::lost(const std::string& why) {
    if (dead) return;
    const bool was_open = open;
    dead = true;
    open = false;
    if (fd_ >= 0) {
        g_loop->del(fd_);
        ::close(fd_);
        fd_ = -1;
    }
    std::string().swap(in_);
    std::string().swap(out_);
    std::string().swap(frag_);
    if (closing_ || live_.ending) return;
    if (!snap && !recorded_) record("live_connect", 0, {}, started_);
    if (!why.empty() && g_live.failed + g_live.server_closed < 20) std::fprintf(stderr, "soak_client: live %d: %s\n", idx_, why.c_str());
    live_.failed(idx_, was_open);
}

void role_live() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    auto* live = new Live();
    live->slots.resize(static_cast<std::size_t>(g_o.clients));
    for (int i = 0; i < g_o.clients; ++i) live->join(i);
    // Registration codes from the delegates' acks, read as they come.
    auto offset = std::make_shared<std::streamoff>(0);
    std::function<void()> read_codes;
    read_codes = [offset, &read_codes] {
        std::ifstream in(g_o.codes_file);
        if (in) {
            in.seekg(*offset);
            std::string line;
            while (std::getline(in, line)) {
                if (in.eof()) break;  // an incomplete last line: read it next time
                *offset = in.tellg();
                if (line.rfind("R ", 0) == 0) {
                    std::istringstream ls(line);
                    std::string r, t, i, code;
                    ls >> r >> t >> i >> code;
                    if (!code.empty()) g_codes.push_back(code);
                }
            }
        }
        g_loop->after(5, read_codes);
    };
    g_loop->after(1, read_codes);
    // Progress, every 10 s, on stderr.
    std::function<void()> progress;
    progress = [&progress] {
        std::fprintf(stderr, "soak_client: live t=%.0fs open=%ld joins=%ld leaves=%ld failed=%ld server_closed=%ld messages=%ld\n",
                     since_t0(), g_live.open, g_live.joins, g_live.leaves, g_live.failed, g_live.server_closed, g_live.messages);
        g_loop->after(10, progress);
    };
    g_loop->after(10, progress);
    // The end: once the stop file exists, stop the churn, let the last messages arrive, and
    // compare what every open client last saw with the server's counts.
    struct stat sb{};
    std::function<void()> watch_stop;
    watch_stop = [&] {
        if (::stat(g_o.stop_file.c_str(), &sb) != 0) {
            g_loop->after(1, watch_stop);
            return;
        }
        live->ending = true;
        g_loop->after(5, [] { g_loop->stopping = true; });
    };
    g_loop->after(1, watch_stop);
    g_loop->run();
    long still_open = 0;
    std::ofstream seen(g_o.out + "/live-seen.txt");  // per open client: event total, session, session total
    for (auto& c : live->slots) {
        if (!c || c->dead || !c->open) continue;
        ++still_open;
        seen << c->last_event_total << " " << c->session << " " << c->last_session_total << "\n";
    }
    std::ofstream f(g_o.out + "/live-result.txt");
    f << "LIVE joins=" << g_live.joins << " leaves=" << g_live.leaves << " failed=" << g_live.failed
      << " server_closed=" << g_live.server_closed << " open_at_end=" << still_open << " messages=" << g_live.messages
      << " out_of_order=" << g_live.out_of_order << "\n";
    f << "LIVE_TYPES";
    for (auto& [t, n] : g_live.types) f << " " << (t.empty() ? "?" : t) << "=" << n;
    f << "\nLIVE_CLOSE_CODES";
    for (auto& [t, n] : g_live.close_codes) f << " " << t << "=" << n;
    f << "\nLIVE_ERRORS";
    for (auto& [t, n] : g_live.errors) f << " " << t << "=" << n;
    f << "\n";
    // Nearest-rank percentiles of the delivery lag.
    const auto lag_pct = [](double p) -> long {
        if (g_live.lag_n == 0) return -1;
        auto rank = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(g_live.lag_n) + 0.999999);
        rank = std::max<std::uint64_t>(rank, 1);
        std::uint64_t seen = 0;
        for (std::size_t ms = 0; ms < g_live.lag_ms.size(); ++ms)
            if ((seen += g_live.lag_ms[ms]) >= rank) return static_cast<long>(ms);
        return -1;
    };
    f << "LIVE_DELIVERY_LAG_MS pushed=" << g_live.lag_n << " p50=" << lag_pct(50) << " p90=" << lag_pct(90)
      << " p99=" << lag_pct(99) << " max=" << lag_pct(100) << "\n";
    // Leave cleanly, all of them, so that the server's descriptors can be seen to come back.
    for (auto& c : live->slots)
        if (c && !c->dead) c->leave(true);
    live->reads_.close_all();
    g_loop->stopping = false;
    g_loop->after(3, [] { g_loop->stopping = true; });
    g_loop->run();
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    Options& o = g_o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) fail("missing value for " + a);
        const std::string v = argv[++i];
        if (a == "--role") o.role = v;
        else if (a == "--out") o.out = v;
        else if (a == "--port") o.port = std::stoi(v);
        else if (a == "--event") o.event = v;
        else if (a == "--t0") o.t0 = std::stoll(v);
        else if (a == "--duration") o.duration = std::stod(v);
        else if (a == "--window") o.window = std::stod(v);
        else if (a == "--peak") o.peak = std::stod(v);
        else if (a == "--delegates") o.delegates = std::stol(v);
        else if (a == "--cancels") o.cancels = std::stol(v);
        else if (a == "--sessions") o.sessions = v;
        else if (a == "--pool") o.pool = std::stoi(v);
        else if (a == "--clients") o.clients = std::stoi(v);
        else if (a == "--per-address") o.per_address = std::stoi(v);
        else if (a == "--concurrency") o.concurrency = std::stoi(v);
        else if (a == "--lifetime") o.lifetime = std::stod(v);
        else if (a == "--codes") o.codes_file = v;
        else if (a == "--stop-file") o.stop_file = v;
        else if (a == "--cookie") o.cookie = v;
        else if (a == "--csrf") o.csrf = v;
        else if (a == "--edit-every") o.edit_every = std::stod(v);
        else if (a == "--tokens") o.tokens = v;
        else if (a == "--desks") o.desks_file = v;
        else if (a == "--morning-start") o.morning_start = std::stod(v);
        else if (a == "--morning-end") o.morning_end = std::stod(v);
        else if (a == "--tag") o.tag = v;
        else if (a == "--seed") o.seed = static_cast<unsigned>(std::stoul(v));
        else fail("unknown argument " + a);
    }
    if (o.port <= 0 || o.event.empty() || o.t0 <= 0) fail("--port, --event and --t0 are required");
    g_rng.seed(o.seed + std::hash<std::string>{}(o.role));
    g_t0_steady = Clock::now() + std::chrono::milliseconds(o.t0 - wall_ms());
    Loop loop;
    g_loop = &loop;
    g_acks = std::fopen((o.out + "/acks-" + o.role + ".txt").c_str(), "w");
    if (!g_acks) fail("cannot write the acks file");
    setvbuf(g_acks, nullptr, _IOLBF, 0);
    if (o.role == "delegates") role_delegates();
    else if (o.role == "live") role_live();
    else if (o.role == "organiser") role_organiser();
    else if (o.role == "desks") role_desks();
    else fail("--role is delegates, live, organiser or desks");
    std::fclose(g_acks);
    write_stats(o);
    return 0;
}
