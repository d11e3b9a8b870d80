#pragma once

// S3ObjectStore: the ObjectStore on any S3-compatible server (distributed mode, issue 10; Ceph
// radosgw in tests), over libcurl with our own SigV4 signer (sigv4.h).
//
// Every request is signed with its payload hash (x-amz-content-sha256) and re-signed on every
// attempt. Objects up to `multipart_threshold` go up in one PUT; larger ones as a multipart upload
// of `part_size` parts, which S3 makes visible only when it completes, so Put keeps the contract's
// atomicity (a failed upload is aborted). GetRange sends a Range header; List pages through
// ListObjectsV2. Keys live under `root_path` inside the bucket.
//
// Retries: connection errors, stalled transfers, 5xx, SlowDown and RequestTimeout are retried
// with full-jitter exponential backoff (100 ms doubling up to 2 s) until `retry_deadline`, so a
// server that is down for a few seconds delays requests instead of failing them. Other errors
// are returned at once: NotFound (NoSuchKey), PermissionDenied (AccessDenied,
// SignatureDoesNotMatch, InvalidAccessKeyId), InvalidArgument (InvalidRange), FailedPrecondition
// (RequestTimeTooSkewed: this host's clock), IOError otherwise;
// each message carries S3's code and message. Map answers NotSupported. Thread-safe; connections
// are kept and reused.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "storage/object_store/object_store.h"

namespace quiver::storage {

struct S3ObjectStoreOptions {
  std::string endpoint;  // http://host:port or https://host:port
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // temporary credentials only
  std::string root_path;      // key prefix inside the bucket, e.g. "quiver" (no leading/trailing '/')
  bool virtual_host = false;  // https://bucket.host/key instead of https://host/bucket/key
  bool create_bucket = true;  // create the bucket at open if it does not exist
  std::string ca_file;        // PEM bundle to verify the server's certificate (https); system CAs if empty
  bool verify_tls = true;
  // libcurl resolve overrides ("bucket.s3.test:8080:127.0.0.1"): virtual-host names without DNS.
  std::vector<std::string> resolve;
  uint64_t multipart_threshold = 64ull << 20;
  uint64_t part_size = 16ull << 20;  // S3's minimum is 5 MiB (but for the last part)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};  // an attempt fails once its transfer stalls this long
  std::chrono::milliseconds retry_deadline{60000};   // all attempts of one operation
};

// Checks the options, then the bucket (HEAD; created if absent and `create_bucket`). Errors:
// InvalidArgument for bad options, PermissionDenied for rejected credentials, NotFound for a missing
// bucket, Unavailable when the server cannot be reached within `retry_deadline`.
Result<std::unique_ptr<ObjectStore>> OpenS3ObjectStore(S3ObjectStoreOptions options);

}  // namespace quiver::storage
