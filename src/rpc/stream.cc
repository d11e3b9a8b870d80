#include "rpc/stream.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace quiver::rpc {

namespace {

// Waits for `events` on `fd`; Timeout after `timeout_ms`.
Status Wait(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) return Status::OK();
    if (n == 0) return Status::Timeout("connection idle");
    if (errno != EINTR) return Status::IOError("poll", std::strerror(errno));
  }
}

class PlainStream final : public Stream {
 public:
  explicit PlainStream(int fd) : fd_(fd) { ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK); }
  ~PlainStream() override { ::close(fd_); }

  Result<size_t> Read(char* buffer, size_t size, int timeout_ms) override { return Recv(buffer, size, 0, timeout_ms); }
  Result<size_t> Peek(char* buffer, size_t size, int timeout_ms) override {
    return Recv(buffer, size, MSG_PEEK, timeout_ms);
  }
  Status Write(std::string_view data, int timeout_ms) override {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        QUIVER_RETURN_IF_ERROR(Wait(fd_, POLLOUT, timeout_ms));
      } else if (errno != EINTR) {
        return Status::IOError("send", std::strerror(errno));
      }
    }
    return Status::OK();
  }
  int fd() const override { return fd_; }

 private:
  Result<size_t> Recv(char* buffer, size_t size, int flags, int timeout_ms) {
    for (;;) {
      ssize_t n = ::recv(fd_, buffer, size, flags);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        QUIVER_RETURN_IF_ERROR(Wait(fd_, POLLIN, timeout_ms));
      } else if (errno != EINTR) {
        return Status::IOError("recv", std::strerror(errno));
      }
    }
  }
  int fd_;
};

class TlsStream final : public Stream {
 public:
  TlsStream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~TlsStream() override {
    SSL_shutdown(ssl_);  // best effort close_notify; never waits for the peer's
    SSL_free(ssl_);
    ::close(fd_);
  }
  Result<size_t> Read(char* buffer, size_t size, int timeout_ms) override {
    return Io([&] { return SSL_read(ssl_, buffer, static_cast<int>(size)); }, timeout_ms);
  }
  Result<size_t> Peek(char* buffer, size_t size, int timeout_ms) override {
    return Io([&] { return SSL_peek(ssl_, buffer, static_cast<int>(size)); }, timeout_ms);
  }
  Status Write(std::string_view data, int timeout_ms) override {
    while (!data.empty()) {
      QUIVER_ASSIGN_OR_RETURN(size_t n, Io([&] { return SSL_write(ssl_, data.data(), static_cast<int>(data.size())); },
                                          timeout_ms));
      if (n == 0) return Status::IOError("TLS connection closed while writing");
      data.remove_prefix(n);
    }
    return Status::OK();
  }
  int fd() const override { return fd_; }
  SSL* ssl() const { return ssl_; }

  // One SSL call, waiting for the socket while it wants to read or write.
  // `deadline` (optional) bounds the whole call, not just each wait; `fn` returning -2 means the
  // deadline passed.
  template <typename Fn>
  Result<size_t> Io(const Fn& fn, int timeout_ms, const std::chrono::steady_clock::time_point* deadline = nullptr) {
    for (;;) {
      ERR_clear_error();
      int n = fn();
      if (n == -2 && deadline != nullptr) return Status::Timeout("TLS handshake took too long");
      if (n > 0) return static_cast<size_t>(n);
      if (deadline != nullptr) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
        timeout_ms = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(timeout_ms, left.count())));
      }
      int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_WANT_READ) {
        QUIVER_RETURN_IF_ERROR(Wait(fd_, POLLIN, timeout_ms));
      } else if (error == SSL_ERROR_WANT_WRITE) {
        QUIVER_RETURN_IF_ERROR(Wait(fd_, POLLOUT, timeout_ms));
      } else if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
        return size_t{0};  // closed (cleanly, or without close_notify)
      } else {
        return Status::IOError("TLS", OpenSslErrors());
      }
    }
  }

 private:
  int fd_;
  SSL* ssl_;
};

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned int in_len,
               void*) {
  // http/1.1 when the client offers it (curl and fetch offer h2 and http/1.1; REST is served over
  // HTTP/1.1), else h2 (gRPC clients offer only h2); without overlap, continue without ALPN.
  static const unsigned char kProtocols[] = "\x08http/1.1\x02h2";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kProtocols, sizeof(kProtocols) - 1, in, in_len) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof(text));
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown TLS error" : out;
}

std::unique_ptr<Stream> NewPlainStream(int fd) { return std::make_unique<PlainStream>(fd); }

SSL* TlsSession(Stream* stream) {
  auto* tls = dynamic_cast<TlsStream*>(stream);
  return tls == nullptr ? nullptr : tls->ssl();
}

Result<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsOptions& options) {
  if (options.mode != 1 && options.mode != 2) {
    return Status::InvalidArgument("common.security.tlsMode must be 0, 1 or 2, not " + std::to_string(options.mode));
  }
  if (options.server_pem_path.empty() || options.server_key_path.empty()) {
    return Status::InvalidArgument("TLS needs tls.serverPemPath and tls.serverKeyPath");
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Status::Internal("SSL_CTX_new", OpenSslErrors());
  std::unique_ptr<TlsContext> context(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx, options.server_pem_path.c_str()) != 1) {
    return Status::InvalidArgument("cannot load tls.serverPemPath " + options.server_pem_path, OpenSslErrors());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.server_key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::InvalidArgument("cannot load tls.serverKeyPath " + options.server_key_path, OpenSslErrors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Status::InvalidArgument("tls.serverKeyPath does not match tls.serverPemPath", OpenSslErrors());
  }
  if (options.mode == 2) {
    if (options.ca_pem_path.empty()) return Status::InvalidArgument("tlsMode 2 (mutual TLS) needs tls.caPemPath");
    if (SSL_CTX_load_verify_locations(ctx, options.ca_pem_path.c_str(), nullptr) != 1) {
      return Status::InvalidArgument("cannot load tls.caPemPath " + options.ca_pem_path, OpenSslErrors());
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  // Clients resume sessions; with client certificates required that needs a session id context.
  static const unsigned char kContext[] = "quiver";
  SSL_CTX_set_session_id_context(ctx, kContext, sizeof(kContext) - 1);
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

Result<std::unique_ptr<Stream>> TlsContext::Accept(int fd, int timeout_ms) const {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    ::close(fd);
    return Status::Internal("SSL_new", OpenSslErrors());
  }
  SSL_set_fd(ssl, fd);
  auto stream = std::make_unique<TlsStream>(fd, ssl);
  // One budget for the whole handshake: a client dribbling bytes does not extend it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Result<size_t> done = stream->Io(
      [&]() -> int {
        if (std::chrono::steady_clock::now() >= deadline) return -2;  // see below
        return SSL_accept(ssl);
      },
      timeout_ms, &deadline);
  if (!done.ok()) return Status::IOError("TLS handshake failed", done.status().message());
  if (*done == 0) return Status::IOError("TLS handshake failed: connection closed");
  return std::unique_ptr<Stream>(std::move(stream));
}

}  // namespace quiver::rpc
