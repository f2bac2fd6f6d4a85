// Unguessable tokens from OpenSSL's CSPRNG.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace congress::util {

// 130 random bits as 26 lowercase base32 characters (RFC 4648 alphabet, no padding).
// Throws std::runtime_error if the RNG fails.
std::string random_code();

// A registration code: the shape of random_code(), but the first 6 characters spell
// `sequence` (modulo 2^30) with the same 32 characters taken in byte order ("2" for 0,
// "z" for 31), most significant first, and only the other 20 are random: 100 bits, above
// the 96 a delegate's key needs. Codes made with a
// growing sequence sort in the order they were made, so a unique index on them takes each
// new code at its right-hand end instead of on a random page: one page written per batch
// of registrations rather than one per registration (docs/write-path-performance.md).
// What the prefix tells the holder of a code is the registration's place in the order of
// all registrations, nothing that guessing another code could use.
std::string sequenced_code(std::uint64_t sequence);

// True if `text` has the shape of a random_code() (26 base32 characters).
bool looks_like_code(std::string_view text);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace congress::util
