#include "storage/object_store/s3_object_store.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "common/log.h"
#include "common/mutex.h"
#include "common/secrets.h"
#include "storage/object_store/sigv4.h"

namespace quiver::storage {

namespace {

using Clock = std::chrono::steady_clock;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr int kMaxParts = 10000;

struct HttpResponse {
  long status = 0;
  bool error = false;  // an S3 error answer (a 3xx-5xx, or a 200 whose body is an <Error>)
  std::string body;
  Params headers;  // names lower-cased

  std::string Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return {};
  }
};

// --- A little XML: S3's answers are flat enough to read by tag. ---------------------------------

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    size_t end = text.find(';', i);
    if (end == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    std::string_view entity = text.substr(i + 1, end - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      unsigned long code = entity[1] == 'x' ? std::strtoul(std::string(entity.substr(2)).c_str(), nullptr, 16)
                                            : std::strtoul(std::string(entity.substr(1)).c_str(), nullptr, 10);
      if (code < 0x80) {
        out.push_back(static_cast<char>(code));
      } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      }
    } else {
      out.append(text.substr(i, end - i + 1));
    }
    i = end;
  }
  return out;
}

// The raw text between <tag> and </tag>, searching from *pos (advanced past the element).
std::optional<std::string_view> XmlElement(std::string_view xml, std::string_view tag, size_t* pos) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t start = xml.find(open, *pos);
  if (start == std::string_view::npos) return std::nullopt;
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return std::nullopt;
  *pos = end + close.size();
  return xml.substr(start, end - start);
}

std::optional<std::string> XmlText(std::string_view xml, std::string_view tag) {
  size_t pos = 0;
  auto element = XmlElement(xml, tag, &pos);
  if (!element) return std::nullopt;
  return XmlUnescape(*element);
}

// A decimal number from a server's answer; nullopt if it is not one (never throws).
std::optional<uint64_t> ParseU64(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// --- Endpoint -----------------------------------------------------------------------------------

struct Endpoint {
  std::string scheme;  // http or https
  std::string host;    // host[:port] as written
};

Result<Endpoint> ParseEndpoint(const std::string& url) {
  Endpoint out;
  size_t sep = url.find("://");
  if (sep == std::string::npos) return Status::InvalidArgument("S3 endpoint needs a scheme (http:// or https://)", url);
  out.scheme = url.substr(0, sep);
  if (out.scheme != "http" && out.scheme != "https") {
    return Status::InvalidArgument("S3 endpoint scheme must be http or https", url);
  }
  out.host = url.substr(sep + 3);
  while (!out.host.empty() && out.host.back() == '/') out.host.pop_back();
  if (out.host.empty() || out.host.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 endpoint must be scheme://host[:port] without a path", url);
  }
  return out;
}

Status ValidateBucketName(const std::string& bucket) {
  bool ok = bucket.size() >= 3 && bucket.size() <= 63 && std::isalnum(static_cast<unsigned char>(bucket.front())) &&
            std::isalnum(static_cast<unsigned char>(bucket.back()));
  for (char c : bucket) {
    ok = ok && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                c == '-' || c == '.');
  }
  if (!ok) return Status::InvalidArgument("S3 bucket names have 3-63 lower-case letters, digits, '-' or '.'", bucket);
  return Status::OK();
}

// --- libcurl ------------------------------------------------------------------------------------

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UploadCursor {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* cursor = static_cast<UploadCursor*>(user);
  size_t n = std::min(size * count, cursor->data.size() - cursor->offset);
  std::memcpy(buffer, cursor->data.data() + cursor->offset, n);
  cursor->offset += n;
  return n;
}

int SeekBody(void* user, curl_off_t offset, int origin) {
  auto* cursor = static_cast<UploadCursor*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > cursor->data.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  cursor->offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    static_cast<HttpResponse*>(user)->headers.emplace_back(std::move(name), std::string(value));
  } else if (line.rfind("HTTP/", 0) == 0) {
    static_cast<HttpResponse*>(user)->headers.clear();  // a new response (after 100 Continue)
  }
  return size * count;
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
  void Add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// One S3 call, before signing.
struct S3Call {
  std::string method;
  std::string key;  // full object key in the bucket; empty for the bucket itself
  Params query;
  Params headers;  // extra headers, signed
  std::string_view body;
};

bool RetryableCode(const std::string& code) {
  return code == "InternalError" || code == "ServiceUnavailable" || code == "SlowDown" || code == "RequestTimeout" ||
         code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestThrottled" || code == "PriorRequestNotComplete";
}

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(S3ObjectStoreOptions options, Endpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {
    if (!options_.root_path.empty()) root_ = options_.root_path + "/";
    credentials_ = {options_.access_key, options_.secret_key, options_.session_token};
    for (const auto& entry : options_.resolve) resolve_.Add(entry);
  }

  ~S3ObjectStore() override {
    for (CURL* handle : handles_) curl_easy_cleanup(handle);
  }

  Status Open() {
    QUIVER_ASSIGN_OR_RETURN(HttpResponse head, Execute({"HEAD", "", {}, {}, {}}, "checking bucket"));
    if (head.status == 404 && options_.create_bucket) {
      std::string body;
      if (options_.region != "us-east-1") {
        body = "<CreateBucketConfiguration><LocationConstraint>" + options_.region +
               "</LocationConstraint></CreateBucketConfiguration>";
      }
      QUIVER_ASSIGN_OR_RETURN(HttpResponse created, Execute({"PUT", "", {}, {}, body}, "creating bucket"));
      if (created.status >= 300 && ErrorCode(created) != "BucketAlreadyOwnedByYou") {
        return ErrorStatus(created, "creating bucket", options_.bucket);
      }
      QUIVER_LOG(INFO) << "S3 bucket created" << Kv("bucket", options_.bucket);
    } else if (head.status == 404) {
      return Status::NotFound("S3 bucket does not exist (and s3 create_bucket is off)", options_.bucket);
    } else if (head.status == 403 || head.status == 401) {
      // HEAD answers carry no body: ask again with a GET to learn S3's reason.
      QUIVER_ASSIGN_OR_RETURN(HttpResponse listed,
                              Execute({"GET", "", {{"list-type", "2"}, {"max-keys", "1"}}, {}, {}}, "checking bucket"));
      std::string code = ErrorCode(listed);
      return Status::PermissionDenied("S3 denied access to the bucket (" + (code.empty() ? "HTTP " + std::to_string(head.status) : code) +
                                          "): check the access key and secret",
                                      options_.bucket);
    } else if (head.status >= 300) {
      return ErrorStatus(head, "checking bucket", options_.bucket);
    }
    QUIVER_LOG(INFO) << "objects on S3" << Kv("endpoint", options_.endpoint) << Kv("bucket", options_.bucket)
                     << Kv("root", options_.root_path) << Kv("style", options_.virtual_host ? "virtual-host" : "path");
    return Status::OK();
  }

  Status Put(const std::string& key, std::string_view data) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    if (data.size() > options_.multipart_threshold) return PutMultipart(key, data);
    QUIVER_ASSIGN_OR_RETURN(HttpResponse resp, Execute({"PUT", root_ + key, {}, {}, data}, "putting object"));
    if (resp.status >= 300) return ErrorStatus(resp, "putting object", key);
    return Status::OK();
  }

  Result<std::string> Get(const std::string& key) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    QUIVER_ASSIGN_OR_RETURN(HttpResponse resp, Execute({"GET", root_ + key, {}, {}, {}}, "getting object"));
    if (resp.status >= 300) return ErrorStatus(resp, "getting object", key);
    return std::move(resp.body);
  }

  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    if (length == 0) {
      QUIVER_ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
      if (offset > info.size) return Status::InvalidArgument("range starts past the end of", key);
      return std::string();
    }
    uint64_t last = length - 1 > UINT64_MAX - offset ? UINT64_MAX : offset + length - 1;
    std::string range = "bytes=" + std::to_string(offset) + "-" + std::to_string(last);
    QUIVER_ASSIGN_OR_RETURN(HttpResponse resp,
                            Execute({"GET", root_ + key, {}, {{"Range", range}}, {}}, "getting object range"));
    if (resp.status == 206) return std::move(resp.body);
    if (resp.status == 200) {  // the server ignored the range
      if (offset > resp.body.size()) return Status::InvalidArgument("range starts past the end of", key);
      return resp.body.substr(offset, length);
    }
    if (resp.status == 416) {  // offset at or past the end: at the end is an empty read
      QUIVER_ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
      if (offset == info.size) return std::string();
      return Status::InvalidArgument("range starts past the end of", key);
    }
    return ErrorStatus(resp, "getting object range", key);
  }

  Result<ObjectInfo> Head(const std::string& key) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    QUIVER_ASSIGN_OR_RETURN(HttpResponse resp, Execute({"HEAD", root_ + key, {}, {}, {}}, "reading object size"));
    if (resp.status == 404) return Status::NotFound("no such object", key);
    if (resp.status >= 300) return ErrorStatus(resp, "reading object size", key);
    std::optional<uint64_t> length = ParseU64(resp.Header("content-length"));
    if (!length) return Status::IOError("S3 HEAD answered without a valid Content-Length", key);
    return ObjectInfo{key, *length};
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    std::string token;
    for (;;) {
      Params query = {{"list-type", "2"}, {"prefix", root_ + prefix}};
      if (!token.empty()) query.emplace_back("continuation-token", token);
      QUIVER_ASSIGN_OR_RETURN(HttpResponse resp, Execute({"GET", "", query, {}, {}}, "listing objects"));
      if (resp.status >= 300) return ErrorStatus(resp, "listing objects", prefix);
      std::string_view xml = resp.body;
      size_t pos = 0;
      while (auto contents = XmlElement(xml, "Contents", &pos)) {
        auto full_key = XmlText(*contents, "Key");
        std::optional<uint64_t> size = ParseU64(XmlText(*contents, "Size").value_or(""));
        if (!full_key || !size || full_key->compare(0, root_.size(), root_) != 0) {
          return Status::IOError("S3 list answer has an entry without a Key and a valid Size", prefix);
        }
        out.push_back({full_key->substr(root_.size()), *size});
      }
      if (XmlText(xml, "IsTruncated").value_or("false") != "true") break;
      token = XmlText(xml, "NextContinuationToken").value_or("");
      if (token.empty()) return Status::IOError("S3 list answer is truncated without a continuation token", prefix);
    }
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(const std::string& key) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    QUIVER_ASSIGN_OR_RETURN(HttpResponse resp, Execute({"DELETE", root_ + key, {}, {}, {}}, "deleting object"));
    if (resp.status >= 300 && resp.status != 404) return ErrorStatus(resp, "deleting object", key);
    return Status::OK();
  }

  Result<std::shared_ptr<MappedFile>> Map(const std::string& key) override {
    return Status::NotSupported("objects on S3 cannot be mapped; read them with Get", key);
  }

 private:
  Status PutMultipart(const std::string& key, std::string_view data) {
    std::string full = root_ + key;
    uint64_t part_size = std::max<uint64_t>(options_.part_size, (data.size() + kMaxParts - 1) / kMaxParts);
    QUIVER_ASSIGN_OR_RETURN(HttpResponse init,
                            Execute({"POST", full, {{"uploads", ""}}, {}, {}}, "starting multipart upload"));
    if (init.status >= 300) return ErrorStatus(init, "starting multipart upload", key);
    std::string upload_id = XmlText(init.body, "UploadId").value_or("");
    if (upload_id.empty()) return Status::IOError("S3 started a multipart upload without an UploadId", key);

    Status status = UploadParts(key, full, upload_id, data, part_size);
    if (!status.ok()) {
      // Best effort: a failed abort leaves parts that the bucket's lifecycle rules reclaim.
      Result<HttpResponse> aborted =
          Execute({"DELETE", full, {{"uploadId", upload_id}}, {}, {}}, "aborting multipart upload");
      if (!aborted.ok() || aborted->status >= 300) {
        QUIVER_LOG(WARN) << "could not abort S3 multipart upload" << Kv("key", key) << Kv("upload_id", upload_id);
      }
    }
    return status;
  }

  Status UploadParts(const std::string& key, const std::string& full, const std::string& upload_id,
                     std::string_view data, uint64_t part_size) {
    std::string complete = "<CompleteMultipartUpload>";
    int part = 0;
    for (uint64_t offset = 0; offset < data.size(); offset += part_size) {
      ++part;
      std::string_view chunk = data.substr(offset, part_size);
      QUIVER_ASSIGN_OR_RETURN(
          HttpResponse resp,
          Execute({"PUT", full, {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}}, {}, chunk},
                  "uploading part"));
      if (resp.status >= 300) return ErrorStatus(resp, "uploading part " + std::to_string(part) + " of", key);
      std::string etag = resp.Header("etag");
      if (etag.empty()) return Status::IOError("S3 accepted a part without an ETag", key);
      complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + etag + "</ETag></Part>";
    }
    complete += "</CompleteMultipartUpload>";
    QUIVER_ASSIGN_OR_RETURN(
        HttpResponse done,
        Execute({"POST", full, {{"uploadId", upload_id}}, {{"Content-Type", "application/xml"}}, complete},
                "completing multipart upload"));
    if (done.status == 404 && ErrorCode(done) == "NoSuchUpload") {
      // A retry of a completion whose answer was lost: the upload is gone because it completed,
      // if the object is a multipart object of this many parts and this size.
      QUIVER_ASSIGN_OR_RETURN(HttpResponse head, Execute({"HEAD", full, {}, {}, {}}, "checking a completed upload"));
      std::string etag = head.Header("etag");
      std::string suffix = "-" + std::to_string(part);
      bool ours = head.status == 200 && ParseU64(head.Header("content-length")) == data.size() &&
                  etag.size() > suffix.size() + 1 &&
                  etag.compare(etag.size() - suffix.size() - 1, suffix.size(), suffix) == 0;
      if (ours) return Status::OK();
      return Status::IOError("S3 multipart upload vanished before it completed", key);
    }
    if (done.error) return ErrorStatus(done, "completing multipart upload", key);
    return Status::OK();
  }

  // S3's error code of an error answer; empty for a success (whose body is data, not XML to read).
  static std::string ErrorCode(const HttpResponse& resp) {
    return resp.error ? XmlText(resp.body, "Code").value_or("") : std::string();
  }

  Status ErrorStatus(const HttpResponse& resp, const std::string& what, const std::string& key) const {
    std::string code = ErrorCode(resp);
    std::string message = XmlText(resp.body, "Message").value_or("");
    std::string text = "S3 " + what + ": HTTP " + std::to_string(resp.status);
    if (!code.empty()) text += " " + code;
    if (!message.empty()) text += " (" + message + ")";
    if (code == "NoSuchKey" || (resp.status == 404 && code.empty())) return Status::NotFound("no such object", key);
    if (code == "NoSuchBucket") return Status::NotFound(text, options_.bucket);
    if (resp.status == 403 || resp.status == 401) return Status::PermissionDenied(text, key);
    if (code == "InvalidRange") return Status::InvalidArgument(text, key);
    if (code == "RequestTimeTooSkewed") return Status::FailedPrecondition(text + ": check this host's clock", key);
    if (resp.status >= 500 || RetryableCode(code)) return Status::Unavailable(text, key);
    return Status::IOError(text, key);
  }

  // Sends `call`, retrying transport errors and retryable answers until the retry deadline.
  // Returns the final answer, whatever its status; Unavailable if every attempt failed to get one
  // or got only retryable ones.
  Result<HttpResponse> Execute(const S3Call& call, const std::string& what) {
    Clock::time_point deadline = Clock::now() + options_.retry_deadline;
    std::chrono::milliseconds backoff{100};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::string payload_hash = HexEncode(Sha256(call.body));
    for (int attempt = 1;; ++attempt) {
      Result<HttpResponse> resp = SendOnce(call, payload_hash);
      std::string reason;
      if (!resp.ok()) {
        if (!resp.status().IsUnavailable()) return resp.status();
        reason = resp.status().ToString();
      } else if (resp->status >= 500 || resp->status == 429 || RetryableCode(ErrorCode(*resp))) {
        reason = "HTTP " + std::to_string(resp->status) + " " + ErrorCode(*resp);
      } else {
        if (attempt > 1) {
          QUIVER_LOG(INFO) << "S3 request succeeded after retries" << Kv("op", what) << Kv("attempts", attempt);
        }
        return resp;
      }
      auto sleep = std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, backoff.count())(rng));
      if (Clock::now() + sleep >= deadline) {
        return Status::Unavailable("S3 " + what + " failed after " + std::to_string(attempt) + " attempts: " + reason,
                                   call.key.empty() ? options_.bucket : call.key);
      }
      if (attempt == 1 || attempt % 10 == 0) {
        QUIVER_LOG(WARN) << "S3 request failed; retrying" << Kv("op", what) << Kv("attempt", attempt)
                         << Kv("reason", reason);
      }
      std::this_thread::sleep_for(sleep);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  }

  Result<HttpResponse> SendOnce(const S3Call& call, const std::string& payload_hash) {
    std::string host = endpoint_.host;
    std::string path;
    if (options_.virtual_host) {
      host = options_.bucket + "." + host;
      path = "/" + UriEncode(call.key, false);
    } else {
      path = "/" + options_.bucket;
      if (!call.key.empty()) path += "/" + UriEncode(call.key, false);
    }
    SigV4Request sign;
    sign.method = call.method;
    sign.canonical_uri = path;
    sign.query = call.query;
    sign.payload_sha256_hex = payload_hash;
    std::string amz_date = AmzDate(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    sign.headers = {{"host", host}, {"x-amz-date", amz_date}, {"x-amz-content-sha256", sign.payload_sha256_hex}};
    if (!credentials_.session_token.empty()) sign.headers.emplace_back("x-amz-security-token", credentials_.session_token);
    for (const auto& header : call.headers) sign.headers.push_back(header);
    std::string authorization = AuthorizationV4(credentials_, options_.region, "s3", amz_date, sign);

    CurlSlist headers;
    for (const auto& [name, value] : sign.headers) headers.Add(name + ": " + value);
    headers.Add("Authorization: " + authorization);
    headers.Add("Expect:");  // no 100-continue round trip
    if (call.method == "PUT" || call.method == "POST") {
      if (std::none_of(call.headers.begin(), call.headers.end(), [](const auto& h) { return h.first == "Content-Type"; })) {
        headers.Add("Content-Type: application/octet-stream");
      }
    }
    std::string url = endpoint_.scheme + "://" + host + path;
    std::string query = CanonicalQuery(call.query);
    if (!query.empty()) url += "?" + query;

    CURL* handle = Acquire();
    HttpResponse resp;
    UploadCursor cursor{call.body, 0};
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    // An attempt fails once the transfer stalls (under 1 byte/s) for the request timeout: a cap on
    // the whole transfer would fail every attempt of a large object on a slow link.
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::max<int64_t>(1, (options_.request_timeout.count() + 999) / 1000)));
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &WriteHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &resp);
    if (resolve_.list != nullptr) curl_easy_setopt(handle, CURLOPT_RESOLVE, resolve_.list);
    if (endpoint_.scheme == "https") {
      if (!options_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    }
    if (call.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (call.method == "PUT" || call.method == "POST") {
      curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(handle, CURLOPT_READFUNCTION, &ReadBody);
      curl_easy_setopt(handle, CURLOPT_READDATA, &cursor);
      curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, &SeekBody);
      curl_easy_setopt(handle, CURLOPT_SEEKDATA, &cursor);
      curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
      if (call.method == "POST") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "POST");
    } else if (call.method != "GET") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    CURLcode code = curl_easy_perform(handle);
    if (code == CURLE_OK) {
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &resp.status);
      // CompleteMultipartUpload may answer 200 with an <Error> body; object data is never read so.
      size_t start = resp.body.find('<');
      resp.error = resp.status >= 300 ||
                   (call.method == "POST" && start != std::string::npos && resp.body.find("<Error>", start) < start + 64);
    }
    Release(handle);
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM) {
      return Status::FailedPrecondition(std::string("TLS with S3 at ") + options_.endpoint + " failed: " +
                                            curl_easy_strerror(code) + " (check s3 CA certificate)",
                                        call.method + " " + path);
    }
    if (code != CURLE_OK) {
      return Status::Unavailable(std::string("cannot reach S3 at ") + options_.endpoint + ": " + curl_easy_strerror(code),
                                 call.method + " " + path);
    }
    return resp;
  }

  CURL* Acquire() {
    {
      MutexLock lock(&mu_);
      if (!handles_.empty()) {
        CURL* handle = handles_.back();
        handles_.pop_back();
        curl_easy_reset(handle);  // keeps the connection and TLS session caches
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* handle) {
    MutexLock lock(&mu_);
    handles_.push_back(handle);
  }

  const S3ObjectStoreOptions options_;
  const Endpoint endpoint_;
  std::string root_;
  SigV4Credentials credentials_;
  CurlSlist resolve_;
  Mutex mu_;
  std::vector<CURL*> handles_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenS3ObjectStore(S3ObjectStoreOptions options) {
  QUIVER_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(options.endpoint));
  QUIVER_RETURN_IF_ERROR(ValidateBucketName(options.bucket));
  if (options.access_key.empty() || options.secret_key.empty()) {
    return Status::InvalidArgument("S3 needs an access key and a secret key");
  }
  if (options.region.empty()) return Status::InvalidArgument("S3 region must not be empty");
  while (!options.root_path.empty() && options.root_path.back() == '/') options.root_path.pop_back();
  if (!options.root_path.empty()) {
    Status root = ValidateObjectKey(options.root_path);
    if (!root.ok()) return Status::InvalidArgument("S3 root path is not a valid key prefix", options.root_path);
  }
  if (options.part_size < kMinPartSize) {
    return Status::InvalidArgument("S3 multipart part size must be at least 5 MiB (S3's minimum)");
  }
  if (options.multipart_threshold < options.part_size) {
    return Status::InvalidArgument("S3 multipart threshold must be at least the part size");
  }
  if (options.retry_deadline.count() <= 0 || options.request_timeout.count() <= 0) {
    return Status::InvalidArgument("S3 timeouts must be positive");
  }
  GlobalInit();
  auto store = std::make_unique<S3ObjectStore>(std::move(options), std::move(endpoint));
  QUIVER_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace quiver::storage
