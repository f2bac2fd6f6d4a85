// live_client: the load client of bench/live_fanout.sh.
//
// Opens N WebSocket connections to ws://HOST:PORT/live (bounded concurrency), subscribes each
// to event:ID and waits until every one has its snapshot. It then reads the server's RSS
// (VmRSS of --server-pid) after the connections have been idle for --settle seconds, and
// compares it with the RSS read before the first connection was opened.
//
// A trigger thread then makes W + M changes at a steady rate through HTTP
// (POST /api/events/ID/registrations on its own keep-alive connection, a unique email each
// time). The first W are a warm-up and are not counted. Every successful change (201) moves
// the event's confirmed + waitlisted total by exactly one, so the j-th successful change is
// recognised by the total it produces: base + j + 1, where base is the snapshot's total. t0 of
// a change is taken just before its request is written.
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

#include <sys/resource.h>

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
#include <fstream>
#include <memory>
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
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "live_client: %s\n"
                 "usage: live_client --port P --event ID [--host 127.0.0.1] [--clients 10000] [--changes 200]\n"
                 "       [--warmup 20] [--rate 20] [--concurrency 256] [--threads 1] [--server-pid PID]\n"
                 "       [--settle 2] [--connect-timeout 180] [--drain-timeout 10] [--origin URL|none]\n"
                 "       [--label NAME] [--email-tag TAG]\n",
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
            else usage_error("unknown argument " + key);
        } catch (const std::logic_error&) {
            usage_error("bad value for " + key + ": " + value);
        }
    }
    if (o.port == 0) usage_error("--port is required");
    if (o.event <= 0) usage_error("--event is required");
    if (o.clients <= 0 || o.changes <= 0 || o.warmup < 0 || o.rate <= 0 || o.concurrency <= 0 || o.threads <= 0)
        usage_error("clients, changes, rate, concurrency and threads must be positive (warmup >= 0)");
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

// --- shared state -----------------------------------------------------------------------------

struct Shared {
    explicit Shared(const Options& o) : opt(o), t0(static_cast<std::size_t>(o.warmup + o.changes)) {
        for (auto& t : t0) t.store(0, std::memory_order_relaxed);
    }
    Options opt;
    // t0 (steady clock, ns) per successful change slot j = 0 .. W+M-1; slot j produces total base+j+1.
    std::vector<std::atomic<std::int64_t>> t0;
    std::atomic<long> base_total{-1};
    std::atomic<long> warm_target{-1};
    std::atomic<long> final_target{-1};
    std::atomic<int> subscribed{0};
    std::atomic<int> failed{0};
    std::atomic<int> snapshot_mismatch{0};
    std::atomic<int> closed_after_subscribe{0};
    std::atomic<int> closed_too_slow{0};
    std::atomic<int> warm_done{0};
    std::atomic<int> final_done{0};
    std::mutex error_mutex;
    std::string first_error;

    void note_error(const std::string& what) {
        std::lock_guard lock(error_mutex);
        if (first_error.empty()) first_error = what;
    }
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
};

class Worker {
public:
    Worker(Shared& shared, int count) : shared_(shared), ioc_(1), count_(count) {
        const auto& o = shared_.opt;
        endpoint_ = tcp::endpoint(asio::ip::make_address(o.host), o.port);
        host_header_ = o.host + ":" + std::to_string(o.port);
        in_flight_limit_ = std::max(1, o.concurrency / o.threads);
        const std::size_t m = static_cast<std::size_t>(o.changes);
        per_change_count_.assign(m, 0);
        per_change_max_.assign(m, 0);
        latencies_.reserve(m * static_cast<std::size_t>(count));
    }

    void run() {
        auto guard = asio::make_work_guard(ioc_);
        asio::post(ioc_, [this] {
            while (in_flight_ < in_flight_limit_ && started_ < count_) start_next();
        });
        ioc_.run();
    }
    void stop() { ioc_.stop(); }

    const std::vector<std::uint32_t>& latencies() const { return latencies_; }
    const std::vector<std::uint32_t>& per_change_count() const { return per_change_count_; }
    const std::vector<std::uint32_t>& per_change_max() const { return per_change_max_; }
    long unexpected() const { return unexpected_; }
    long out_of_order() const { return out_of_order_; }
    long errors_received() const { return errors_received_; }

private:
    void start_next() {
        ++started_;
        ++in_flight_;
        conns_.push_back(std::make_unique<Conn>(*this, ioc_));
        connect(conns_.back().get());
    }

    void finished_opening(Conn* /*c*/, bool ok) {
        if (!ok) shared_.failed.fetch_add(1);
        --in_flight_;
        while (in_flight_ < in_flight_limit_ && started_ < count_) start_next();
    }

    void retry_or_fail(Conn* c, const char* stage, beast::error_code ec) {
        if (++c->attempts < 3) {
            beast::error_code ignored;
            c->ws.next_layer().close(ignored);
            auto timer = std::make_shared<asio::steady_timer>(ioc_, std::chrono::milliseconds(200));
            timer->async_wait([this, c, timer](beast::error_code) {
                // A fresh stream: a websocket stream cannot be reused after a failed handshake.
                for (auto& p : conns_) {
                    if (p.get() == c) {
                        int attempts = c->attempts;
                        p = std::make_unique<Conn>(*this, ioc_);
                        p->attempts = attempts;
                        connect(p.get());
                        return;
                    }
                }
            });
            return;
        }
        shared_.note_error(std::string(stage) + ": " + ec.message());
        c->dead = true;
        finished_opening(c, false);
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
                c->subscribe_text = "{\"type\":\"subscribe\",\"topic\":\"event:" + std::to_string(shared_.opt.event) + "\"}";
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
            if (ec != asio::error::operation_aborted) {
                if (!c->subscribed) return retry_or_fail(c, "subscribe", ec);
                c->dead = true;
                shared_.closed_after_subscribe.fetch_add(1);
                if (ec == websocket::error::closed && c->ws.reason().code == 4001) shared_.closed_too_slow.fetch_add(1);
                shared_.note_error("read after subscribe: " + ec.message() +
                                   (ec == websocket::error::closed
                                        ? " (close code " + std::to_string(c->ws.reason().code) + ")"
                                        : std::string()));
            }
            return;
        }
        const auto data = c->buffer.cdata();
        std::string_view text(static_cast<const char*>(data.data()), data.size());
        const std::string_view type = type_of(text);
        if (type == "seats") {
            on_seats(c, text, t);
        } else if (type == "snapshot" && !c->subscribed) {
            auto total = event_total(text);
            if (!total) {
                shared_.note_error("snapshot without the event's own seats: " + std::string(text.substr(0, 200)));
                c->buffer.consume(c->buffer.size());
                c->dead = true;
                finished_opening(c, false);
                return;
            }
            c->last_total = *total;
            long expected = -1;
            if (!shared_.base_total.compare_exchange_strong(expected, *total) && expected != *total)
                shared_.snapshot_mismatch.fetch_add(1);
            c->subscribed = true;
            shared_.subscribed.fetch_add(1);
            finished_opening(c, true);
        } else if (type == "error") {
            ++errors_received_;
            shared_.note_error("server error message: " + std::string(text.substr(0, 200)));
        }
        // "subscribed", later snapshots and other topics' messages need nothing.
        c->buffer.consume(c->buffer.size());
        read(c);
    }

    void on_seats(Conn* c, std::string_view text, std::int64_t t) {
        auto total = event_total(text);
        if (!total) return;  // a session's seats
        const long base = shared_.base_total.load(std::memory_order_relaxed);
        if (*total <= c->last_total) {
            ++out_of_order_;
            return;
        }
        const long previous = c->last_total;
        c->last_total = *total;
        const long j = *total - base - 1;
        const long slots = static_cast<long>(shared_.t0.size());
        if (base < 0 || j < 0 || j >= slots) {
            ++unexpected_;
            return;
        }
        const long warm = shared_.warm_target.load(std::memory_order_relaxed);
        const long fin = shared_.final_target.load(std::memory_order_relaxed);
        if (warm >= 0 && previous < warm && *total >= warm) shared_.warm_done.fetch_add(1);
        if (fin >= 0 && previous < fin && *total >= fin) shared_.final_done.fetch_add(1);
        const long k = j - shared_.opt.warmup;
        if (k < 0) return;  // a warm-up change
        const std::int64_t t0 = shared_.t0[static_cast<std::size_t>(j)].load(std::memory_order_acquire);
        if (t0 == 0) {
            ++unexpected_;
            return;
        }
        const std::int64_t us = std::max<std::int64_t>(0, (t - t0) / 1000);
        const auto v = static_cast<std::uint32_t>(std::min<std::int64_t>(us, UINT32_MAX));
        latencies_.push_back(v);
        ++per_change_count_[static_cast<std::size_t>(k)];
        per_change_max_[static_cast<std::size_t>(k)] = std::max(per_change_max_[static_cast<std::size_t>(k)], v);
    }

    Shared& shared_;
    asio::io_context ioc_;
    tcp::endpoint endpoint_;
    std::string host_header_;
    int count_;
    int started_ = 0;
    int in_flight_ = 0;
    int in_flight_limit_ = 1;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::vector<std::uint32_t> latencies_;
    std::vector<std::uint32_t> per_change_count_;
    std::vector<std::uint32_t> per_change_max_;
    long unexpected_ = 0;
    long out_of_order_ = 0;
    long errors_received_ = 0;
};

// --- the trigger: steady-rate changes over one keep-alive HTTP connection ------------------

struct TriggerResult {
    int succeeded = 0;
    int attempts = 0;
    int failures = 0;
    int reconnects = 0;
    int late = 0;  // changes sent more than one interval after they were due
    int confirmed = 0;
    int waitlisted = 0;
    double seconds = 0;           // first to last request of the measured changes
    std::vector<std::uint32_t> post_us;  // response times of the measured changes
    std::string error;
};

class Trigger {
public:
    explicit Trigger(Shared& shared) : shared_(shared), socket_(ioc_) {
        const auto& o = shared_.opt;
        endpoint_ = tcp::endpoint(asio::ip::make_address(o.host), o.port);
        target_ = "/api/events/" + std::to_string(o.event) + "/registrations";
        host_ = o.host + ":" + std::to_string(o.port);
    }

    TriggerResult run() {
        TriggerResult r;
        const auto& o = shared_.opt;
        const int total = o.warmup + o.changes;
        const auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / o.rate));
        // Steady: one change per interval. A change whose request took longer than the
        // interval delays the next one; a backlog of more than one interval is dropped rather
        // than sent in a burst.
        auto due = Clock::now() + std::chrono::milliseconds(10);
        int consecutive_failures = 0;
        std::int64_t measured_first = 0, measured_last = 0;
        while (r.succeeded < total) {
            if (r.attempts > 0) {
                due += interval;
                const auto now = Clock::now();
                if (now > due + interval) {
                    due = now;
                    ++r.late;
                }
            }
            std::this_thread::sleep_until(due);
            ++r.attempts;
            const int slot = r.succeeded;
            const std::string body = "{\"name\":\"Bench\",\"email\":\"live-" + o.email_tag + "-" +
                                     std::to_string(r.attempts) + "@bench.example\"}";
            std::string error;
            int status = 0;
            std::string response_body;
            std::int64_t t0 = 0;
            const bool ok = post(body, slot, t0, status, response_body, error, r);
            const std::int64_t t1 = now_ns();
            if (ok && status == 201) {
                consecutive_failures = 0;
                ++r.succeeded;
                if (response_body.find("\"waitlisted\"") != std::string::npos) ++r.waitlisted;
                else ++r.confirmed;
                if (slot >= o.warmup) {
                    if (measured_first == 0) measured_first = t0;
                    measured_last = t0;
                    r.post_us.push_back(static_cast<std::uint32_t>((t1 - t0) / 1000));
                }
            } else {
                ++r.failures;
                if (r.error.empty())
                    r.error = ok ? "POST answered " + std::to_string(status) + ": " + response_body.substr(0, 200) : error;
                if (++consecutive_failures >= 10) {
                    r.error = "10 changes in a row failed; last: " + (ok ? "status " + std::to_string(status) : error);
                    break;
                }
            }
        }
        r.seconds = (measured_last - measured_first) / 1e9;
        return r;
    }

private:
    bool post(const std::string& body, int slot, std::int64_t& t0, int& status, std::string& response_body,
              std::string& error, TriggerResult& r) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            beast::error_code ec;
            if (!connected_) {
                socket_ = tcp::socket(ioc_);
                socket_.connect(endpoint_, ec);
                if (ec) {
                    error = "connect: " + ec.message();
                    return false;
                }
                socket_.set_option(tcp::no_delay(true), ec);
                connected_ = true;
                buffer_.clear();
                if (attempt > 0 || ever_connected_) ++r.reconnects;
                ever_connected_ = true;
            }
            http::request<http::string_body> req{http::verb::post, target_, 11};
            req.set(http::field::host, host_);
            req.set(http::field::user_agent, "congress-live-bench");
            req.set(http::field::content_type, "application/json");
            req.keep_alive(true);
            req.body() = body;
            req.prepare_payload();
            t0 = now_ns();
            shared_.t0[static_cast<std::size_t>(slot)].store(t0, std::memory_order_release);
            http::write(socket_, req, ec);
            if (!ec) {
                http::response<http::string_body> res;
                http::read(socket_, buffer_, res, ec);
                if (!ec) {
                    status = static_cast<int>(res.result_int());
                    response_body = std::move(res.body());
                    if (!res.keep_alive()) {
                        beast::error_code ignored;
                        socket_.close(ignored);
                        connected_ = false;
                    }
                    return true;
                }
            }
            // The server closed the kept-alive connection between two requests: reconnect once.
            error = "POST: " + ec.message();
            beast::error_code ignored;
            socket_.close(ignored);
            connected_ = false;
        }
        return false;
    }

    Shared& shared_;
    asio::io_context ioc_{1};
    tcp::socket socket_;
    tcp::endpoint endpoint_;
    beast::flat_buffer buffer_;
    std::string target_;
    std::string host_;
    bool connected_ = false;
    bool ever_connected_ = false;
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

    shared.warm_target.store(opt.warmup > 0 ? base + opt.warmup : -1);
    shared.final_target.store(base + opt.warmup + opt.changes);
    log("%s: %d warm-up + %d measured changes at %.1f/s (base total %ld)", opt.label.c_str(), opt.warmup,
        opt.changes, opt.rate, base);
    Trigger trigger(shared);
    const TriggerResult tr = trigger.run();
    const auto last_change = Clock::now();
    if (!tr.error.empty()) log("%s: trigger: %s", opt.label.c_str(), tr.error.c_str());

    // Wait until every open connection has the last value, or the drain timeout.
    const bool drained = tr.succeeded == opt.warmup + opt.changes &&
                         wait_for(
                             [&] {
                                 return shared.final_done.load() + shared.closed_after_subscribe.load() >= subscribed;
                             },
                             opt.drain_timeout_s);
    const double drain_s = std::chrono::duration<double>(Clock::now() - last_change).count();
    const long rss_end = read_rss_kib(opt.server_pid);
    stop_all();

    // Aggregate.
    std::vector<std::uint32_t> all;
    std::size_t total_lat = 0;
    for (auto& w : workers) total_lat += w->latencies().size();
    all.reserve(total_lat);
    std::vector<std::uint32_t> per_change_max(static_cast<std::size_t>(opt.changes), 0);
    std::vector<std::uint64_t> per_change_count(static_cast<std::size_t>(opt.changes), 0);
    long unexpected = 0, out_of_order = 0, errors_received = 0;
    for (auto& w : workers) {
        all.insert(all.end(), w->latencies().begin(), w->latencies().end());
        for (std::size_t k = 0; k < per_change_max.size(); ++k) {
            per_change_max[k] = std::max(per_change_max[k], w->per_change_max()[k]);
            per_change_count[k] += w->per_change_count()[k];
        }
        unexpected += w->unexpected();
        out_of_order += w->out_of_order();
        errors_received += w->errors_received();
    }
    const int measured_changes = std::max(0, tr.succeeded - opt.warmup);
    const std::uint64_t expected = static_cast<std::uint64_t>(subscribed) * static_cast<std::uint64_t>(measured_changes);
    const std::uint64_t delivered = all.size();
    const std::uint32_t max_us = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
    const std::uint32_t p50 = percentile(all, 50);
    const std::uint32_t p99 = percentile(all, 99);
    const std::uint32_t p999 = percentile(all, 99.9);
    // Per change: the time until the last client that got it had it.
    std::vector<std::uint32_t> complete(per_change_max.begin(), per_change_max.begin() + measured_changes);
    const std::uint32_t complete_p50 = percentile(complete, 50);
    std::vector<std::uint32_t> post_us = tr.post_us;
    const std::uint32_t post_p50 = percentile(post_us, 50);
    const std::uint32_t post_max = post_us.empty() ? 0 : *std::max_element(post_us.begin(), post_us.end());
    const double achieved_rate = tr.seconds > 0 ? (measured_changes - 1) / tr.seconds : 0;

    log("%s: delivered %llu/%llu (skipped %llu), p50 %.2f ms, p99 %.2f ms, max %.2f ms; drain %.2f s%s",
        opt.label.c_str(), static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(expected),
        static_cast<unsigned long long>(expected - std::min(expected, delivered)), p50 / 1000.0, p99 / 1000.0,
        max_us / 1000.0, drain_s, drained ? "" : " (drain timeout: some clients never got the last value)");
    if (!shared.first_error.empty()) log("%s: first error: %s", opt.label.c_str(), shared.first_error.c_str());

    std::printf(
        "LIVE_RESULT label=%s clients=%d subscribed=%d connect_failed=%d connect_s=%.2f changes=%d warmup=%d "
        "rate=%.2f achieved_rate=%.2f expected=%llu delivered=%llu skipped=%llu p50_us=%u p99_us=%u p999_us=%u "
        "max_us=%u complete_p50_us=%u rss_before_kib=%ld rss_idle_kib=%ld rss_end_kib=%ld kib_per_conn=%.2f "
        "closed=%d closed_too_slow=%d post_failures=%d post_reconnects=%d post_p50_us=%u post_max_us=%u "
        "late_changes=%d confirmed=%d waitlisted=%d unexpected=%ld out_of_order=%ld error_messages=%ld snapshot_mismatch=%d "
        "drained=%d drain_s=%.2f\n",
        opt.label.c_str(), opt.clients, subscribed, shared.failed.load(), connect_s, measured_changes, opt.warmup,
        opt.rate, achieved_rate, static_cast<unsigned long long>(expected), static_cast<unsigned long long>(delivered),
        static_cast<unsigned long long>(expected - std::min(expected, delivered)), p50, p99, p999, max_us,
        complete_p50, rss_before, rss_idle, rss_end, kib_per_conn, shared.closed_after_subscribe.load(),
        shared.closed_too_slow.load(), tr.failures, tr.reconnects, post_p50, post_max, tr.late, tr.confirmed, tr.waitlisted,
        unexpected, out_of_order, errors_received, shared.snapshot_mismatch.load(), drained ? 1 : 0, drain_s);
    std::fflush(stdout);
    return tr.succeeded == opt.warmup + opt.changes ? 0 : 1;
}
