// The server's configuration: one plain struct, filled from command-line flags and
// CONGRESS_* environment variables (a flag wins over the environment), validated once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/log.hpp"

namespace congress {

struct Config {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string port_file;  // written with the bound port once listening (useful with port 0)
    std::string db_path = "congress.db";
    std::string web_root = "web";
    int threads = 0;        // 0: the number of cores
    int db_readers = 2;
    log::Level log_level = log::Level::info;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    int idle_timeout_seconds = 30;
    int live_idle_timeout_seconds = 60;
    unsigned live_send_batch = 1024;  // see live::HubOptions::send_batch
    std::size_t max_connections_per_address = 1000;
    std::string tls_cert;
    std::string tls_key;
    int shutdown_grace_seconds = 10;
    // How often the live feed looks for commits by other processes (`congress session`).
    int watch_interval_ms = 200;
    // Origins besides the server's own that may open the live channel.
    std::vector<std::string> allowed_origins;

    // Staff sessions (docs/staff.md): ended after this long unused, or this long after login.
    int session_idle_seconds = 2 * 60 * 60;
    int session_max_age_seconds = 12 * 60 * 60;
    // Password hashes computed at once (each takes ~128 MiB), and how many more may wait.
    int password_hashes = 2;
    int password_queue = 16;
    // The staff cookie is Secure on every request, not only those that came over TLS.
    bool secure_cookies = false;
    // Visa letters (docs/letters.md): a file holding the AES-256-GCM key that seals passport
    // numbers (64 hex characters). Without it the letter routes answer 503.
    std::string letters_key_file;

    // Demo loading.
    std::string demo_file = "schema/demo/metropolis-2014.json";
    bool demo_as_published = false;
    bool demo_replace = false;
};

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses the flags after the subcommand (e.g. {"--port", "9000"} or {"--port=9000"}),
// reading CONGRESS_* variables from `getenv` for anything not given. Throws ConfigError
// with a message naming the flag.
Config parse_config(const std::vector<std::string>& args, const char* (*getenv)(const char*));

// The option reference printed by --help.
std::string config_help();

}  // namespace congress
