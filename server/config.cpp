#include "config.hpp"

#include <charconv>
#include <functional>
#include <thread>

namespace congress {

namespace {

struct Option {
    const char* flag;  // without the leading "--"
    const char* env;   // nullptr: no environment variable
    const char* value_name;  // nullptr: a switch without a value
    const char* help;
    std::function<void(Config&, const std::string&)> apply;
};

long long parse_number(const std::string& flag, const std::string& text, long long min, long long max) {
    long long value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || value < min || value > max)
        throw ConfigError("--" + flag + " must be a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max) + " (got \"" + text + "\")");
    return value;
}

const std::vector<Option>& options() {
    static const std::vector<Option> table = {
        {"address", "CONGRESS_ADDRESS", "ADDR", "address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)",
         [](Config& c, const std::string& v) { c.address = v; }},
        {"port", "CONGRESS_PORT", "PORT", "TCP port (default 8080; 0 picks a free one)",
         [](Config& c, const std::string& v) { c.port = static_cast<std::uint16_t>(parse_number("port", v, 0, 65535)); }},
        {"port-file", "CONGRESS_PORT_FILE", "FILE", "write the bound port to FILE once listening",
         [](Config& c, const std::string& v) { c.port_file = v; }},
        {"db", "CONGRESS_DB", "PATH", "SQLite database file (default congress.db)",
         [](Config& c, const std::string& v) { c.db_path = v; }},
        {"web-root", "CONGRESS_WEB_ROOT", "DIR", "directory of the browser UI (default web)",
         [](Config& c, const std::string& v) { c.web_root = v; }},
        {"threads", "CONGRESS_THREADS", "N", "network threads (default: the number of cores)",
         [](Config& c, const std::string& v) { c.threads = static_cast<int>(parse_number("threads", v, 1, 256)); }},
        {"db-readers", "CONGRESS_DB_READERS", "N", "database reader threads (default 2)",
         [](Config& c, const std::string& v) { c.db_readers = static_cast<int>(parse_number("db-readers", v, 1, 64)); }},
        {"log-level", "CONGRESS_LOG_LEVEL", "LEVEL", "debug, info, warn, error or off (default info)",
         [](Config& c, const std::string& v) {
             if (!log::parse_level(v, c.log_level))
                 throw ConfigError("--log-level must be debug, info, warn, error or off (got \"" + v + "\")");
         }},
        {"max-header-bytes", "CONGRESS_MAX_HEADER_BYTES", "N", "largest request header accepted (default 16384)",
         [](Config& c, const std::string& v) {
             c.max_header_bytes = static_cast<std::size_t>(parse_number("max-header-bytes", v, 1024, 1 << 20));
         }},
        {"max-body-bytes", "CONGRESS_MAX_BODY_BYTES", "N", "largest request body accepted (default 1048576)",
         [](Config& c, const std::string& v) {
             c.max_body_bytes = static_cast<std::size_t>(parse_number("max-body-bytes", v, 0, 64 << 20));
         }},
        {"idle-timeout", "CONGRESS_IDLE_TIMEOUT", "SECONDS", "close idle or slow connections after this (default 30)",
         [](Config& c, const std::string& v) { c.idle_timeout_seconds = static_cast<int>(parse_number("idle-timeout", v, 1, 3600)); }},
        {"live-idle-timeout", "CONGRESS_LIVE_IDLE_TIMEOUT", "SECONDS",
         "ping a /live client quiet for half of this; close it if the ping gets no answer in the other half (default 60)",
         [](Config& c, const std::string& v) {
             c.live_idle_timeout_seconds = static_cast<int>(parse_number("live-idle-timeout", v, 2, 3600));
         }},
        {"watch-interval-ms", "CONGRESS_WATCH_INTERVAL_MS", "N",
         "how often to look for changes another process made to the database, such as a `congress session` "
         "command (default 200; the server's own changes are pushed at once)",
         [](Config& c, const std::string& v) { c.watch_interval_ms = static_cast<int>(parse_number("watch-interval-ms", v, 10, 3600000)); }},
        {"shutdown-grace", "CONGRESS_SHUTDOWN_GRACE", "SECONDS", "on SIGTERM, wait this long for requests in flight (default 10)",
         [](Config& c, const std::string& v) { c.shutdown_grace_seconds = static_cast<int>(parse_number("shutdown-grace", v, 0, 600)); }},
        {"allowed-origins", "CONGRESS_ALLOWED_ORIGINS", "LIST",
         "comma-separated origins that may open /live besides the server's own (e.g. https://congress.example.org)",
         [](Config& c, const std::string& v) {
             c.allowed_origins.clear();
             std::size_t start = 0;
             while (start <= v.size()) {
                 const auto comma = v.find(',', start);
                 auto item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                 if (!item.empty()) {
                     if (item.rfind("http://", 0) != 0 && item.rfind("https://", 0) != 0)
                         throw ConfigError("--allowed-origins: \"" + item + "\" must start with http:// or https://");
                     c.allowed_origins.push_back(item);
                 }
                 if (comma == std::string::npos) break;
                 start = comma + 1;
             }
         }},
        {"live-send-batch", "CONGRESS_LIVE_SEND_BATCH", "N",
         "sockets per io_uring submission for a live broadcast (default 1024; 0: one send() each)",
         [](Config& c, const std::string& v) {
             c.live_send_batch = static_cast<unsigned>(parse_number("live-send-batch", v, 0, 4096));
         }},
        {"max-connections-per-address", "CONGRESS_MAX_CONNECTIONS_PER_ADDRESS", "N",
         "open connections one client address may hold, /live included; 0 = no limit (default 1000; a venue's "
         "delegates may share one address)",
         [](Config& c, const std::string& v) {
             c.max_connections_per_address = static_cast<std::size_t>(parse_number("max-connections-per-address", v, 0, 1000000));
         }},
        {"tls-cert", "CONGRESS_TLS_CERT", "FILE",
         "certificate chain (PEM): serve HTTPS and WSS; plain HTTP on the same port is redirected (needs --tls-key)",
         [](Config& c, const std::string& v) { c.tls_cert = v; }},
        {"tls-key", "CONGRESS_TLS_KEY", "FILE", "private key (PEM) of --tls-cert",
         [](Config& c, const std::string& v) { c.tls_key = v; }},
        {"session-idle-timeout", "CONGRESS_SESSION_IDLE_TIMEOUT", "SECONDS",
         "end a staff session unused for this long (default 7200)",
         [](Config& c, const std::string& v) {
             c.session_idle_seconds = static_cast<int>(parse_number("session-idle-timeout", v, 60, 7 * 24 * 3600));
         }},
        {"session-max-age", "CONGRESS_SESSION_MAX_AGE", "SECONDS",
         "end a staff session this long after login, however active (default 43200)",
         [](Config& c, const std::string& v) {
             c.session_max_age_seconds = static_cast<int>(parse_number("session-max-age", v, 60, 30 * 24 * 3600));
         }},
        {"password-hashes", "CONGRESS_PASSWORD_HASHES", "N",
         "password hashes computed at once, ~128 MiB each (default 2)",
         [](Config& c, const std::string& v) { c.password_hashes = static_cast<int>(parse_number("password-hashes", v, 1, 64)); }},
        {"password-queue", "CONGRESS_PASSWORD_QUEUE", "N",
         "logins that may wait for a hash before 503 Service Unavailable (default 16)",
         [](Config& c, const std::string& v) { c.password_queue = static_cast<int>(parse_number("password-queue", v, 0, 10000)); }},
        {"secure-cookies", nullptr, nullptr,
         "mark the staff session cookie Secure even on plain HTTP (when a proxy in front terminates TLS)",
         [](Config& c, const std::string&) { c.secure_cookies = true; }},
        {"letters-key-file", "CONGRESS_LETTERS_KEY_FILE", "FILE",
         "key that seals visa letters' passport numbers: 64 hex characters (32 random bytes); without it the "
         "letter routes answer 503 (docs/letters.md)",
         [](Config& c, const std::string& v) { c.letters_key_file = v; }},
        {"demo-file", "CONGRESS_DEMO_FILE", "FILE", "demo data to load (default schema/demo/metropolis-2014.json)",
         [](Config& c, const std::string& v) { c.demo_file = v; }},
        {"as-published", nullptr, nullptr, "demo-load: keep the report's 2014 dates instead of moving them forward",
         [](Config& c, const std::string&) { c.demo_as_published = true; }},
        {"replace", nullptr, nullptr, "demo-load: replace the programme of a database that already has events",
         [](Config& c, const std::string&) { c.demo_replace = true; }},
    };
    return table;
}

}  // namespace

Config parse_config(const std::vector<std::string>& args, const char* (*getenv)(const char*)) {
    Config config;
    config.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<bool> given(options().size(), false);

    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        if (arg.rfind("--", 0) != 0) throw ConfigError("unexpected argument \"" + arg + "\" (see --help)");
        const auto eq = arg.find('=');
        const auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        std::size_t index = 0;
        while (index < options().size() && name != options()[index].flag) ++index;
        if (index == options().size()) throw ConfigError("unknown option --" + name + " (see --help)");
        const auto& option = options()[index];
        std::string value;
        if (option.value_name) {
            if (eq != std::string::npos) value = arg.substr(eq + 1);
            else if (i + 1 < args.size()) value = args[++i];
            else throw ConfigError("--" + name + " needs a value (" + option.value_name + ")");
        } else if (eq != std::string::npos) {
            throw ConfigError("--" + name + " takes no value");
        }
        option.apply(config, value);
        given[index] = true;
    }
    for (std::size_t index = 0; index < options().size(); ++index) {
        const auto& option = options()[index];
        if (given[index] || !option.env) continue;
        if (const char* value = getenv(option.env); value && *value) option.apply(config, value);
    }
    if (config.address.empty()) throw ConfigError("--address must not be empty");
    if (config.db_path.empty()) throw ConfigError("--db must not be empty");
    if (config.session_idle_seconds > config.session_max_age_seconds)
        throw ConfigError("--session-idle-timeout must not be longer than --session-max-age");
    return config;
}

std::string config_help() {
    std::string text;
    for (const auto& option : options()) {
        std::string left = std::string("  --") + option.flag;
        if (option.value_name) left += std::string(" ") + option.value_name;
        if (left.size() < 28) left.resize(28, ' ');
        else left += "  ";
        text += left + option.help;
        if (option.env) text += std::string(" [") + option.env + "]";
        text += '\n';
    }
    return text;
}

}  // namespace congress
