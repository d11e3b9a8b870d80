#pragma once

// Small cryptographic helpers over OpenSSL's libcrypto: random bytes, PBKDF2, HMAC, constant-time
// comparison, and the text encodings credentials travel in (hex, base64).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quiver {

// `size` bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t size);

// PBKDF2-HMAC-SHA256 of `password` with `salt`, `iterations` rounds, 32 bytes out.
std::string Pbkdf2Sha256(std::string_view password, std::string_view salt, uint32_t iterations);

// HMAC-SHA256 of `data` under `key` (32 bytes).
std::string HmacSha256(std::string_view key, std::string_view data);

// SHA-256 of `data` (32 bytes).
std::string Sha256(std::string_view data);

// Equal contents, in time that depends only on the sizes.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view text);

// Standard base64 (RFC 4648 §4) with padding. Decode accepts only canonical input (length a
// multiple of 4, padding only at the end); nullopt otherwise.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace quiver
