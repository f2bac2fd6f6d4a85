// live_client: the load client of bench/live_fanout.sh.
//
// Opens N WebSocket connections to ws://HOST:PORT/live (bounded concurrency), subscribes each
// to event:ID and waits until every one has its snapshot. Beast does the connecting, the
// handshake and the subscription. Then (--reader epoll, the default) each socket is taken
// over by a small frame reader on epoll: one recv per ready socket, where Beast's async_read
// also makes a read-ahead call that finds nothing; this costs the client about a quarter less
// CPU per message, and the client has to keep up with 10,000 x 20 messages a second.
// --reader beast keeps Beast's websocket::stream::async_read throughout.
//
// It reads the server's RSS (VmRSS of --server-pid) after the connections have been idle for
// --settle seconds, and compares it with the RSS read before the first connection was opened.
//
// A trigger thread then makes W + M changes at a steady rate through HTTP
// (POST /api/events/ID/registrations, a unique email each time), open loop: a change is sent
// when it is due, pipelined on one keep-alive connection, whether or not the earlier answers
// are back. The first W are a warm-up and are not counted. Every successful change (201)
// moves the event's confirmed + waitlisted total by exactly one, and the server handles the
// pipelined requests in order, so the j-th successful change is the one that made the total
// base + j + 1, where base is the snapshot's total. t0 of a change is taken just before its
// request is handed to the socket.
//
// Delivery latency = time a client's read of the seats message completes - t0 of the change
// that produced the value (one steady clock, one machine). A server may coalesce queued seats
// messages for a slow client (Congress does), so a client may skip values: each value a
// client does receive is measured against its own t0, and the values it never received are
// counted as skipped.
//
// Output: a human log on stderr and one machine-readable line on stdout:
//   LIVE_RESULT label=... clients=... subscribed=... changes=... expected=... delivered=...
//               skipped=... p50_us=... p99_us=... max_us=... rss_before_kib=... ...
//
// Build: g++ -O2 -std=c++20 -pthread live_client.cpp -o live_client  (header-only Boost 1.81)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fcntl.h>
#include <liburing.h>
#include <sys/epoll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <cctype>
#include <fstream>
#include <sstream>
#include <iterator>
#include <memory>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log(const char* fmt, ...) {
    std::va_list args;
    va_start(args, fmt);
    std::fputs("live_client: ", stderr);
    std::vfprintf(stderr, fmt, args);
    std::fputc('\n', stderr);
    va_end(args);
}

struct Options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    long event = 0;
    int clients = 10000;
    int changes = 200;
    int warmup = 20;
    double rate = 20.0;
    int concurrency = 256;
    int threads = 1;
    long server_pid = 0;
    double settle_s = 2.0;
    double connect_timeout_s = 180.0;
    double drain_timeout_s = 10.0;
    std::string origin;  // default http://HOST:PORT; "none" sends no Origin header
    std::string label = "server";
    std::string email_tag;
    std::string reader = "epoll";
    std::string latency_from = "at";  // latency from the message's "at" (publish) or from the POST
    // Once every client is subscribed, poll the sockets without sleeping (epoll_wait with no
    // timeout) instead of sleeping in epoll_wait: a sleeping reader must be woken for each
    // burst (on a VM an inter-processor interrupt, paid in the sending server's system call),
    // so the server's figures would include the client's sleep. The client has a core of its
    // own, so spinning costs the server nothing.
    bool busy_poll = false;
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "live_client: %s\n"
                 "usage: live_client --port P --event ID [--host 127.0.0.1] [--clients 10000] [--changes 200]\n"
                 "       [--warmup 20] [--rate 20] [--concurrency 256] [--threads 1] [--server-pid PID]\n"
                 "       [--settle 2] [--connect-timeout 180] [--drain-timeout 10] [--origin URL|none]\n"
                 "       [--label NAME] [--email-tag TAG] [--reader epoll|uring|beast]\n"
                 "       [--latency-from at|post] [--busy-poll 0|1]\n",
                 message.c_str());
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string key = argv[i];
        if (key == "-h" || key == "--help") usage_error("help");
        if (i + 1 >= argc) usage_error("missing value for " + key);
        std::string value = argv[++i];
        try {
            if (key == "--host") o.host = value;
            else if (key == "--port") o.port = static_cast<unsigned short>(std::stoul(value));
            else if (key == "--event") o.event = std::stol(value);
            else if (key == "--clients") o.clients = std::stoi(value);
            else if (key == "--changes") o.changes = std::stoi(value);
            else if (key == "--warmup") o.warmup = std::stoi(value);
            else if (key == "--rate") o.rate = std::stod(value);
            else if (key == "--concurrency") o.concurrency = std::stoi(value);
            else if (key == "--threads") o.threads = std::stoi(value);
            else if (key == "--server-pid") o.server_pid = std::stol(value);
            else if (key == "--settle") o.settle_s = std::stod(value);
            else if (key == "--connect-timeout") o.connect_timeout_s = std::stod(value);
            else if (key == "--drain-timeout") o.drain_timeout_s = std::stod(value);
            else if (key == "--origin") o.origin = value;
            else if (key == "--label") o.label = value;
            else if (key == "--email-tag") o.email_tag = value;
            else if (key == "--reader") o.reader = value;
            else if (key == "--latency-from" && (value == "at" || value == "post")) o.latency_from = value;
            else if (key == "--busy-poll" && (value == "0" || value == "1")) o.busy_poll = value == "1";
            else usage_error("unknown argument " + key);
        } catch (const std::logic_error&) {
            usage_error("bad value for " + key + ": " + value);
        }
    }
    if (o.port == 0) usage_error("--port is required");
    if (o.event <= 0) usage_error("--event is required");
    if (o.clients <= 0 || o.changes <= 0 || o.warmup < 0 || o.rate <= 0 || o.concurrency <= 0 || o.threads <= 0)
        usage_error("clients, changes, rate, concurrency and threads must be positive (warmup >= 0)");
    if (o.reader != "epoll" && o.reader != "beast" && o.reader != "uring")
        usage_error("--reader is epoll, uring or beast");
    if (o.origin.empty()) o.origin = "http://" + o.host + ":" + std::to_string(o.port);
    if (o.email_tag.empty()) o.email_tag = std::to_string(::getpid()) + "-" + std::to_string(now_ns() / 1000000);
    return o;
}

// Raises the soft open-file limit (and the hard one when allowed) to fit `needed` descriptors.
rlim_t raise_nofile(rlim_t needed) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < needed) {
        rlimit want{needed, needed};
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) return needed;
    }
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

// VmRSS of a process in KiB, or -1.
long read_rss_kib(long pid) {
    if (pid <= 0) return -1;
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

// CPU time (user + system) of a process so far, in seconds, or -1.
double process_cpu_s(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return -1;
    // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
    std::vector<std::string> fields;
    std::size_t i = paren + 2;
    while (i < stat.size() && fields.size() < 13) {
        std::size_t e = stat.find(' ', i);
        if (e == std::string::npos) e = stat.size();
        fields.push_back(stat.substr(i, e - i));
        i = e + 1;
    }
    if (fields.size() < 13) return -1;
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return (std::strtod(fields[11].c_str(), nullptr) + std::strtod(fields[12].c_str(), nullptr)) / tick;
}

// Busy time of each CPU so far (user, nice, system, steal), in seconds.
std::vector<double> cpu_busy_s() {
    std::vector<double> busy;
    std::ifstream in("/proc/stat");
    std::string line;
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    while (std::getline(in, line)) {
        if (line.rfind("cpu", 0) != 0 || line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[3]))) continue;
        const int cpu = std::atoi(line.c_str() + 3);
        std::istringstream fields(line.substr(line.find(' ')));
        double v[10] = {};
        for (double& x : v) fields >> x;
        // user nice system idle iowait irq softirq steal guest guest_nice: irq and softirq time
        // is left out (the network work of this very benchmark is accounted there), steal is
        // kept (the hypervisor gave the core to someone else).
        const double b = v[0] + v[1] + v[2] + v[7];
        if (cpu >= static_cast<int>(busy.size())) busy.resize(static_cast<std::size_t>(cpu) + 1, 0.0);
        busy[static_cast<std::size_t>(cpu)] = b / tick;
    }
    return busy;
}

// The CPUs a process may run on.
std::vector<int> cpus_of(long pid) {
    std::vector<int> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(static_cast<pid_t>(pid), sizeof set, &set) != 0) return cpus;
    for (int i = 0; i < CPU_SETSIZE; ++i)
        if (CPU_ISSET(i, &set)) cpus.push_back(i);
    return cpus;
}

double busy_on(const std::vector<double>& before, const std::vector<double>& after, const std::vector<int>& cpus) {
    double sum = 0;
    for (int c : cpus) {
        const auto i = static_cast<std::size_t>(c);
        if (i < before.size() && i < after.size()) sum += after[i] - before[i];
    }
    return sum;
}

// --- minimal scanning of the server's JSON (no spaces assumed, but tolerated) -------------

std::size_t skip_ws(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    return i;
}

// Position just after `"key":` (and any white space) in s[from, to), or npos.
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

std::optional<long> int_of(std::string_view s, std::string_view key, std::size_t from, std::size_t to) {
    std::size_t i = value_of(s, key, from, to);
    if (i == std::string_view::npos) return std::nullopt;
    long v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + std::min(to, s.size()), v);
    if (ec != std::errc{}) return std::nullopt;
    return v;
}

std::string_view type_of(std::string_view s) {
    std::size_t i = value_of(s, "type");
    if (i == std::string_view::npos || s[i] != '"') return {};
    std::size_t e = s.find('"', i + 1);
    if (e == std::string_view::npos) return {};
    return s.substr(i + 1, e - i - 1);
}

// confirmed + waitlisted of the object that has "session": null (the event's own count), in a
// seats message or in a snapshot's seats array.
std::optional<long> event_total(std::string_view s) {
    std::size_t i = 0;
    while (true) {
        i = value_of(s, "session", i);
        if (i == std::string_view::npos) return std::nullopt;
        if (s.substr(i, 4) == "null") break;
    }
    std::size_t begin = s.rfind('{', i);
    std::size_t end = s.find('}', i);
    if (begin == std::string_view::npos || end == std::string_view::npos) return std::nullopt;
    auto confirmed = int_of(s, "confirmed", begin, end);
    auto waitlisted = int_of(s, "waitlisted", begin, end);
    if (!confirmed || !waitlisted) return std::nullopt;
    return *confirmed + *waitlisted;
}

// The message's "at" (RFC 3339 UTC with milliseconds, e.g. 2026-11-25T20:31:07.123Z) as
// nanoseconds since the Unix epoch. Truncated to the millisecond by the server, so a latency
// measured from it is at most 1 ms longer than the true one, never shorter.
std::optional<std::int64_t> at_of(std::string_view s) {
    std::size_t i = value_of(s, "at");
    if (i == std::string_view::npos || s[i] != '"' || s.size() < i + 25) return std::nullopt;
    const std::string_view v = s.substr(i + 1, 24);
    auto num = [&](std::size_t pos, std::size_t len) {
        int out = 0;
        for (std::size_t k = pos; k < pos + len; ++k) {
            if (v[k] < '0' || v[k] > '9') return -1;
            out = out * 10 + (v[k] - '0');
        }
        return out;
    };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    const int ms = num(20, 3);
    if (tm.tm_year < 0 || tm.tm_mon < 0 || ms < 0 || v[23] != 'Z') return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000 + std::int64_t{ms} * 1'000'000;
}

// --- shared state -----------------------------------------------------------------------------

struct Shared {
    explicit Shared(const Options& o)
        : opt(o), start_ns(now_ns()),
          wall_minus_steady_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count() - now_ns()),
          at_ns(new std::atomic<std::int64_t>[static_cast<std::size_t>(o.warmup + o.changes)]) {
        for (int j = 0; j < o.warmup + o.changes; ++j) at_ns[static_cast<std::size_t>(j)].store(0);
    }
    Options opt;
    const std::int64_t start_ns;  // receive times are kept as microseconds since this
    // To put the server's "at" (wall clock) on the steady clock the receive times use.
    const std::int64_t wall_minus_steady_ns;
    // Per change slot: when the server published the value (its "at"), on the steady clock;
    // 0 until a client has seen it.
    std::unique_ptr<std::atomic<std::int64_t>[]> at_ns;
    std::atomic<long> base_total{-1};
    std::atomic<long> final_target{-1};
    std::atomic<int> subscribed{0};
    std::atomic<int> failed{0};
    std::atomic<int> snapshot_mismatch{0};
    std::atomic<int> closed_after_subscribe{0};
    std::atomic<int> closed_too_slow{0};
    std::atomic<int> final_done{0};
    std::mutex error_mutex;
    std::string first_error;

    void note_error(const std::string& what) {
        std::lock_guard lock(error_mutex);
        if (first_error.empty()) first_error = what;
    }
};

// One value received by one client: the change slot j (the value is base + j + 1) and when.
struct Sample {
    std::uint32_t conn;  // the client, numbered within its worker
    std::uint32_t slot;
    std::uint32_t t_us;  // since Shared::start_ns
};

class Worker;

struct Conn {
    Conn(Worker& w, asio::io_context& ioc) : worker(w), ws(ioc) {}
    Worker& worker;
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
    std::string subscribe_text;
    long last_total = -1;
    int attempts = 0;
    bool subscribed = false;
    bool dead = false;
    std::uint32_t index = 0;    // within its worker
    int fd = -1;                // the socket, once handed from Beast to the epoll reader
    std::string partial;        // epoll reader: bytes of an incomplete frame
    std::string fragments;      // epoll reader: a fragmented message so far
};

// One I/O thread and its share of the connections.
class Worker {
public:
    Worker(Shared& shared, int count) : shared_(shared), ioc_(1), count_(count) {
        const auto& o = shared_.opt;
        raw_ = o.reader == "epoll" || o.reader == "uring";
        if (raw_) {
            epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
            if (epfd_ < 0) throw std::runtime_error("epoll_create1 failed");
        }
        if (o.reader == "uring") {
            // epoll says which sockets are ready; their recvs then go to the kernel in one
            // io_uring_enter instead of one recv() each (see read_batch).
            const int rc = ::io_uring_queue_init(kBatch, &ring_, 0);
            if (rc < 0) throw std::runtime_error(std::string("io_uring_queue_init: ") + std::strerror(-rc));
            uring_ = true;
            slots_.resize(static_cast<std::size_t>(kBatch) * kSlot);
            batch_.reserve(kBatch);
        }
        scratch_.resize(64 * 1024);
        endpoint_ = tcp::endpoint(asio::ip::make_address(o.host), o.port);
        host_header_ = o.host + ":" + std::to_string(o.port);
        in_flight_limit_ = std::max(1, o.concurrency / o.threads);
        busy_poll_ = o.busy_poll;
        samples_.reserve(static_cast<std::size_t>(o.warmup + o.changes) * static_cast<std::size_t>(count));
    }

    ~Worker() {
        for (auto& c : conns_)
            if (c->fd >= 0) ::close(c->fd);
        if (epfd_ >= 0) ::close(epfd_);
        if (uring_) ::io_uring_queue_exit(&ring_);
    }

    void run() {
        auto guard = asio::make_work_guard(ioc_);
        asio::post(ioc_, [this] { fill(); });
        if (!raw_) {
            ioc_.run();
            return;
        }
        // Asio runs the connection set-up (connect, handshake, subscribe, snapshot); the
        // subscribed sockets are then read here, one recv per ready socket.
        std::vector<epoll_event> events(kBatch);
        while (!stopping_.load(std::memory_order_relaxed)) {
            ioc_.poll();
            const bool setting_up = started_ < count_ || in_flight_ > 0;
            const int timeout = setting_up ? 1 : busy_poll_ ? 0 : 20;
            const int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout);
            if (uring_ && n > 1) {
                read_batch(events, n);
                continue;
            }
            for (int i = 0; i < n; ++i) on_readable(static_cast<Conn*>(events[static_cast<std::size_t>(i)].data.ptr));
        }
    }
    void stop() {
        stopping_.store(true);
        ioc_.stop();
    }

    const std::vector<Sample>& samples() const { return samples_; }
    std::size_t connections() const { return conns_.size(); }
    long unexpected() const { return unexpected_; }
    long out_of_order() const { return out_of_order_; }
    long errors_received() const { return errors_received_; }

private:
    void fill() {
        while (in_flight_ < in_flight_limit_ && started_ < count_) {
            ++started_;
            ++in_flight_;
            conns_.push_back(std::make_unique<Conn>(*this, ioc_));
            conns_.back()->index = static_cast<std::uint32_t>(conns_.size() - 1);
            connect(conns_.back().get());
        }
    }

    void finished_opening(bool ok) {
        if (!ok) shared_.failed.fetch_add(1);
        --in_flight_;
        fill();
    }

    void retry_or_fail(Conn* c, const char* stage, beast::error_code ec) {
        beast::error_code ignored;
        c->ws.next_layer().close(ignored);
        if (++c->attempts < 3) {
            auto timer = std::make_shared<asio::steady_timer>(ioc_, std::chrono::milliseconds(200));
            timer->async_wait([this, c, timer](beast::error_code) {
                // A fresh stream: a websocket stream cannot be reused after a failed handshake.
                for (auto& p : conns_) {
                    if (p.get() == c) {
                        const int attempts = c->attempts;
                        const std::uint32_t index = c->index;
                        p = std::make_unique<Conn>(*this, ioc_);
                        p->attempts = attempts;
                        p->index = index;
                        connect(p.get());
                        return;
                    }
                }
            });
            return;
        }
        shared_.note_error(std::string(stage) + ": " + ec.message());
        c->dead = true;
        finished_opening(false);
    }

    void connect(Conn* c) {
        c->ws.next_layer().async_connect(endpoint_, [this, c](beast::error_code ec) {
            if (ec) return retry_or_fail(c, "connect", ec);
            beast::error_code ignored;
            c->ws.next_layer().set_option(tcp::no_delay(true), ignored);
            c->ws.auto_fragment(false);
            c->ws.read_message_max(1 << 20);
            const std::string origin = shared_.opt.origin;
            c->ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
                req.set(http::field::user_agent, "congress-live-bench");
                if (origin != "none") req.set(http::field::origin, origin);
            }));
            c->ws.async_handshake(host_header_, "/live", [this, c](beast::error_code ec) {
                if (ec) return retry_or_fail(c, "handshake", ec);
                c->subscribe_text =
                    "{\"type\":\"subscribe\",\"topic\":\"event:" + std::to_string(shared_.opt.event) + "\"}";
                c->ws.text(true);
                c->ws.async_write(asio::buffer(c->subscribe_text), [this, c](beast::error_code ec, std::size_t) {
                    if (ec) return retry_or_fail(c, "subscribe", ec);
                    read(c);
                });
            });
        });
    }

    void read(Conn* c) {
        c->ws.async_read(c->buffer, [this, c](beast::error_code ec, std::size_t) { on_read(c, ec); });
    }

    void on_read(Conn* c, beast::error_code ec) {
        const std::int64_t t = now_ns();
        if (ec) {
            if (ec == asio::error::operation_aborted) return;
            if (!c->subscribed) return retry_or_fail(c, "subscribe", ec);
            c->dead = true;
            shared_.closed_after_subscribe.fetch_add(1);
            const bool closed = ec == websocket::error::closed;
            if (closed && c->ws.reason().code == 4001) shared_.closed_too_slow.fetch_add(1);
            shared_.note_error("read after subscribe: " + ec.message() +
                               (closed ? " (close code " + std::to_string(c->ws.reason().code) + ")" : std::string()));
            return;
        }
        const auto data = c->buffer.cdata();
        const std::string_view text(static_cast<const char*>(data.data()), data.size());
        const std::string_view type = type_of(text);
        if (type == "seats") {
            on_seats(c, text, t);
        } else if (type == "snapshot" && !c->subscribed) {
            const auto total = event_total(text);
            if (!total) {
                shared_.note_error("snapshot without the event's own seats: " + std::string(text.substr(0, 200)));
                c->dead = true;
                beast::error_code ignored;
                c->ws.next_layer().close(ignored);
                finished_opening(false);
                return;
            }
            c->last_total = *total;
            long expected = -1;
            if (!shared_.base_total.compare_exchange_strong(expected, *total) && expected != *total)
                shared_.snapshot_mismatch.fetch_add(1);
            c->subscribed = true;
            shared_.subscribed.fetch_add(1);
            finished_opening(true);
            if (raw_) {
                // Nothing else is sent before the first change, so Beast holds no unread bytes.
                c->buffer.consume(c->buffer.size());
                hand_over(c);
                return;
            }
        } else if (type == "error") {
            ++errors_received_;
            shared_.note_error("server error message: " + std::string(text.substr(0, 200)));
        }
        // "subscribed" and any other message need nothing.
        c->buffer.consume(c->buffer.size());
        read(c);
    }

    void hand_over(Conn* c) {
        beast::error_code ec;
        c->fd = c->ws.next_layer().release(ec);
        if (ec || c->fd < 0) {
            c->fd = -1;
            lost(c, "release: " + ec.message());
            return;
        }
        ::fcntl(c->fd, F_SETFL, ::fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = c;
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, c->fd, &ev) != 0) lost(c, "epoll_ctl failed");
    }

    void lost(Conn* c, const std::string& why) {
        if (c->dead) return;
        c->dead = true;
        shared_.closed_after_subscribe.fetch_add(1);
        shared_.note_error("connection lost after subscribe: " + why);
        if (c->fd >= 0) {
            if (epfd_ >= 0) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, c->fd, nullptr);
            ::close(c->fd);
            c->fd = -1;
        }
    }


    // One recv per ready socket: TCP hands over all it has, up to the 64 KiB asked for.
    void on_readable(Conn* c) {
        if (c->dead) return;
        const ssize_t n = ::recv(c->fd, scratch_.data(), scratch_.size(), 0);
        const std::int64_t t = now_ns();  // the time this client has the bytes
        on_received(c, n < 0 ? -errno : n, scratch_.data(), t);
    }

    // --reader uring: one non-blocking IORING_OP_RECV per ready socket, all submitted with one
    // io_uring_enter; the kernel performs them during that call. Each socket gets a slot of
    // kSlot bytes; what does not fit stays in the socket, and epoll (level-triggered) reports
    // it again. Every socket of the batch is stamped with the time the call returned, when
    // the client has all their bytes: never earlier than with one recv() each.
    void read_batch(const std::vector<epoll_event>& events, int n) {
        batch_.clear();
        for (int i = 0; i < n; ++i) {
            auto* c = static_cast<Conn*>(events[static_cast<std::size_t>(i)].data.ptr);
            if (c->dead) continue;
            io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
            if (sqe == nullptr) break;  // cannot happen: kBatch entries, all reaped
            ::io_uring_prep_recv(sqe, c->fd, slots_.data() + batch_.size() * kSlot, kSlot, MSG_DONTWAIT);
            ::io_uring_sqe_set_data64(sqe, batch_.size());
            batch_.push_back(c);
        }
        if (batch_.empty()) return;
        int rc;
        do {
            rc = ::io_uring_submit_and_wait(&ring_, static_cast<unsigned>(batch_.size()));
        } while (rc == -EINTR);
        if (rc < 0) throw std::runtime_error(std::string("io_uring_submit_and_wait: ") + std::strerror(-rc));
        const std::int64_t t = now_ns();
        std::size_t done = 0;
        while (done < batch_.size()) {
            io_uring_cqe* cqe = nullptr;
            do {
                rc = ::io_uring_wait_cqe(&ring_, &cqe);
            } while (rc == -EINTR);
            if (rc < 0) throw std::runtime_error(std::string("io_uring_wait_cqe: ") + std::strerror(-rc));
            unsigned head;
            unsigned seen = 0;
            io_uring_for_each_cqe(&ring_, head, cqe) {
                const auto k = static_cast<std::size_t>(::io_uring_cqe_get_data64(cqe));
                on_received(batch_[k], cqe->res, slots_.data() + k * kSlot, t);
                ++seen;
            }
            ::io_uring_cq_advance(&ring_, seen);
            done += seen;
        }
    }

    // What a recv gave: bytes, 0 at the end of the stream, or -errno.
    void on_received(Conn* c, long n, const char* data, std::int64_t t) {
        if (c->dead) return;
        if (n < 0) {
            if (n == -EAGAIN || n == -EWOULDBLOCK || n == -EINTR) return;
            lost(c, std::string("recv: ") + std::strerror(static_cast<int>(-n)));
            return;
        }
        if (n == 0) {
            lost(c, "the server closed the connection without a close frame");
            return;
        }
        on_bytes(c, std::string_view(data, static_cast<std::size_t>(n)), t);
    }

    void on_bytes(Conn* c, std::string_view data, std::int64_t t) {
        if (!c->partial.empty()) {
            c->partial.append(data);
            std::string joined = std::move(c->partial);
            c->partial.clear();
            parse_frames(c, joined, t);
        } else {
            parse_frames(c, data, t);
        }
    }

    // Server-to-client frames (RFC 6455 5.2): unmasked; text, continuation, close, ping, pong.
    void parse_frames(Conn* c, std::string_view data, std::int64_t t) {
        std::size_t i = 0;
        while (!c->dead) {
            const std::size_t left = data.size() - i;
            if (left < 2) break;
            const auto b0 = static_cast<unsigned char>(data[i]);
            const auto b1 = static_cast<unsigned char>(data[i + 1]);
            const bool fin = b0 & 0x80;
            const unsigned opcode = b0 & 0x0F;
            std::size_t header = 2;
            std::uint64_t len = b1 & 0x7F;
            if (len == 126) {
                if (left < 4) break;
                len = (static_cast<unsigned char>(data[i + 2]) << 8) | static_cast<unsigned char>(data[i + 3]);
                header = 4;
            } else if (len == 127) {
                if (left < 10) break;
                len = 0;
                for (int k = 0; k < 8; ++k) len = (len << 8) | static_cast<unsigned char>(data[i + 2 + k]);
                header = 10;
            }
            if (b1 & 0x80) {
                lost(c, "the server sent a masked frame");
                return;
            }
            if (len > (1u << 20)) {
                lost(c, "frame too large");
                return;
            }
            if (left < header + len) break;
            const std::string_view payload = data.substr(i + header, static_cast<std::size_t>(len));
            i += header + static_cast<std::size_t>(len);
            switch (opcode) {
            case 0x1:  // text
            case 0x2:  // binary (not expected)
                if (fin) {
                    on_message(c, payload, t);
                } else {
                    c->fragments.assign(payload);
                }
                break;
            case 0x0:  // continuation
                c->fragments.append(payload);
                if (fin) {
                    std::string whole = std::move(c->fragments);
                    c->fragments.clear();
                    on_message(c, whole, t);
                }
                break;
            case 0x8: {  // close
                const unsigned code = payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) |
                                                                static_cast<unsigned char>(payload[1])
                                                          : 1005;
                if (code == 4001) shared_.closed_too_slow.fetch_add(1);
                lost(c, "close frame, code " + std::to_string(code));
                return;
            }
            case 0x9: {  // ping: answer with a pong carrying the same payload (masked, key 0)
                std::string pong;
                pong.push_back(static_cast<char>(0x8A));
                pong.push_back(static_cast<char>(0x80 | std::min<std::size_t>(payload.size(), 125)));
                pong.append(4, '\0');
                pong.append(payload.substr(0, 125));
                (void)!::send(c->fd, pong.data(), pong.size(), MSG_NOSIGNAL);
                break;
            }
            default:  // pong and anything else
                break;
            }
        }
        if (!c->dead && i < data.size()) c->partial.assign(data.substr(i));
    }

    void on_message(Conn* c, std::string_view text, std::int64_t t) {
        const std::string_view type = type_of(text);
        if (type == "seats") {
            on_seats(c, text, t);
        } else if (type == "error") {
            ++errors_received_;
            shared_.note_error("server error message: " + std::string(text.substr(0, 200)));
        }
    }

    void on_seats(Conn* c, std::string_view text, std::int64_t t) {
        const auto total = event_total(text);
        if (!total) return;  // a session's seats
        if (*total <= c->last_total) {
            ++out_of_order_;
            return;
        }
        const long previous = c->last_total;
        c->last_total = *total;
        const long fin = shared_.final_target.load(std::memory_order_relaxed);
        if (fin >= 0 && previous < fin && *total >= fin) shared_.final_done.fetch_add(1);
        const long j = *total - shared_.base_total.load(std::memory_order_relaxed) - 1;
        if (j < 0 || j >= shared_.opt.warmup + shared_.opt.changes) {
            ++unexpected_;
            return;
        }
        auto& at = shared_.at_ns[static_cast<std::size_t>(j)];
        if (at.load(std::memory_order_relaxed) == 0) {
            if (const auto wall = at_of(text)) at.store(*wall - shared_.wall_minus_steady_ns, std::memory_order_relaxed);
        }
        samples_.push_back({c->index, static_cast<std::uint32_t>(j),
                            static_cast<std::uint32_t>((t - shared_.start_ns) / 1000)});
    }

    Shared& shared_;
    asio::io_context ioc_;
    tcp::endpoint endpoint_;
    std::string host_header_;
    int count_;
    int started_ = 0;
    int in_flight_ = 0;
    int in_flight_limit_ = 1;
    bool busy_poll_ = false;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::vector<Sample> samples_;
    bool raw_ = false;
    int epfd_ = -1;
    static constexpr unsigned kBatch = 1024;      // sockets per epoll_wait and per io_uring_enter
    static constexpr std::size_t kSlot = 16384;  // --reader uring: receive bytes per socket per batch
    bool uring_ = false;
    io_uring ring_{};
    std::vector<char> slots_;
    std::vector<Conn*> batch_;
    std::atomic<bool> stopping_{false};
    std::vector<char> scratch_;
    long unexpected_ = 0;
    long out_of_order_ = 0;
    long errors_received_ = 0;
};

// --- the trigger: changes at a steady rate, pipelined on one keep-alive HTTP connection -------
//
// Open loop: a change is sent when it is due, whether or not the answers to the earlier ones
// have come back (HTTP/1.1 pipelining, so the server handles them in the order they were
// sent, and the j-th successful answer is the change that made the total base + j + 1). A
// server that is slow to answer therefore sees the same steady write rate as a fast one,
// and its delay shows in the delivery latency instead of slowing the writer down.

struct TriggerResult {
    int sent = 0;
    int succeeded = 0;
    int failures = 0;
    int unanswered = 0;  // requests given up on after the drain timeout
    int late = 0;  // ticks that came more than one interval after they were due
    int max_in_flight = 0;
    int confirmed = 0;
    int waitlisted = 0;
    std::vector<std::int64_t> slot_t0;    // t0 (ns) of the j-th successful change
    std::vector<std::int64_t> slot_done;  // when its answer came back (ns)
    std::string error;
};

class Trigger {
public:
    explicit Trigger(Shared& shared)
        : shared_(shared),
          socket_(ioc_),
          timer_(ioc_),
          give_up_(ioc_),
          target_count_(shared.opt.warmup + shared.opt.changes) {
        const auto& o = shared_.opt;
        endpoint_ = tcp::endpoint(asio::ip::make_address(o.host), o.port);
        interval_ = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / o.rate));
        request_head_ = "POST /api/events/" + std::to_string(o.event) +
                        "/registrations HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                        "\r\nUser-Agent: congress-live-bench\r\nContent-Type: application/json\r\nContent-Length: ";
    }

    TriggerResult run() {
        beast::error_code ec;
        socket_.connect(endpoint_, ec);
        if (ec) {
            r_.error = "trigger connect: " + ec.message();
            return r_;
        }
        socket_.set_option(tcp::no_delay(true), ec);
        due_ = Clock::now() + std::chrono::milliseconds(10);
        arm();
        ioc_.run();
        // Requests never answered (given up on): in order, presumed to have made their change.
        for (const std::int64_t t0 : awaiting_) {
            r_.slot_t0.push_back(t0);
            r_.slot_done.push_back(now_ns());
            ++r_.unanswered;
        }
        return r_;
    }

private:
    void arm() {
        timer_.expires_at(due_);
        timer_.async_wait([this](beast::error_code ec) {
            if (!ec && !stopped_) tick();
        });
    }

    void tick() {
        if (r_.succeeded + in_flight() < target_count_) send_one();
        if (r_.succeeded >= target_count_) return;
        due_ += interval_;
        const auto now = Clock::now();
        if (now > due_ + interval_) {  // this thread was held up: do not send a burst to catch up
            due_ = now;
            ++r_.late;
        }
        arm();
    }

    int in_flight() const { return static_cast<int>(awaiting_.size()); }

    void send_one() {
        const std::string body = "{\"name\":\"Bench\",\"email\":\"live-" + shared_.opt.email_tag + "-" +
                                 std::to_string(r_.sent + 1) + "@bench.example\"}";
        out_.push_back(request_head_ + std::to_string(body.size()) + "\r\n\r\n" + body);
        ++r_.sent;
        awaiting_.push_back(now_ns());  // t0: just before the request is handed to the socket
        r_.max_in_flight = std::max(r_.max_in_flight, in_flight());
        if (!writing_) write_next();
        if (!reading_) read_next();
        if (r_.sent - r_.failures >= target_count_) {
            // The last change is out: its answer, and all before it, must come within the drain timeout.
            give_up_.expires_after(std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(shared_.opt.drain_timeout_s)));
            give_up_.async_wait([this](beast::error_code ec) {
                if (!ec && !stopped_)
                    fail(std::to_string(awaiting_.size()) + " POSTs still unanswered " +
                         std::to_string(shared_.opt.drain_timeout_s) + " s after the last change was sent");
            });
        }
    }

    void write_next() {
        writing_ = true;
        asio::async_write(socket_, asio::buffer(out_.front()), [this](beast::error_code ec, std::size_t) {
            if (ec) return fail("POST write: " + ec.message());
            out_.pop_front();
            writing_ = false;
            if (!out_.empty()) write_next();
        });
    }

    void read_next() {
        reading_ = true;
        response_ = {};
        http::async_read(socket_, buffer_, response_, [this](beast::error_code ec, std::size_t) {
            reading_ = false;
            if (ec) return fail("POST read: " + ec.message());
            const std::int64_t done = now_ns();
            const std::int64_t t0 = awaiting_.front();
            awaiting_.pop_front();
            if (response_.result_int() == 201) {
                ++r_.succeeded;
                r_.slot_t0.push_back(t0);
                r_.slot_done.push_back(done);
                if (response_.body().find("\"status\":\"waitlisted\"") != std::string::npos) ++r_.waitlisted;
                else ++r_.confirmed;
            } else {
                ++r_.failures;
                if (r_.error.empty())
                    r_.error = "POST answered " + std::to_string(response_.result_int()) + ": " +
                               response_.body().substr(0, 200);
                // A failed change makes no value; the next tick sends another in its place.
                if (r_.failures >= 10) return fail("10 changes failed; first: " + r_.error);
            }
            if (!response_.keep_alive()) return fail("the server closed the trigger connection");
            if (r_.succeeded >= target_count_) {
                stopped_ = true;
                timer_.cancel();
                give_up_.cancel();
                return;
            }
            if (!awaiting_.empty()) read_next();
        });
    }

    void fail(const std::string& what) {
        if (r_.error.empty() || what.rfind("10 changes", 0) == 0) r_.error = what;
        stopped_ = true;
        timer_.cancel();
        give_up_.cancel();
        beast::error_code ignored;
        socket_.close(ignored);
    }

    Shared& shared_;
    asio::io_context ioc_{1};
    tcp::socket socket_;
    asio::steady_timer timer_;
    asio::steady_timer give_up_;
    tcp::endpoint endpoint_;
    const int target_count_;
    Clock::duration interval_{};
    Clock::time_point due_{};
    std::string request_head_;
    std::deque<std::string> out_;
    std::deque<std::int64_t> awaiting_;
    beast::flat_buffer buffer_;
    http::response<http::string_body> response_;
    bool writing_ = false;
    bool reading_ = false;
    bool stopped_ = false;
    TriggerResult r_;
};

std::uint32_t percentile(std::vector<std::uint32_t>& v, double p) {
    if (v.empty()) return 0;
    // Nearest rank: the smallest value with at least p% of the values at or below it.
    std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    rank = std::clamp<std::size_t>(rank, 1, v.size());
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
    return v[rank - 1];
}

template <class Pred>
bool wait_for(Pred done, double seconds) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_options(argc, argv);
    const rlim_t nofile = raise_nofile(static_cast<rlim_t>(opt.clients) + 256);
    if (nofile < static_cast<rlim_t>(opt.clients) + 32) {
        log("error: open-file limit is %llu, too low for %d connections (raise the hard limit)",
            static_cast<unsigned long long>(nofile), opt.clients);
        return 1;
    }

    Shared shared(opt);
    const long rss_before = read_rss_kib(opt.server_pid);
    log("%s: opening %d connections to ws://%s:%u/live (concurrency %d, %d thread(s)), topic event:%ld",
        opt.label.c_str(), opt.clients, opt.host.c_str(), opt.port, opt.concurrency, opt.threads, opt.event);

    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < opt.threads; ++i) {
        const int count = opt.clients / opt.threads + (i < opt.clients % opt.threads ? 1 : 0);
        workers.push_back(std::make_unique<Worker>(shared, count));
    }
    const auto connect_start = Clock::now();
    std::vector<std::thread> threads;
    for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
    auto stop_all = [&] {
        for (auto& w : workers) w->stop();
        for (auto& t : threads) t.join();
        threads.clear();
    };

    const bool all_open = wait_for(
        [&] { return shared.subscribed.load() + shared.failed.load() >= opt.clients; }, opt.connect_timeout_s);
    const double connect_s = std::chrono::duration<double>(Clock::now() - connect_start).count();
    const int subscribed = shared.subscribed.load();
    log("%s: %d/%d subscribed in %.1f s (%d failed)%s", opt.label.c_str(), subscribed, opt.clients, connect_s,
        shared.failed.load(), all_open ? "" : " -- connect timeout");
    if (subscribed == 0) {
        log("error: no connection subscribed; first error: %s", shared.first_error.c_str());
        stop_all();
        return 1;
    }
    const long base = shared.base_total.load();

    // Idle: every connection open and subscribed, nothing sent.
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.settle_s));
    const long rss_idle = read_rss_kib(opt.server_pid);
    const double kib_per_conn =
        (rss_before >= 0 && rss_idle >= 0) ? static_cast<double>(rss_idle - rss_before) / subscribed : -1.0;
    if (opt.server_pid > 0)
        log("%s: server RSS %ld KiB before, %ld KiB with %d idle connections: %.2f KiB per connection",
            opt.label.c_str(), rss_before, rss_idle, subscribed, kib_per_conn);

    const int total_changes = opt.warmup + opt.changes;
    shared.final_target.store(base + total_changes);
    log("%s: %d warm-up + %d measured changes at %.1f/s (base total %ld)", opt.label.c_str(), opt.warmup,
        opt.changes, opt.rate, base);
    const double server_cpu0 = opt.server_pid > 0 ? process_cpu_s(opt.server_pid) : -1;
    const double client_cpu0 = process_cpu_s(::getpid());
    const auto busy0 = cpu_busy_s();
    const auto load_start = Clock::now();
    Trigger trigger(shared);
    const TriggerResult tr = trigger.run();
    const auto last_change = Clock::now();
    if (!tr.error.empty()) log("%s: trigger: %s", opt.label.c_str(), tr.error.c_str());

    // Wait until every open connection has the last value, or the drain timeout.
    // Changes made: answered 201, or given up on and presumed made (reported as post_unanswered).
    const int made = static_cast<int>(tr.slot_t0.size());
    const bool drained =
        made == total_changes &&
        wait_for([&] { return shared.final_done.load() + shared.closed_after_subscribe.load() >= subscribed; },
                 opt.drain_timeout_s);
    const double drain_s = std::chrono::duration<double>(Clock::now() - last_change).count();
    // CPU used while the changes were made and delivered, per second of that time (1.0 = one core busy).
    const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
    const double server_cpu1 = opt.server_pid > 0 ? process_cpu_s(opt.server_pid) : -1;
    const double client_cpu1 = process_cpu_s(::getpid());
    const double server_cpu = (server_cpu0 >= 0 && server_cpu1 >= 0) ? (server_cpu1 - server_cpu0) / load_s : -1;
    const double client_cpu = (client_cpu0 >= 0 && client_cpu1 >= 0) ? (client_cpu1 - client_cpu0) / load_s : -1;
    // What other processes took of the cores the server and the client were pinned to: the
    // cores' busy time minus what the server and the client used (when their cores are
    // separate; otherwise -1).
    const auto busy1 = cpu_busy_s();
    const std::vector<int> server_cpus = opt.server_pid > 0 ? cpus_of(opt.server_pid) : std::vector<int>{};
    const std::vector<int> client_cpus = cpus_of(::getpid());
    bool separate = !server_cpus.empty() && !client_cpus.empty();
    for (int c : server_cpus)
        if (std::find(client_cpus.begin(), client_cpus.end(), c) != client_cpus.end()) separate = false;
    const double server_core_others =
        separate && server_cpu >= 0 ? std::max(0.0, busy_on(busy0, busy1, server_cpus) / load_s - server_cpu) : -1;
    const double client_core_others =
        separate && client_cpu >= 0 ? std::max(0.0, busy_on(busy0, busy1, client_cpus) / load_s - client_cpu) : -1;
    const long rss_end = read_rss_kib(opt.server_pid);
    stop_all();
    // Client CPU per value received (warm-up included): what one delivery costs the client.
    std::size_t values_received = 0;
    for (auto& w : workers) values_received += w->samples().size();
    const double client_us_per_msg =
        values_received > 0 && client_cpu >= 0 ? client_cpu * load_s * 1e6 / static_cast<double>(values_received) : -1;
    // The same for the server: its CPU time per value delivered (the commits and everything
    // else it did meanwhile included), comparable between servers whether or not they kept up.
    const double server_us_per_msg =
        values_received > 0 && server_cpu >= 0 ? server_cpu * load_s * 1e6 / static_cast<double>(values_received) : -1;

    // Latency of every (measured change, client) delivery against that change's t0.
    // "all": each value a client received, against the t0 of the change that made it.
    // "cover": each (change, client) pair, at the moment the client had that value or a newer
    // one (a skipped value counts as had when the newer value that replaced it arrived).
    const int measured = std::max(0, made - opt.warmup);
    const auto mu = static_cast<std::size_t>(std::max(measured, 1));
    std::vector<std::uint32_t> all;
    std::vector<std::uint32_t> cover;
    std::vector<std::uint32_t> per_change_last(mu, 0);  // latest "had it or newer" over clients
    std::vector<std::uint32_t> per_change_had(mu, 0);   // clients that had it or newer
    long unexpected = 0, out_of_order = 0, errors_received = 0, early = 0, superseded = 0;
    // Where a change's latency starts: when the server published it ("at", the default: the
    // time the change was committed and the broadcast began) or when its POST was sent (which
    // adds the server's durable commit and its answer queue to the figure).
    const bool from_at = opt.latency_from == "at";
    int missing_at = 0;
    std::vector<std::int64_t> origin_ns(tr.slot_t0.size());
    for (std::size_t j = 0; j < origin_ns.size(); ++j) {
        const std::int64_t at = shared.at_ns[j].load();
        if (from_at && at == 0 && static_cast<int>(j) >= opt.warmup) ++missing_at;
        origin_ns[j] = from_at && at != 0 ? at : tr.slot_t0[j];
    }
    if (from_at && missing_at > 0)
        log("%s: %d measured change(s) carried no usable \"at\"; timed from the POST", opt.label.c_str(), missing_at);
    std::vector<std::uint32_t> all_from_post;
    auto micros = [&](std::int64_t t, int j) {
        std::int64_t us = (t - origin_ns[static_cast<std::size_t>(j)]) / 1000;
        if (us < 0) {  // cannot happen unless the change/value mapping is off
            ++early;
            us = 0;
        }
        return static_cast<std::uint32_t>(std::min<std::int64_t>(us, UINT32_MAX));
    };
    for (auto& w : workers) {
        std::vector<Sample> samples = w->samples();
        // Each client's values in the order it got them (the samples are in arrival order).
        std::stable_sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.conn < b.conn; });
        std::uint32_t current = UINT32_MAX;
        int had = -1;          // the newest slot this client had
        long received = 0;     // measured values this client received
        auto close_client = [&] {
            // Measured values older than the client's newest one that it never received were
            // replaced by a newer one (coalesced); the rest never reached it.
            if (current != UINT32_MAX) superseded += std::max(0, std::min(had + 1, made) - opt.warmup) - received;
        };
        for (const Sample& s : samples) {
            if (s.conn != current) {
                close_client();
                current = s.conn;
                had = -1;
                received = 0;
            }
            const int j = static_cast<int>(s.slot);
            if (j >= made) {  // a value with no successful change behind it
                ++unexpected;
                continue;
            }
            const std::int64_t t = shared.start_ns + static_cast<std::int64_t>(s.t_us) * 1000;
            if (j >= opt.warmup) {
                all.push_back(micros(t, j));
                all_from_post.push_back(static_cast<std::uint32_t>(
                    std::clamp<std::int64_t>((t - tr.slot_t0[static_cast<std::size_t>(j)]) / 1000, 0, UINT32_MAX)));
                ++received;
            }
            for (int k = std::max(had + 1, opt.warmup); k <= j; ++k) {
                const std::uint32_t v = micros(t, k);
                cover.push_back(v);
                const auto m = static_cast<std::size_t>(k - opt.warmup);
                per_change_last[m] = std::max(per_change_last[m], v);
                ++per_change_had[m];
            }
            had = std::max(had, j);
        }
        close_client();
        unexpected += w->unexpected();
        out_of_order += w->out_of_order();
        errors_received += w->errors_received();
    }
    const std::uint64_t expected = static_cast<std::uint64_t>(subscribed) * static_cast<std::uint64_t>(measured);
    const std::uint64_t delivered = all.size();
    const std::uint64_t skipped = expected - std::min(expected, delivered);
    const std::uint32_t max_us = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
    const std::uint32_t p50 = percentile(all, 50);
    const std::uint32_t p99 = percentile(all, 99);
    const std::uint32_t p999 = percentile(all, 99.9);
    const std::uint32_t post_origin_p99 = percentile(all_from_post, 99);
    const std::uint64_t covered = cover.size();
    const std::uint32_t cover_p50 = percentile(cover, 50);
    const std::uint32_t cover_p99 = percentile(cover, 99);
    const std::uint32_t cover_max = cover.empty() ? 0 : *std::max_element(cover.begin(), cover.end());
    // Per change: the time until every client still connected had it (or a newer value);
    // changes that some client never had are left out and counted.
    const int alive = subscribed - shared.closed_after_subscribe.load();
    std::vector<std::uint32_t> complete;
    int incomplete = 0;
    for (int k = 0; k < measured; ++k) {
        if (static_cast<int>(per_change_had[static_cast<std::size_t>(k)]) >= alive)
            complete.push_back(per_change_last[static_cast<std::size_t>(k)]);
        else
            ++incomplete;
    }
    const std::uint32_t complete_p50 = percentile(complete, 50);
    const std::uint32_t complete_max = complete.empty() ? 0 : *std::max_element(complete.begin(), complete.end());
    std::vector<std::uint32_t> post_us;
    for (int j = opt.warmup; j < made; ++j)
        post_us.push_back(static_cast<std::uint32_t>(
            (tr.slot_done[static_cast<std::size_t>(j)] - tr.slot_t0[static_cast<std::size_t>(j)]) / 1000));
    const std::uint32_t post_max = post_us.empty() ? 0 : *std::max_element(post_us.begin(), post_us.end());
    const std::uint32_t post_p50 = percentile(post_us, 50);
    double achieved_rate = 0;
    if (measured > 1) {
        const double span = (tr.slot_t0[static_cast<std::size_t>(made - 1)] -
                             tr.slot_t0[static_cast<std::size_t>(opt.warmup)]) / 1e9;
        if (span > 0) achieved_rate = (measured - 1) / span;
    }

    log("%s: delivered %llu/%llu (skipped %llu), from %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (from the POST: p99 "
        "%.2f ms); drain %.2f s%s",
        opt.label.c_str(), static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(expected),
        static_cast<unsigned long long>(skipped), from_at ? "publish (at)" : "the POST", p50 / 1000.0, p99 / 1000.0,
        max_us / 1000.0, post_origin_p99 / 1000.0, drain_s,
        drained ? "" : " (drain timeout: some clients never got the last value)");
    if (!shared.first_error.empty()) log("%s: first error: %s", opt.label.c_str(), shared.first_error.c_str());

    std::printf(
        "LIVE_RESULT label=%s clients=%d subscribed=%d connect_failed=%d connect_s=%.2f changes=%d warmup=%d "
        "rate=%.2f achieved_rate=%.2f expected=%llu delivered=%llu skipped=%llu superseded=%ld p50_us=%u p99_us=%u p999_us=%u "
        "max_us=%u cover_p50_us=%u cover_p99_us=%u cover_max_us=%u covered=%llu complete_p50_us=%u "
        "complete_max_us=%u incomplete_changes=%d rss_before_kib=%ld rss_idle_kib=%ld rss_end_kib=%ld kib_per_conn=%.2f "
        "closed=%d closed_too_slow=%d post_failures=%d post_p50_us=%u post_max_us=%u max_in_flight=%d "
        "late_ticks=%d confirmed=%d waitlisted=%d unexpected=%ld early=%ld out_of_order=%ld error_messages=%ld "
        "snapshot_mismatch=%d drained=%d drain_s=%.2f post_unanswered=%d server_cpu=%.2f client_cpu=%.2f "
        "client_us_per_msg=%.2f server_us_per_msg=%.2f reader=%s server_core_others=%.2f client_core_others=%.2f latency_from=%s missing_at=%d post_origin_p99_us=%u\n",
        opt.label.c_str(), opt.clients, subscribed, shared.failed.load(), connect_s, measured, opt.warmup, opt.rate,
        achieved_rate, static_cast<unsigned long long>(expected), static_cast<unsigned long long>(delivered),
        static_cast<unsigned long long>(skipped), superseded, p50, p99, p999, max_us, cover_p50, cover_p99, cover_max,
        static_cast<unsigned long long>(covered), complete_p50, complete_max, incomplete, rss_before, rss_idle,
        rss_end, kib_per_conn, shared.closed_after_subscribe.load(), shared.closed_too_slow.load(), tr.failures,
        post_p50, post_max, tr.max_in_flight, tr.late, tr.confirmed, tr.waitlisted, unexpected, early, out_of_order,
        errors_received, shared.snapshot_mismatch.load(), drained ? 1 : 0, drain_s, tr.unanswered, server_cpu,
        client_cpu, client_us_per_msg, server_us_per_msg, opt.reader.c_str(), server_core_others, client_core_others, opt.latency_from.c_str(), missing_at, post_origin_p99);
    std::fflush(stdout);
    return tr.succeeded == total_changes ? 0 : 1;  // 1: some change failed or went unanswered
}
