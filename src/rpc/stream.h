#pragma once

// A connected byte stream of the front door: a plain TCP socket or a TLS session over one
// (OpenSSL), with timeouts on every blocking step. Not thread-safe: one connection thread owns it.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace quiver::rpc {

class Stream {
 public:
  virtual ~Stream() = default;
  // Reads up to `size` bytes: the count, 0 at end of stream, Timeout after `timeout_ms`.
  virtual Result<size_t> Read(char* buffer, size_t size, int timeout_ms) = 0;
  // Copies up to `size` bytes without consuming them (0 at end of stream).
  virtual Result<size_t> Peek(char* buffer, size_t size, int timeout_ms) = 0;
  virtual Status Write(std::string_view data, int timeout_ms) = 0;
  virtual int fd() const = 0;
};

// Owns `fd` (closed on destruction).
std::unique_ptr<Stream> NewPlainStream(int fd);

// Milvus's common.security.tlsMode: 0 = off, 1 = one-way (server certificate), 2 = mutual (the
// client must present a certificate signed by the CA).
struct TlsOptions {
  int mode = 0;
  std::string server_pem_path;  // tls.serverPemPath: certificate chain (PEM)
  std::string server_key_path;  // tls.serverKeyPath: private key (PEM)
  std::string ca_pem_path;      // tls.caPemPath: CA that signs client certificates (mode 2)
};

// The server side of TLS: certificates and key loaded once, shared by every connection.
// Offers ALPN http/1.1 (REST) and h2 (gRPC). Thread-safe.
class TlsContext {
 public:
  static Result<std::unique_ptr<TlsContext>> Create(const TlsOptions& options);
  ~TlsContext();
  // Runs the server handshake on `fd` (owned by the returned stream; closed on failure).
  Result<std::unique_ptr<Stream>> Accept(int fd, int timeout_ms) const;

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// The TLS session of a TLS stream (for relaying gRPC's bytes), or nullptr for a plain stream.
SSL* TlsSession(Stream* stream);

// The last OpenSSL errors as text (and clears the queue).
std::string OpenSslErrors();

}  // namespace quiver::rpc
