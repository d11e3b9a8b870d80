#include "proxy/search_iterator.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

namespace quiver::proxy {

namespace {

constexpr std::string_view kTokenPrefix = "qi1.";
constexpr size_t kIdDigits = 16;
constexpr int64_t kMaxBatchSize = 16384;

bool IsHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
  });
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char ch : bytes) {
    out += kDigits[ch >> 4];
    out += kDigits[ch & 15];
  }
  return out;
}

std::optional<std::string> Unhex(std::string_view text) {
  if (text.size() % 2 != 0 || !IsHex(text)) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
    out += static_cast<char>(value);
  }
  return out;
}

}  // namespace

Result<int64_t> ParseInteger(const std::string& name, const std::string& text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument(name + " [" + text.substr(0, 64) + "] is invalid, it should be an integer");
  }
  return value;
}

Result<bool> ParseFlag(const std::string& name, const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (lower == "true" || lower == "1") return true;
  if (lower.empty() || lower == "false" || lower == "0") return false;
  return Status::InvalidArgument(name + " [" + text.substr(0, 64) + "] is invalid, it should be true or false");
}

bool FlagSet(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return lower == "true" || lower == "1";
}

std::string NewSearchIteratorId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t value = rng();
  std::string bytes(reinterpret_cast<const char*>(&value), sizeof(value));
  return Hex(bytes);
}

std::string EncodeSearchIteratorToken(std::string_view id, float last_bound,
                                      const std::optional<segment::PrimaryKey>& last_pk) {
  char bits[9];
  std::snprintf(bits, sizeof(bits), "%08x", std::bit_cast<uint32_t>(last_bound));
  std::string out(kTokenPrefix);
  out.append(id).append(".").append(bits).append(".");
  if (!last_pk) {
    out += "-";
  } else if (const int64_t* i = std::get_if<int64_t>(&*last_pk)) {
    out += "i" + std::to_string(*i);
  } else {
    out += "s" + Hex(std::get<std::string>(*last_pk));
  }
  return out;
}

SearchIteratorToken DecodeSearchIteratorToken(std::string_view token) {
  SearchIteratorToken out;
  if (!token.starts_with(kTokenPrefix)) return out;
  std::string_view rest = token.substr(kTokenPrefix.size());
  size_t dot1 = rest.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : rest.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return out;
  std::string_view id = rest.substr(0, dot1);
  std::string_view bits = rest.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view key = rest.substr(dot2 + 1);
  if (id.size() != kIdDigits || !IsHex(id) || bits.size() != 8 || !IsHex(bits) || key.empty()) return out;
  std::optional<segment::PrimaryKey> pk;
  if (key[0] == 'i') {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(key.data() + 1, key.data() + key.size(), value);
    if (ec != std::errc() || ptr != key.data() + key.size() || key.size() == 1) return out;
    pk = value;
  } else if (key[0] == 's') {
    std::optional<std::string> bytes = Unhex(key.substr(1));
    if (!bytes) return out;
    pk = std::move(*bytes);
  } else if (key != "-") {
    return out;
  }
  uint32_t value = 0;
  std::from_chars(bits.data(), bits.data() + bits.size(), value, 16);
  out.id = std::string(id);
  out.bound_bits = value;
  out.last_pk = std::move(pk);
  return out;
}

Result<SearchIteratorParams> ParseSearchIterator(const std::map<std::string, std::string>& params,
                                                 schema::DataType pk_type) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it == params.end() || it->second.empty() ? nullptr : &it->second;
  };
  SearchIteratorParams out;
  bool iterator = false, v2 = false;
  if (const std::string* v = get("iterator")) {
    QUIVER_ASSIGN_OR_RETURN(iterator, ParseFlag("iterator", *v));
  }
  if (const std::string* v = get("search_iter_v2")) {
    QUIVER_ASSIGN_OR_RETURN(v2, ParseFlag("search_iter_v2", *v));
  }
  // A v1 iterator (older clients range-search page by page themselves) is a plain search.
  out.enabled = iterator && v2;
  if (!out.enabled) return out;
  if (const std::string* v = get("search_iter_batch_size")) {
    QUIVER_ASSIGN_OR_RETURN(int64_t batch, ParseInteger("search_iter_batch_size", *v));
    if (batch <= 0 || batch > kMaxBatchSize) {
      return Status::InvalidArgument("search_iter_batch_size [" + *v + "] is invalid, it should be in range [1, 16384]");
    }
    out.batch_size = static_cast<size_t>(batch);
  }
  if (const std::string* v = get("guarantee_timestamp")) {
    // The first page sends 0 (and the Node SDK -1 after an empty page): not pinned.
    if (!v->starts_with("-")) {
      uint64_t ts = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), ts);
      if (ec != std::errc() || ptr != v->data() + v->size()) {
        return Status::InvalidArgument("guarantee_timestamp [" + v->substr(0, 64) + "] is invalid, it should be an integer");
      }
      out.snapshot = ts;
    } else {
      QUIVER_RETURN_IF_ERROR(ParseInteger("guarantee_timestamp", *v).status());
    }
  }
  if (const std::string* v = get("collection_id")) {
    QUIVER_ASSIGN_OR_RETURN(out.collection_id, ParseInteger("collection_id", *v));
  }
  if (const std::string* v = get("search_iter_last_bound")) {
    double bound = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), bound);
    if (ec != std::errc() || ptr != v->data() + v->size() || !std::isfinite(bound) ||
        std::fabs(bound) > std::numeric_limits<float>::max()) {
      return Status::InvalidArgument("search_iter_last_bound [" + v->substr(0, 64) + "] is invalid, it should be a finite number");
    }
    out.last_bound = static_cast<float>(bound);
  }
  if (const std::string* v = get("search_iter_id")) {
    SearchIteratorToken token = DecodeSearchIteratorToken(*v);
    out.id = token.id;  // empty for a foreign token: the next page gets a new id
    if (token.last_pk) {
      const bool int_key = std::holds_alternative<int64_t>(*token.last_pk);
      if (int_key != (pk_type == schema::DataType::kInt64)) {
        return Status::InvalidArgument("search_iter_id does not belong to this collection (primary key type differs)");
      }
      if (!out.last_bound) out.last_bound = std::bit_cast<float>(*token.bound_bits);
      if (*out.last_bound == std::bit_cast<float>(*token.bound_bits)) out.last_pk = std::move(token.last_pk);
    }
  }
  return out;
}

}  // namespace quiver::proxy
