#include "storage/object_store/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/secrets.h"

namespace quiver::storage {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading and trailing blanks dropped, inner runs of blanks collapsed to one space.
std::string TrimHeaderValue(std::string_view value) {
  std::string out;
  bool blank = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SortedHeaders(const SigV4Request& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) headers.emplace_back(Lower(name), TrimHeaderValue(value));
  std::sort(headers.begin(), headers.end());
  return headers;
}

std::string Scope(std::string_view amz_date, std::string_view region, std::string_view service) {
  std::string scope(amz_date.substr(0, 8));
  scope.append("/").append(region).append("/").append(service).append("/aws4_request");
  return scope;
}

}  // namespace

std::string UriEncode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(UriEncode(name, true), UriEncode(value, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string SignedHeaders(const SigV4Request& request) {
  std::string out;
  for (const auto& header : SortedHeaders(request)) {
    if (!out.empty()) out.push_back(';');
    out.append(header.first);
  }
  return out;
}

std::string CanonicalRequest(const SigV4Request& request) {
  std::string out = request.method;
  out.append("\n").append(request.canonical_uri.empty() ? "/" : request.canonical_uri);
  out.append("\n").append(CanonicalQuery(request.query)).append("\n");
  for (const auto& [name, value] : SortedHeaders(request)) out.append(name).append(":").append(value).append("\n");
  out.append("\n").append(SignedHeaders(request));
  out.append("\n").append(request.payload_sha256_hex);
  return out;
}

std::string SignatureV4(const SigV4Credentials& credentials, std::string_view region, std::string_view service,
                        std::string_view amz_date, const SigV4Request& request) {
  std::string to_sign = "AWS4-HMAC-SHA256\n";
  to_sign.append(amz_date).append("\n");
  to_sign.append(Scope(amz_date, region, service)).append("\n");
  to_sign.append(HexEncode(Sha256(CanonicalRequest(request))));
  std::string key = HmacSha256("AWS4" + credentials.secret_key, amz_date.substr(0, 8));
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  return HexEncode(HmacSha256(key, to_sign));
}

std::string AuthorizationV4(const SigV4Credentials& credentials, std::string_view region, std::string_view service,
                            std::string_view amz_date, const SigV4Request& request) {
  std::string out = "AWS4-HMAC-SHA256 Credential=";
  out.append(credentials.access_key).append("/").append(Scope(amz_date, region, service));
  out.append(", SignedHeaders=").append(SignedHeaders(request));
  out.append(", Signature=").append(SignatureV4(credentials, region, service, amz_date, request));
  return out;
}

std::string AmzDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace quiver::storage
