// A TLS client for the integration tests, on OpenSSL directly (no Asio): connects to
// 127.0.0.1:port, verifies the server's certificate against a given CA file, and sends and
// receives bytes with deadlines.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace congress::it {

struct TlsClientOptions {
    std::string ca_file;               // the certificate to trust (the test's self-signed one)
    std::string server_name = "localhost";
    int max_version = 0;               // e.g. TLS1_1_VERSION to offer only older protocols
};

class TlsClient {
public:
    TlsClient(std::uint16_t port, const TlsClientOptions& options);
    ~TlsClient();
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    // The handshake succeeded and the certificate was verified.
    bool connected() const { return ssl_ != nullptr && connected_; }
    const std::string& error() const { return error_; }
    // "TLSv1.3", "TLSv1.2"
    std::string protocol() const;

    bool write(std::string_view bytes);
    // Appends what arrives to `out` until `until` returns true for it, the connection ends or
    // the deadline passes; true if `until` was met.
    bool read_until(std::string& out, bool (*until)(const std::string&), std::chrono::milliseconds wait);
    // Reads until the peer closes (or the deadline).
    std::string read_all(std::chrono::milliseconds wait);

private:
    int fd_ = -1;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    bool connected_ = false;
    std::string error_;
};

}  // namespace congress::it
