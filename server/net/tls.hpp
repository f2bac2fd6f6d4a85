// The server's TLS settings: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers (Mozilla's
// "intermediate" profile), no compression or renegotiation.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace congress::net {

// Loads the certificate chain and the private key (PEM). Throws std::runtime_error with a
// message that names the file when one cannot be read or the key does not match.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file);

}  // namespace congress::net
