#include "auth/sealed.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace congress::auth {

namespace {

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::optional<SealKey> seal_key_from_hex(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    if (text.size() != 64) return std::nullopt;
    SealKey key;
    for (std::size_t i = 0; i < 32; ++i) {
        const int hi = hex_value(text[2 * i]);
        const int lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        key.bytes[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    return key;
}

SealKey load_seal_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the letters key file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    auto key = seal_key_from_hex(text.str());
    if (!key) throw std::runtime_error("the letters key file " + path + " must hold 64 hex characters (32 random bytes)");
    return *key;
}

std::string seal(const SealKey& key, std::string_view plaintext, std::string_view associated_data) {
    std::string out(kSealNonceBytes + plaintext.size() + kSealTagBytes, '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    if (RAND_bytes(nonce, static_cast<int>(kSealNonceBytes)) != 1) throw std::runtime_error("RAND_bytes failed");
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kSealNonceBytes), nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(associated_data),
                          static_cast<int>(associated_data.size())) != 1) {
        throw std::runtime_error("AES-256-GCM setup failed");
    }
    auto* cipher = nonce + kSealNonceBytes;
    int written = 0;
    if (!plaintext.empty()) {
        if (EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes_of(plaintext), static_cast<int>(plaintext.size())) != 1)
            throw std::runtime_error("AES-256-GCM encryption failed");
        written = len;
    }
    if (EVP_EncryptFinal_ex(ctx.get(), cipher + written, &len) != 1)
        throw std::runtime_error("AES-256-GCM encryption failed");
    written += len;
    if (static_cast<std::size_t>(written) != plaintext.size()) throw std::runtime_error("AES-256-GCM: unexpected length");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kSealTagBytes), cipher + written) != 1)
        throw std::runtime_error("AES-256-GCM tag failed");
    return out;
}

std::optional<std::string> open_sealed(const SealKey& key, std::string_view sealed,
                                       std::string_view associated_data) {
    if (sealed.size() < kSealNonceBytes + kSealTagBytes) return std::nullopt;
    const auto* nonce = bytes_of(sealed);
    const std::size_t cipher_size = sealed.size() - kSealNonceBytes - kSealTagBytes;
    const auto* cipher = nonce + kSealNonceBytes;
    std::string tag(sealed.substr(kSealNonceBytes + cipher_size));
    std::string plain(cipher_size, '\0');
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kSealNonceBytes), nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), nonce) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(associated_data),
                          static_cast<int>(associated_data.size())) != 1) {
        return std::nullopt;
    }
    int written = 0;
    if (cipher_size > 0) {
        if (EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, cipher,
                              static_cast<int>(cipher_size)) != 1)
            return std::nullopt;
        written = len;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kSealTagBytes), tag.data()) != 1)
        return std::nullopt;
    if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + written, &len) != 1)
        return std::nullopt;
    return plain;
}

}  // namespace congress::auth
