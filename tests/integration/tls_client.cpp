#include "integration/tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

namespace congress::it {

namespace {

std::string openssl_error(const char* what) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    char text[256] = "";
    if (code) ERR_error_string_n(code, text, sizeof text);
    return std::string(what) + (code ? std::string(": ") + text : std::string());
}

bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}

}  // namespace

TlsClient::TlsClient(std::uint16_t port, const TlsClientOptions& options) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        error_ = "connect failed";
        return;
    }
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (options.max_version) {
        SSL_CTX_set_min_proto_version(ctx_, 0);
        SSL_CTX_set_max_proto_version(ctx_, options.max_version);
        SSL_CTX_set_security_level(ctx_, 0);  // let this client offer the old protocol at all
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr) != 1) {
        error_ = openssl_error("cannot load the CA file");
        return;
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_tlsext_host_name(ssl_, options.server_name.c_str());
    SSL_set1_host(ssl_, options.server_name.c_str());
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
        error_ = openssl_error("TLS handshake failed");
        return;
    }
    connected_ = true;
}

TlsClient::~TlsClient() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
}

std::string TlsClient::protocol() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

bool TlsClient::write(std::string_view bytes) {
    if (!connected()) return false;
    // OpenSSL writes with write(), which raises SIGPIPE when the server has already closed
    // the connection (as it does after refusing an oversized request): that must be a
    // failed write here, not the end of the test process. SIGPIPE is blocked on this
    // thread while writing, and one that came meanwhile is taken before unblocking.
    sigset_t pipe, before;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &before);
    struct Restore {
        sigset_t& pipe;
        sigset_t& before;
        ~Restore() {
            const timespec none{0, 0};
            while (sigtimedwait(&pipe, nullptr, &none) > 0) {
            }
            pthread_sigmask(SIG_SETMASK, &before, nullptr);
        }
    } restore{pipe, before};
    while (!bytes.empty()) {
        const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
        if (n <= 0) {
            error_ = openssl_error("SSL_write");
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool TlsClient::read_until(std::string& out, bool (*until)(const std::string&), std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (connected()) {
        if (until && until(out)) return true;
        if (SSL_pending(ssl_) == 0 && !wait_readable(fd_, deadline)) return false;
        char buffer[4096];
        const int n = SSL_read(ssl_, buffer, sizeof buffer);
        if (n <= 0) return until ? until(out) : true;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return false;
}

std::string TlsClient::read_all(std::chrono::milliseconds wait) {
    std::string out;
    read_until(out, nullptr, wait);
    return out;
}

}  // namespace congress::it
