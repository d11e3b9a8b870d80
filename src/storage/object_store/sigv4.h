#pragma once

// AWS Signature Version 4 for S3 requests, as AWS documents it ("Signature Version 4 signing
// process", "Authenticating Requests: Using the Authorization Header"): a canonical request (method,
// URI-encoded path, sorted and encoded query, sorted lower-case headers with trimmed values, the
// signed header list, the payload hash), the string to sign with the credential scope
// `date/region/service/aws4_request`, and the HMAC-SHA256 chain of the secret key over date, region,
// service and "aws4_request". Tested against AWS's published vectors (sigv4_test.cc).
//
// libcurl's --aws-sigv4 signer is not used: it neither signs x-amz-content-sha256 nor encodes
// query parameters the way S3 expects.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quiver::storage {

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty unless temporary credentials; sent as x-amz-security-token
};

struct SigV4Request {
  std::string method;  // GET, PUT, ...
  // The path as sent, already URI-encoded (UriEncode(path, /*encode_slash=*/false)).
  std::string canonical_uri;
  // Query parameters, not encoded; a valueless one ("?uploads") has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // Every header to sign, including host and x-amz-date; names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256_hex;  // hex SHA-256 of the body (of "" for none)
};

// RFC 3986 percent-encoding as S3 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) stay,
// everything else becomes %XX in upper-case hex; '/' stays unless `encode_slash`.
std::string UriEncode(std::string_view text, bool encode_slash);

// The query string in canonical order: `name=value` pairs, both encoded, sorted by name then value,
// joined by '&'. Also the form in which the query is sent, so what is signed is what is sent.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

// The canonical request (the text whose SHA-256 goes into the string to sign).
std::string CanonicalRequest(const SigV4Request& request);

// "host;range;x-amz-date": the lower-case names of the signed headers, sorted.
std::string SignedHeaders(const SigV4Request& request);

// The hex signature. `amz_date` is the x-amz-date value (YYYYMMDD'T'HHMMSS'Z').
std::string SignatureV4(const SigV4Credentials& credentials, std::string_view region, std::string_view service,
                        std::string_view amz_date, const SigV4Request& request);

// The Authorization header's value: "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
std::string AuthorizationV4(const SigV4Credentials& credentials, std::string_view region, std::string_view service,
                            std::string_view amz_date, const SigV4Request& request);

// x-amz-date for a time in seconds since the epoch (UTC).
std::string AmzDate(int64_t unix_seconds);

}  // namespace quiver::storage
