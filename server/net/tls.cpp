#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace congress::net {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites of Mozilla's intermediate profile; TLS 1.3 uses OpenSSL's defaults (all AEAD).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        throw std::runtime_error("TLS: cannot require TLS 1.2: " + openssl_error());
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_DH_USE);
    if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1)
        throw std::runtime_error("TLS: cannot set the cipher list: " + openssl_error());
    if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
        throw std::runtime_error("--tls-cert " + cert_file + ": cannot load the certificate chain (PEM): " + openssl_error());
    if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        const auto why = openssl_error();
        if (why.find("mismatch") != std::string::npos)
            throw std::runtime_error("--tls-key " + key_file + " does not match the certificate in " + cert_file);
        throw std::runtime_error("--tls-key " + key_file + ": cannot load the private key (PEM): " + why);
    }
    if (SSL_CTX_check_private_key(native) != 1)
        throw std::runtime_error("--tls-key " + key_file + " does not match the certificate in " + cert_file);
    return context;
}

}  // namespace congress::net
