#include "rpc/front_door.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/server_posix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace quiver::rpc {

namespace {

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string AddressOf(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

FrontDoor::FrontDoor(FrontDoorOptions options, grpc::Server* grpc, HttpHandler http, HttpHeadCheck check_head,
                     MetricsRegistry* metrics)
    : options_(std::move(options)), grpc_(grpc), http_(std::move(http)), check_head_(std::move(check_head)),
      metrics_(metrics) {}

FrontDoor::~FrontDoor() { Stop(); }

Status FrontDoor::Start() {
  if (options_.tls.mode != 0) {
    QUIVER_ASSIGN_OR_RETURN(tls_, TlsContext::Create(options_.tls));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* found = nullptr;
  std::string port_text = std::to_string(options_.port);
  if (int rc = ::getaddrinfo(options_.address.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return Status::InvalidArgument("bad listen address " + options_.address, ::gai_strerror(rc));
  }
  int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = fd < 0 ? -1 : ::bind(fd, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (rc != 0 || ::listen(fd, 1024) != 0) {
    std::string error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Status::IOError("cannot listen on " + options_.address + ":" + port_text, error);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listen_fd_ = fd;
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return Status::OK();
}

void FrontDoor::Stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::unique_lock<std::mutex> lock(mu_);
  for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  idle_.wait(lock, [this] { return threads_ == 0; });
}

void FrontDoor::Track(int fd, bool add) {
  std::lock_guard<std::mutex> lock(mu_);
  if (add) {
    open_fds_.insert(fd);
    if (stopping_.load()) ::shutdown(fd, SHUT_RDWR);
  } else {
    open_fds_.erase(fd);
  }
}

std::string FrontDoor::ClientAddress(const std::string& grpc_peer) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = grpc_peers_.find(grpc_peer);
  return it == grpc_peers_.end() ? grpc_peer : it->second;
}

void FrontDoor::AcceptLoop() {
  while (!stopping_.load()) {
    sockaddr_storage addr{};
    socklen_t length = sizeof(addr);
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_.load()) break;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      QUIVER_LOG(WARN) << "accept failed" << Kv("error", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // EMFILE and the like: back off
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (threads_ >= options_.max_connection_threads) {
        // Too many connections being sniffed, relayed or served: refuse this one now rather
        // than run out of threads (gRPC connections handed over do not count).
        ::close(fd);
        metrics_->GetCounter("quiver_front_door_refused_total", "Connections refused: too many at once")->Increment();
        continue;
      }
      ++threads_;
    }
    std::thread([this, fd, client = AddressOf(addr)] {
      Serve(fd, client);
      std::lock_guard<std::mutex> lock(mu_);
      if (--threads_ == 0) idle_.notify_all();
    }).detach();
  }
}

void FrontDoor::Serve(int fd, std::string client) {
  std::unique_ptr<Stream> stream;
  Track(fd, true);
  if (tls_) {
    auto accepted = tls_->Accept(fd, options_.handshake_timeout_ms);
    if (!accepted.ok()) {
      Track(fd, false);
      metrics_->GetCounter("quiver_front_door_tls_failures_total", "TLS handshakes that failed")->Increment();
      QUIVER_LOG(WARN) << "TLS handshake failed" << Kv("client", client) << Kv("error", accepted.status().message());
      return;  // the stream closed the socket
    }
    stream = std::move(accepted).value();
  } else {
    stream = NewPlainStream(fd);
  }
  // gRPC clients open with the HTTP/2 preface; anything else is HTTP/1.1.
  char head[kHttp2Preface.size()];
  size_t have = 0;
  bool grpc = false;
  auto sniff_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.handshake_timeout_ms);
  for (;;) {
    Result<size_t> n = stream->Peek(head, sizeof(head), options_.handshake_timeout_ms);
    if (!n.ok() || *n == 0 || std::chrono::steady_clock::now() > sniff_deadline) {
      Track(fd, false);
      return;  // silent, gone, or stuck in the middle of the preface
    }
    have = *n;
    if (std::string_view(head, have) != kHttp2Preface.substr(0, have)) break;  // not HTTP/2
    if (have == kHttp2Preface.size()) {
      grpc = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a partial preface: wait for the rest
  }
  if (grpc) {
    metrics_->GetCounter("quiver_front_door_connections_total", "Connections accepted, by protocol",
                         {{"protocol", "grpc"}})
        ->Increment();
    if (!tls_) {
      // Hand the socket over as it is (the peeked bytes are still unread). gRPC owns it now.
      Track(fd, false);
      int dup = ::dup(fd);  // the stream closes its fd; gRPC gets a descriptor of its own
      stream.reset();
      {
        std::lock_guard<std::mutex> lock(mu_);
        grpc_peers_["fd:" + std::to_string(dup)] = client;
      }
      ::fcntl(dup, F_SETFL, ::fcntl(dup, F_GETFL) | O_NONBLOCK);
      grpc::AddInsecureChannelFromFd(grpc_, dup);
      return;
    }
    RelayGrpc(stream.get(), client);
    Track(fd, false);
    return;
  }
  metrics_->GetCounter("quiver_front_door_connections_total", "Connections accepted, by protocol",
                       {{"protocol", "http"}})
      ->Increment();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (http_connections_ >= options_.max_http_connections) {
      // Over the limit: a clear answer instead of a queue that grows without bound.
      HttpResponse busy;
      busy.status = 503;
      busy.body = R"({"code":8,"message":"too many REST connections"})";
      std::string text = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(busy.body.size()) + "\r\nConnection: close\r\n\r\n" + busy.body;
      (void)stream->Write(text, 1000).ok();
      open_fds_.erase(fd);
      return;
    }
    ++http_connections_;
  }
  HttpSession session;
  session.peer = client;  // for the access log and failed-login lines
  session.check_head = check_head_;
  ServeHttp(stream.get(), options_.http, http_, [this] { return stopping_.load(); }, session);
  {
    std::lock_guard<std::mutex> lock(mu_);
    --http_connections_;
  }
  Track(fd, false);
}

void FrontDoor::RelayGrpc(Stream* stream, const std::string& client) {
  SSL* ssl = TlsSession(stream);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    QUIVER_LOG(WARN) << "socketpair failed" << Kv("error", std::strerror(errno));
    return;
  }
  int local = pair[1];
  ::fcntl(pair[0], F_SETFL, ::fcntl(pair[0], F_GETFL) | O_NONBLOCK);
  ::fcntl(local, F_SETFL, ::fcntl(local, F_GETFL) | O_NONBLOCK);
  {
    std::lock_guard<std::mutex> lock(mu_);
    grpc_peers_["fd:" + std::to_string(pair[0])] = client;  // gRPC names the peer by its descriptor
  }
  grpc::AddInsecureChannelFromFd(grpc_, pair[0]);
  Track(local, true);
  constexpr size_t kMaxPending = 4 << 20;
  std::string to_local;
  std::string to_net;
  char buffer[16 << 10];
  bool net_open = true;
  bool local_open = true;
  int net_fd = stream->fd();
  while (!stopping_.load()) {
    // Decrypted client bytes to gRPC.
    while (net_open && to_local.size() < kMaxPending) {
      int n = SSL_read(ssl, buffer, sizeof(buffer));
      if (n > 0) {
        to_local.append(buffer, static_cast<size_t>(n));
        continue;
      }
      int error = SSL_get_error(ssl, n);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) net_open = false;
      break;
    }
    while (!to_local.empty()) {
      ssize_t n = ::send(local, to_local.data(), to_local.size(), MSG_NOSIGNAL);
      if (n > 0) {
        to_local.erase(0, static_cast<size_t>(n));
      } else {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        local_open = false;
        to_local.clear();
      }
    }
    // gRPC's bytes to the client, encrypted.
    while (local_open && to_net.size() < kMaxPending) {
      ssize_t n = ::recv(local, buffer, sizeof(buffer), 0);
      if (n > 0) {
        to_net.append(buffer, static_cast<size_t>(n));
      } else {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        local_open = false;
      }
    }
    while (net_open && !to_net.empty()) {
      int n = SSL_write(ssl, to_net.data(), static_cast<int>(std::min<size_t>(to_net.size(), 16 << 10)));
      if (n > 0) {
        to_net.erase(0, static_cast<size_t>(n));
        continue;
      }
      int error = SSL_get_error(ssl, n);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) net_open = false;
      break;
    }
    if ((!net_open && to_local.empty()) || (!local_open && to_net.empty())) break;
    pollfd fds[2] = {{net_fd, static_cast<short>(POLLIN | (to_net.empty() ? 0 : POLLOUT)), 0},
                     {local, static_cast<short>((to_net.size() < kMaxPending ? POLLIN : 0) |
                                                (to_local.empty() ? 0 : POLLOUT)),
                      0}};
    if (SSL_pending(ssl) > 0) continue;  // decrypted bytes already buffered: no need to wait
    ::poll(fds, 2, 1000);
  }
  Track(local, false);
  ::close(local);  // gRPC sees the end of its connection
}

}  // namespace quiver::rpc
