#include "auth/password.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "auth/base64.hpp"

namespace congress::auth {

namespace {

constexpr std::string_view scheme = "scrypt";
constexpr std::size_t min_salt_bytes = 8, max_salt_bytes = 64;
constexpr std::size_t min_key_bytes = 16, max_key_bytes = 64;

struct KdfDeleter {
    void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
    void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

// Fetched once: an EVP_KDF is immutable and may be shared between threads.
EVP_KDF* scrypt_kdf() {
    static const std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
    if (!kdf) throw PasswordError("this OpenSSL has no SCRYPT key derivation");
    return kdf.get();
}

bool params_within_limits(const ScryptParams& params) {
    return params.log2_n >= 1 && params.log2_n <= max_log2_n && params.r >= 1 && params.r <= max_r &&
           params.p >= 1 && params.p <= max_p && params.memory_bytes() <= max_memory_bytes;
}

// The scrypt key of `password` (key.size() bytes).
void derive(std::string_view password, std::string_view salt, const ScryptParams& params, unsigned char* key,
            std::size_t key_size) {
    if (!params_within_limits(params)) throw PasswordError("scrypt parameters out of range");
    std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx(EVP_KDF_CTX_new(scrypt_kdf()));
    if (!ctx) throw PasswordError("cannot create a scrypt context");
    std::uint64_t n = params.n();
    std::uint32_t r = static_cast<std::uint32_t>(params.r);
    std::uint32_t p = static_cast<std::uint32_t>(params.p);
    // OpenSSL refuses to allocate more than maxmem; allow exactly what these parameters need.
    std::uint64_t maxmem = params.memory_bytes() + 4096;
    // OpenSSL reads the octet strings; an empty password still needs a valid pointer.
    static const char empty = 0;
    const OSSL_PARAM ossl_params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                          const_cast<char*>(password.empty() ? &empty : password.data()),
                                          password.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(ctx.get(), key, key_size, ossl_params) != 1) throw PasswordError("scrypt key derivation failed");
}

struct ParsedHash {
    ScryptParams params;
    std::string salt;
    std::string key;
};

// "ln=17,r=8,p=1" -> the three numbers; strict order, plain decimal.
bool parse_number(std::string_view& text, std::string_view name, int& out) {
    if (text.substr(0, name.size()) != name) return false;
    text.remove_prefix(name.size());
    const auto* begin = text.data();
    const auto* end = begin + std::min<std::size_t>(text.size(), 4);
    const auto [ptr, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc() || ptr == begin || (*begin == '0' && ptr - begin > 1)) return false;
    text.remove_prefix(static_cast<std::size_t>(ptr - begin));
    return true;
}

std::optional<ParsedHash> parse(std::string_view encoded) {
    // scrypt $ params $ salt $ key
    std::string_view parts[4];
    for (int i = 0; i < 3; ++i) {
        const auto dollar = encoded.find('$');
        if (dollar == std::string_view::npos) return std::nullopt;
        parts[i] = encoded.substr(0, dollar);
        encoded.remove_prefix(dollar + 1);
    }
    parts[3] = encoded;
    if (parts[0] != scheme || parts[3].find('$') != std::string_view::npos) return std::nullopt;

    ParsedHash parsed;
    auto text = parts[1];
    if (!parse_number(text, "ln=", parsed.params.log2_n) || !parse_number(text, ",r=", parsed.params.r) ||
        !parse_number(text, ",p=", parsed.params.p) || !text.empty())
        return std::nullopt;
    if (!params_within_limits(parsed.params)) return std::nullopt;

    auto salt = base64_decode(parts[2], Base64Alphabet::standard);
    auto key = base64_decode(parts[3], Base64Alphabet::standard);
    if (!salt || !key) return std::nullopt;
    if (salt->size() < min_salt_bytes || salt->size() > max_salt_bytes) return std::nullopt;
    if (key->size() < min_key_bytes || key->size() > max_key_bytes) return std::nullopt;
    parsed.params.salt_bytes = salt->size();
    parsed.params.key_bytes = key->size();
    parsed.salt = std::move(*salt);
    parsed.key = std::move(*key);
    return parsed;
}

std::string format(const ScryptParams& params, std::string_view salt, std::string_view key) {
    return std::string(scheme) + "$ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
           ",p=" + std::to_string(params.p) + "$" + base64_encode(salt, Base64Alphabet::standard) + "$" +
           base64_encode(key, Base64Alphabet::standard);
}

}  // namespace

std::uint64_t ScryptParams::memory_bytes() const {
    const std::uint64_t row = 128 * static_cast<std::uint64_t>(r);
    return row * (n() + 2) + row * static_cast<std::uint64_t>(p);
}

std::string hash_password(std::string_view password, const ScryptParams& params) {
    if (params.salt_bytes < min_salt_bytes || params.salt_bytes > max_salt_bytes || params.key_bytes < min_key_bytes ||
        params.key_bytes > max_key_bytes)
        throw PasswordError("scrypt salt or key length out of range");
    std::string salt(params.salt_bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
        throw PasswordError("the random number generator failed");
    std::string key(params.key_bytes, '\0');
    derive(password, salt, params, reinterpret_cast<unsigned char*>(key.data()), key.size());
    auto encoded = format(params, salt, key);
    OPENSSL_cleanse(key.data(), key.size());
    return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) {
    const auto parsed = parse(encoded);
    if (!parsed) return false;
    std::vector<unsigned char> key(parsed->key.size());
    derive(password, parsed->salt, parsed->params, key.data(), key.size());
    const bool same = CRYPTO_memcmp(key.data(), parsed->key.data(), key.size()) == 0;
    OPENSSL_cleanse(key.data(), key.size());
    return same;
}

bool dummy_verify(std::string_view password, const ScryptParams& params) {
    // A fixed salt is fine: the result is thrown away; only the cost matters.
    const std::string salt(params.salt_bytes, 's');
    std::vector<unsigned char> key(params.key_bytes);
    derive(password, salt, params, key.data(), key.size());
    const std::vector<unsigned char> other(key.size(), 0);
    // Compare as a real verification would, so the two paths do the same work.
    (void)CRYPTO_memcmp(key.data(), other.data(), key.size());
    return false;
}

bool needs_rehash(std::string_view encoded, const ScryptParams& wanted) {
    const auto parsed = parse(encoded);
    if (!parsed) return true;
    const auto& have = parsed->params;
    return have.log2_n < wanted.log2_n || have.r < wanted.r || have.p < wanted.p ||
           have.salt_bytes < wanted.salt_bytes || have.key_bytes < wanted.key_bytes;
}

std::optional<ScryptParams> parse_hash_params(std::string_view encoded) {
    const auto parsed = parse(encoded);
    if (!parsed) return std::nullopt;
    return parsed->params;
}

std::optional<std::string> password_problem(std::string_view password) {
    if (password.size() > max_password_bytes)
        return "The password is too long (at most " + std::to_string(max_password_bytes) + " bytes).";
    std::size_t chars = 0;
    for (const char c : password) {
        if (c == '\0' || c == '\n' || c == '\r') return std::string("The password may not contain NUL or line breaks.");
        // Count code points: every byte that is not a UTF-8 continuation byte starts one.
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    }
    if (chars < min_password_chars)
        return "The password is too short: at least " + std::to_string(min_password_chars) + " characters.";
    return std::nullopt;
}

}  // namespace congress::auth
