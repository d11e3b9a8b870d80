#include "storage/wal/jetstream_wal.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <map>
#include <random>
#include <thread>

#include "common/log.h"
#include "common/mutex.h"

namespace quiver::storage {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kChunkHeader = "Quiver-Chunk";
constexpr size_t kHeaderRoom = 4096;
// Idle readers kept per channel (a datanode and a querynode follow the same channel at their
// own positions).
constexpr size_t kIdleReadersPerChannel = 4;
// The server deletes a reader's consumer after this long without a fetch.
constexpr int64_t kReaderInactiveNs = 60'000'000'000;
// A fetch for messages the stream holds is answered at once; this bounds one that finds fewer.
constexpr std::chrono::milliseconds kFetchExpiry{200};

int64_t Nanos(std::chrono::nanoseconds d) { return d.count(); }

std::string Mapped(const std::string& channel) {
  std::string out = channel;
  std::replace(out.begin(), out.end(), '.', '=');
  return out;
}

std::string Unmapped(std::string_view mapped) {
  std::string out(mapped);
  std::replace(out.begin(), out.end(), '=', '.');
  return out;
}

std::string LastNatsError() {
  natsStatus s = NATS_OK;
  const char* text = nats_GetLastError(&s);
  return text != nullptr ? std::string(text) : std::string();
}

// JetStream answers that mean "not now": no leader (election, a server gone), no answer in time,
// the connection reconnecting. Appends retry these with the same message id.
bool Transient(natsStatus s, jsErrCode code) {
  if (code == JSClusterNotAvailErr || code == JSClusterNotLeaderErr) return true;
  switch (s) {
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_NO_SERVER:
      return true;
    default:
      return false;
  }
}

Status ToStatus(natsStatus s, jsErrCode code, const std::string& what, const std::string& channel) {
  if (code == JSStreamNotFoundErr) return Status::NotFound("WAL channel does not exist", channel);
  std::string detail = what + ": " + natsStatus_GetText(s);
  if (code != 0) detail += " (JetStream error " + std::to_string(code) + ")";
  if (std::string last = LastNatsError(); !last.empty() && last != natsStatus_GetText(s)) detail += ": " + last;
  if (Transient(s, code)) return Status::Unavailable(detail, channel);
  return Status::IOError(detail, channel);
}

struct Partial {
  uint32_t parts = 0;
  uint32_t have = 0;
  std::vector<std::string> data;
};

// One ephemeral pull consumer following a channel, and what it fetched but has not returned.
struct Reader {
  ~Reader() {
    if (sub != nullptr) {
      natsSubscription_Unsubscribe(sub);  // deletes the ephemeral consumer; best effort
      natsSubscription_Destroy(sub);
    }
  }
  natsSubscription* sub = nullptr;
  Lsn start_seq = 0;    // the consumer's first sequence
  Lsn min_lsn = 0;      // records below this are dropped (started early for a record's first chunks)
  Lsn expect_from = 0;  // the `from` of the Read that continues this reader
  uint64_t last_consumer_seq = 0;
  Lsn next_seq = 0;      // the stream sequence the consumer delivers next
  uint64_t pending = 0;  // messages past the last one fetched, as the server last counted them
  std::deque<WalRecord> ready;
  std::map<Lsn, Partial> partials;  // chunked records by the sequence of their first chunk
};

class JetStreamWal final : public Wal {
 public:
  explicit JetStreamWal(JetStreamWalOptions options) : options_(std::move(options)), cv_(&mu_) {
    std::random_device rd;
    char id[40];
    std::snprintf(id, sizeof(id), "%08x%08x%08x", rd(), rd(), rd());
    writer_id_ = id;
  }

  ~JetStreamWal() override {
    if (notes_ != nullptr) {
      // Drain so that no announcement callback runs once this object is gone.
      if (natsSubscription_Drain(notes_) == NATS_OK) {
        natsSubscription_WaitForDrainCompletion(notes_, 2000);
      }
      natsSubscription_Destroy(notes_);
    }
    {
      MutexLock lock(&mu_);
      readers_.clear();
    }
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      natsConnection_Destroy(nc_);
    }
    if (opts_ != nullptr) natsOptions_Destroy(opts_);
  }

  Status Open() {
    if (options_.servers.empty()) return Status::InvalidArgument("JetStream WAL needs at least one NATS server");
    if (options_.stream_prefix.empty()) return Status::InvalidArgument("JetStream WAL needs a stream prefix");
    for (char c : options_.stream_prefix) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return Status::InvalidArgument("NATS stream prefix must be letters, digits and '-'", options_.stream_prefix);
      }
    }
    if (options_.replicas < 1 || options_.replicas > 5) {
      return Status::InvalidArgument("NATS stream replicas must be 1 to 5", std::to_string(options_.replicas));
    }
    if (options_.duplicate_window <= options_.append_timeout) {
      return Status::InvalidArgument("the NATS dedup window must exceed the append timeout");
    }
    std::vector<std::string> urls;
    for (const auto& server : options_.servers) {
      urls.push_back(server.find("://") == std::string::npos ? "nats://" + server : server);
    }
    std::vector<const char*> url_ptrs;
    for (const auto& url : urls) url_ptrs.push_back(url.c_str());
    if (natsOptions_Create(&opts_) != NATS_OK) return Status::Internal("cannot create NATS options");
    natsOptions_SetServers(opts_, url_ptrs.data(), static_cast<int>(url_ptrs.size()));
    natsOptions_SetName(opts_, "quiver-wal");
    natsOptions_SetTimeout(opts_, options_.request_timeout.count());
    natsOptions_SetMaxReconnect(opts_, -1);  // forever: an append blocks until append_timeout instead
    natsOptions_SetReconnectWait(opts_, 100);
    natsOptions_SetPingInterval(opts_, 5000);  // a silent (cut off) server is left after ~10 s
    natsOptions_SetMaxPingsOut(opts_, 2);
    natsOptions_SetNoEcho(opts_, true);  // our own announcements are handled locally
    if (!options_.user.empty()) natsOptions_SetUserInfo(opts_, options_.user.c_str(), options_.password.c_str());
    if (!options_.token.empty()) natsOptions_SetToken(opts_, options_.token.c_str());
    if (options_.tls) {
      natsOptions_SetSecure(opts_, true);
      if (!options_.ca_file.empty() &&
          natsOptions_LoadCATrustedCertificates(opts_, options_.ca_file.c_str()) != NATS_OK) {
        return Status::InvalidArgument("cannot read the NATS CA file: " + LastNatsError(), options_.ca_file);
      }
    }
    natsStatus s = natsConnection_Connect(&nc_, opts_);
    if (s != NATS_OK) {
      std::string joined;
      for (const auto& url : urls) joined += (joined.empty() ? "" : ",") + url;
      if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) {
        return Status::Unauthenticated("NATS refused the credentials (nats.user / nats.password / nats.token): " +
                                       std::string(natsStatus_GetText(s)), joined);
      }
      return Status::Unavailable("cannot connect to NATS: " + std::string(natsStatus_GetText(s)) + " " + LastNatsError(),
                                 joined);
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = options_.request_timeout.count();
    if (natsConnection_JetStream(&js_, nc_, &jo) != NATS_OK) return Status::Internal("cannot create a JetStream context");
    // JetStream must be on; a cluster that just started may still elect its meta leader.
    QUIVER_RETURN_IF_ERROR(Retry("JetStream account info", "", [&]() -> Status {
      jsAccountInfo* info = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_GetAccountInfo(&info, js_, nullptr, &code);
      if (info != nullptr) jsAccountInfo_Destroy(info);
      if (st == NATS_OK) return Status::OK();
      if (code == JSNotEnabledForAccountErr || code == JSNotEnabledErr) {
        return Status::FailedPrecondition("JetStream is not enabled on the NATS server (start it with -js)");
      }
      return ToStatus(st, code, "JetStream account info", "");
    }));
    std::string notes = options_.stream_prefix + ".walnote.*";
    s = natsConnection_Subscribe(&notes_, nc_, notes.c_str(), &JetStreamWal::OnNote, this);
    if (s != NATS_OK) return ToStatus(s, static_cast<jsErrCode>(0), "subscribing to WAL announcements", "");
    natsSubscription_SetPendingLimits(notes_, -1, -1);
    QUIVER_LOG(INFO) << "WAL on NATS JetStream" << Kv("server", ConnectedUrl()) << Kv("prefix", options_.stream_prefix)
                     << Kv("replicas", options_.replicas);
    return Status::OK();
  }

  Status CreateChannel(const std::string& channel) override {
    QUIVER_RETURN_IF_ERROR(ValidateChannelName(channel));
    std::string stream = Stream(channel);
    std::string subject = Subject(channel);
    return Retry("creating WAL stream", channel, [&]() -> Status {
      jsStreamConfig config;
      jsStreamConfig_Init(&config);
      const char* subjects[1] = {subject.c_str()};
      config.Name = stream.c_str();
      config.Subjects = subjects;
      config.SubjectsLen = 1;
      config.Storage = js_FileStorage;
      config.Replicas = options_.replicas;
      config.Duplicates = Nanos(options_.duplicate_window);
      config.Retention = js_LimitsPolicy;
      config.Discard = js_DiscardOld;
      jsStreamInfo* info = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_AddStream(&info, js_, &config, nullptr, &code);
      if (info != nullptr) jsStreamInfo_Destroy(info);
      if (st == NATS_OK) return Status::OK();
      if (code == JSStreamNameExistErr) {
        // Created before with other settings (replicas, dedup window): the channel exists.
        QUIVER_LOG(WARN) << "WAL stream exists with other settings; kept as it is" << Kv("stream", stream);
        return Status::OK();
      }
      return ToStatus(st, code, "creating WAL stream " + stream, channel);
    });
  }

  Status DropChannel(const std::string& channel) override {
    QUIVER_RETURN_IF_ERROR(ValidateChannelName(channel));
    std::vector<std::unique_ptr<Reader>> readers;  // closed outside the lock
    {
      MutexLock lock(&mu_);
      if (auto it = readers_.find(channel); it != readers_.end()) {
        readers = std::move(it->second);
        readers_.erase(it);
      }
    }
    readers.clear();
    std::string stream = Stream(channel);
    return Retry("deleting WAL stream", channel, [&]() -> Status {
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_DeleteStream(js_, stream.c_str(), nullptr, &code);
      if (st == NATS_OK || code == JSStreamNotFoundErr) return Status::OK();
      return ToStatus(st, code, "deleting WAL stream " + stream, channel);
    });
  }

  Result<std::vector<std::string>> ListChannels() override {
    std::vector<std::string> out;
    QUIVER_RETURN_IF_ERROR(Retry("listing WAL streams", "", [&]() -> Status {
      out.clear();
      jsStreamNamesList* list = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_StreamNames(&list, js_, nullptr, &code);
      if (st == NATS_NOT_FOUND) return Status::OK();  // no streams at all
      if (st != NATS_OK) return ToStatus(st, code, "listing WAL streams", "");
      std::string prefix = options_.stream_prefix + "_wal_";
      for (int i = 0; i < list->Count; ++i) {
        std::string_view name(list->List[i]);
        if (name.starts_with(prefix)) out.push_back(Unmapped(name.substr(prefix.size())));
      }
      jsStreamNamesList_Destroy(list);
      return Status::OK();
    }));
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<Lsn> Append(const std::string& channel, const std::vector<std::string_view>& records) override {
    if (records.empty()) return Status::InvalidArgument("empty WAL append", channel);
    std::string subject = Subject(channel);
    size_t chunk = ChunkBytes();
    Lsn first = 0;
    Lsn last = 0;
    for (std::string_view record : records) {
      size_t parts = std::max<size_t>(1, (record.size() + chunk - 1) / chunk);
      Lsn start = 0;
      for (size_t i = 0; i < parts; ++i) {
        std::string_view piece = record.substr(i * chunk, chunk);
        std::string header;
        if (parts > 1) header = std::to_string(i) + "/" + std::to_string(parts) + "/" + std::to_string(start);
        QUIVER_ASSIGN_OR_RETURN(Lsn seq, Publish(channel, subject, piece, header));
        if (i == 0) start = seq;
        last = seq;
      }
      if (first == 0) first = last;
    }
    Announce(channel, last);
    return first;
  }

  Result<std::vector<WalRecord>> Read(const std::string& channel, Lsn from, size_t max_records,
                                      size_t max_bytes) override {
    QUIVER_RETURN_IF_ERROR(ValidateChannelName(channel));
    from = std::max<Lsn>(from, 1);
    max_records = std::max<size_t>(max_records, 1);
    std::unique_ptr<Reader> reader = TakeReader(channel, from);
    for (int attempt = 0;; ++attempt) {
      if (reader == nullptr) {
        QUIVER_ASSIGN_OR_RETURN(reader, NewReader(channel, from, from));
      }
      Status st = Fill(channel, reader, max_records);
      if (st.ok()) break;
      reader.reset();
      // A consumer the server dropped (idle too long, its server restarted): one fresh try.
      if (attempt > 0 || st.IsNotFound()) return st;
    }
    std::vector<WalRecord> out;
    size_t bytes = 0;
    while (!reader->ready.empty() && out.size() < max_records && (out.empty() || bytes < max_bytes)) {
      bytes += reader->ready.front().payload.size();
      out.push_back(std::move(reader->ready.front()));
      reader->ready.pop_front();
    }
    reader->expect_from = out.empty() ? from : out.back().lsn + 1;
    PutReader(channel, std::move(reader));
    return out;
  }

  Result<Lsn> LastLsn(const std::string& channel) override {
    QUIVER_ASSIGN_OR_RETURN(StreamState state, State(channel));
    return state.last;
  }

  Result<Lsn> FirstLsn(const std::string& channel) override {
    QUIVER_ASSIGN_OR_RETURN(StreamState state, State(channel));
    return state.messages == 0 ? state.last + 1 : std::max<Lsn>(state.first, 1);
  }

  Result<Lsn> WaitFor(const std::string& channel, Lsn lsn, std::chrono::milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    while (true) {
      uint64_t seen;
      {
        MutexLock lock(&mu_);
        seen = announcements_;
      }
      QUIVER_ASSIGN_OR_RETURN(Lsn last, LastLsn(channel));
      auto now = Clock::now();
      if (last >= lsn || now >= deadline) return last;
      MutexLock lock(&mu_);
      // Announcements are best effort: poll as well.
      auto until = std::min<Clock::time_point>(deadline, now + 200ms);
      while (announcements_ == seen && Clock::now() < until) cv_.WaitFor(until - Clock::now());
    }
  }

  Status Truncate(const std::string& channel, Lsn before) override {
    QUIVER_ASSIGN_OR_RETURN(StreamState state, State(channel));
    // Purging past the end would move the next sequence forward: never beyond the last record.
    before = std::min<Lsn>(before, state.last + 1);
    if (before <= std::max<Lsn>(state.first, 1)) return Status::OK();
    std::string stream = Stream(channel);
    return Retry("truncating WAL stream", channel, [&]() -> Status {
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.Wait = options_.request_timeout.count();
      jo.Stream.Purge.Sequence = before;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_PurgeStream(js_, stream.c_str(), &jo, &code);
      if (st == NATS_OK) return Status::OK();
      return ToStatus(st, code, "truncating WAL stream " + stream, channel);
    });
  }

  uint64_t TotalBytes() override {
    auto channels = ListChannels();
    if (!channels.ok()) return 0;
    uint64_t total = 0;
    for (const auto& channel : *channels) {
      if (auto state = State(channel); state.ok()) total += state->bytes;
    }
    return total;
  }

  uint64_t AddAppendListener(AppendListener listener) override { return listeners_.Add(std::move(listener)); }
  void RemoveAppendListener(uint64_t id) override { listeners_.Remove(id); }
  std::vector<std::pair<std::string, Status>> FailedChannels() override { return {}; }
  uint64_t CorruptionEvents() override { return corruption_events_.load(); }

 private:
  struct StreamState {
    Lsn first = 0;
    Lsn last = 0;
    uint64_t messages = 0;
    uint64_t bytes = 0;
  };

  std::string Stream(const std::string& channel) const { return JetStreamStreamName(options_.stream_prefix, channel); }
  std::string Subject(const std::string& channel) const { return JetStreamSubject(options_.stream_prefix, channel); }

  std::string ConnectedUrl() {
    char buf[256] = {0};
    if (natsConnection_GetConnectedUrl(nc_, buf, sizeof(buf)) != NATS_OK) return {};
    return buf;
  }

  size_t ChunkBytes() {
    if (options_.max_chunk_bytes > 0) return options_.max_chunk_bytes;
    int64_t max_payload = natsConnection_GetMaxPayload(nc_);
    return static_cast<size_t>(std::max<int64_t>(max_payload - static_cast<int64_t>(kHeaderRoom), 4096));
  }

  // Runs `call` until it succeeds, fails for good, or append_timeout passes while it keeps
  // answering Unavailable.
  template <typename Call>
  Status Retry(const std::string& what, const std::string& channel, Call&& call) {
    auto deadline = Clock::now() + options_.append_timeout;
    auto backoff = 25ms;
    std::minstd_rand jitter(static_cast<uint32_t>(Clock::now().time_since_epoch().count()));
    for (int attempt = 0;; ++attempt) {
      Status st = call();
      if (!st.IsUnavailable()) return st;
      if (Clock::now() + backoff >= deadline) {
        return Status::Unavailable(what + " did not succeed within " + std::to_string(options_.append_timeout.count()) +
                                       " ms; last error: " + st.ToString(),
                                   channel);
      }
      if (attempt == 2) QUIVER_LOG(WARN) << "NATS JetStream not answering; retrying" << Kv("what", what) << Kv("error", st.ToString());
      std::this_thread::sleep_for(backoff / 2 + std::chrono::milliseconds(jitter() % (backoff.count() / 2 + 1)));
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1000ms);
    }
  }

  Result<StreamState> State(const std::string& channel) {
    QUIVER_RETURN_IF_ERROR(ValidateChannelName(channel));
    std::string stream = Stream(channel);
    StreamState state;
    QUIVER_RETURN_IF_ERROR(Retry("reading WAL stream state", channel, [&]() -> Status {
      jsStreamInfo* info = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_GetStreamInfo(&info, js_, stream.c_str(), nullptr, &code);
      if (st != NATS_OK) return ToStatus(st, code, "reading WAL stream " + stream, channel);
      state.first = info->State.FirstSeq;
      state.last = info->State.LastSeq;
      state.messages = info->State.Msgs;
      state.bytes = info->State.Bytes;
      jsStreamInfo_Destroy(info);
      return Status::OK();
    }));
    return state;
  }

  // Publishes one message, retrying with the same message id until JetStream acknowledges it.
  Result<Lsn> Publish(const std::string& channel, const std::string& subject, std::string_view data,
                      const std::string& chunk_header) {
    std::string msg_id = writer_id_ + "-" + std::to_string(next_msg_.fetch_add(1) + 1);
    std::string stream = Stream(channel);
    Lsn seq = 0;
    QUIVER_RETURN_IF_ERROR(Retry("appending to WAL channel", channel, [&]() -> Status {
      natsMsg* msg = nullptr;
      if (natsMsg_Create(&msg, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size())) != NATS_OK) {
        return Status::ResourceExhausted("cannot allocate a NATS message", channel);
      }
      if (!chunk_header.empty()) natsMsgHeader_Set(msg, kChunkHeader, chunk_header.c_str());
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = msg_id.c_str();
      po.ExpectStream = stream.c_str();
      po.MaxWait = options_.request_timeout.count();
      jsPubAck* ack = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_PublishMsg(&ack, js_, msg, &po, &code);
      natsMsg_Destroy(msg);
      if (st == NATS_OK) {
        seq = ack->Sequence;  // a retried message JetStream had stored: its original sequence
        jsPubAck_Destroy(ack);
        return Status::OK();
      }
      if (ack != nullptr) jsPubAck_Destroy(ack);
      if (st == NATS_NO_RESPONDERS) {
        // Nobody took the subject: no stream leader right now, or no such stream.
        jsStreamInfo* info = nullptr;
        jsErrCode info_code = static_cast<jsErrCode>(0);
        natsStatus info_st = js_GetStreamInfo(&info, js_, stream.c_str(), nullptr, &info_code);
        if (info != nullptr) jsStreamInfo_Destroy(info);
        if (info_st != NATS_OK && info_code == JSStreamNotFoundErr) {
          return Status::NotFound("WAL channel does not exist", channel);
        }
      }
      if (st == NATS_MAX_PAYLOAD) return Status::InvalidArgument("WAL message above NATS max_payload", channel);
      return ToStatus(st, code, "appending to WAL stream " + stream, channel);
    }));
    return seq;
  }

  void Announce(const std::string& channel, Lsn last) {
    listeners_.Notify(channel);
    {
      MutexLock lock(&mu_);
      ++announcements_;
      cv_.SignalAll();
    }
    std::string subject = options_.stream_prefix + ".walnote." + Mapped(channel);
    std::string body = std::to_string(last);
    natsConnection_Publish(nc_, subject.c_str(), body.data(), static_cast<int>(body.size()));  // best effort
  }

  static void OnNote(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<JetStreamWal*>(closure);
    std::string_view subject(natsMsg_GetSubject(msg));
    std::string prefix = self->options_.stream_prefix + ".walnote.";
    if (subject.starts_with(prefix)) {
      std::string channel = Unmapped(subject.substr(prefix.size()));
      self->listeners_.Notify(channel);
      MutexLock lock(&self->mu_);
      ++self->announcements_;
      self->cv_.SignalAll();
    }
    natsMsg_Destroy(msg);
  }

  std::unique_ptr<Reader> TakeReader(const std::string& channel, Lsn from) {
    MutexLock lock(&mu_);
    auto it = readers_.find(channel);
    if (it == readers_.end()) return nullptr;
    auto& idle = it->second;
    for (size_t i = 0; i < idle.size(); ++i) {
      if (idle[i]->expect_from == from) {
        std::unique_ptr<Reader> reader = std::move(idle[i]);
        idle.erase(idle.begin() + static_cast<std::ptrdiff_t>(i));
        return reader;
      }
    }
    return nullptr;
  }

  void PutReader(const std::string& channel, std::unique_ptr<Reader> reader) {
    std::unique_ptr<Reader> evicted;
    MutexLock lock(&mu_);
    auto& idle = readers_[channel];
    idle.push_back(std::move(reader));
    if (idle.size() > kIdleReadersPerChannel) {
      evicted = std::move(idle.front());  // the least recently used; destroyed after the lock
      idle.erase(idle.begin());
    }
  }

  Result<std::unique_ptr<Reader>> NewReader(const std::string& channel, Lsn start, Lsn min_lsn) {
    auto reader = std::make_unique<Reader>();
    reader->start_seq = start;
    reader->next_seq = start;
    reader->min_lsn = min_lsn;
    reader->expect_from = min_lsn;
    std::string stream = Stream(channel);
    std::string subject = Subject(channel);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = start;
    so.Config.AckPolicy = js_AckNone;
    so.Config.InactiveThreshold = kReaderInactiveNs;
    so.Config.MemoryStorage = true;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = options_.request_timeout.count();
    // Creating the consumer needs the stream leader: retried through an election.
    QUIVER_RETURN_IF_ERROR(Retry("opening a WAL reader", channel, [&]() -> Status {
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus st = js_PullSubscribe(&reader->sub, js_, subject.c_str(), nullptr, &jo, &so, &code);
      if (st == NATS_OK) return Status::OK();
      reader->sub = nullptr;
      return ToStatus(st, code, "opening a reader on WAL stream " + stream, channel);
    }));
    // Never drop fetched messages as a slow consumer: a reader asks only for what it returns.
    natsSubscription_SetPendingLimits(reader->sub, -1, -1);
    return reader;
  }

  // Fetches until the reader holds `max_records` complete records or nothing more is there
  // (bounded: a caller asking for many records gets them over several calls). A fetch asks for
  // no more messages than the stream holds past the reader (the consumer's pending count, or
  // the stream's last sequence), so it is answered at once: libnats waits out the request's
  // expiry when a batch cannot be filled, even with no_wait.
  Status Fill(const std::string& channel, std::unique_ptr<Reader>& reader, size_t max_records) {
    bool checked = false;
    bool from_state = false;  // `pending` was just counted from the stream itself
    for (int round = 0; round < 64 && reader->ready.size() < max_records; ++round) {
      if (reader->pending == 0) {
        if (checked) break;
        checked = true;
        from_state = true;
        QUIVER_ASSIGN_OR_RETURN(StreamState state, State(channel));
        Lsn from_seq = std::max<Lsn>(reader->next_seq, state.first);
        if (state.messages == 0 || state.last < from_seq) break;
        reader->pending = state.last - from_seq + 1;
      }
      jsFetchRequest request;
      jsFetchRequest_Init(&request);
      request.Batch = static_cast<int>(std::min<uint64_t>(reader->pending, 256));
      request.Expires = Nanos(kFetchExpiry);
      request.MaxBytes = static_cast<int64_t>(std::max<size_t>(64 << 20, ChunkBytes() + 2 * kHeaderRoom));
      natsMsgList list = {nullptr, 0};
      natsStatus st = natsSubscription_FetchRequest(&list, reader->sub, &request);
      const int fetched = list.Count;
      if (st != NATS_OK && !(st == NATS_TIMEOUT || st == NATS_NOT_FOUND)) {
        natsMsgList_Destroy(&list);
        return ToStatus(st, static_cast<jsErrCode>(0), "reading WAL channel", channel);
      }
      if (fetched == 0) {
        natsMsgList_Destroy(&list);
        // The stream holds messages past the reader but its consumer delivers none: the server
        // lost the consumer (restarted, idle too long). The caller opens a new reader.
        if (from_state) return Status::Unavailable("WAL reader's consumer is gone", channel);
        reader->pending = 0;  // a stale count: check the stream
        continue;
      }
      from_state = false;
      Lsn restart_at = 0;
      Status bad;
      for (int i = 0; i < fetched && bad.ok(); ++i) bad = Accept(channel, reader.get(), list.Msgs[i], &restart_at);
      natsMsgList_Destroy(&list);
      QUIVER_RETURN_IF_ERROR(bad);
      if (restart_at != 0) {
        // A record whose first chunks precede where this reader started: start there instead.
        Lsn min_lsn = reader->min_lsn;
        reader.reset();
        QUIVER_ASSIGN_OR_RETURN(reader, NewReader(channel, restart_at, min_lsn));
        checked = false;
      }
    }
    return Status::OK();
  }

  Status Accept(const std::string& channel, Reader* reader, natsMsg* msg, Lsn* restart_at) {
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) {
      return Status::IOError("WAL message without JetStream metadata", channel);
    }
    Lsn seq = meta->Sequence.Stream;
    uint64_t consumer_seq = meta->Sequence.Consumer;
    reader->pending = meta->NumPending;
    reader->next_seq = seq + 1;
    jsMsgMetaData_Destroy(meta);
    if (reader->last_consumer_seq != 0 && consumer_seq != reader->last_consumer_seq + 1) {
      return Status::Unavailable("WAL reader skipped messages (consumer restarted)", channel);
    }
    reader->last_consumer_seq = consumer_seq;
    std::string data(natsMsg_GetData(msg) != nullptr ? natsMsg_GetData(msg) : "", static_cast<size_t>(natsMsg_GetDataLength(msg)));
    const char* header = nullptr;
    if (natsMsgHeader_Get(msg, kChunkHeader, &header) != NATS_OK || header == nullptr) {
      if (seq >= reader->min_lsn) reader->ready.push_back({seq, std::move(data)});
      return Status::OK();
    }
    unsigned index = 0, parts = 0;
    uint64_t start = 0;
    if (std::sscanf(header, "%u/%u/%" SCNu64, &index, &parts, &start) != 3 || parts < 2 || index >= parts) {
      corruption_events_.fetch_add(1);
      QUIVER_LOG(WARN) << "WAL message with a bad chunk header skipped" << Kv("channel", channel) << Kv("lsn", seq);
      return Status::OK();
    }
    if (index == 0) {
      Partial& partial = reader->partials[seq];
      partial.parts = parts;
      partial.data.assign(parts, {});
      partial.data[0] = std::move(data);
      partial.have = 1;
      return Status::OK();
    }
    auto it = reader->partials.find(start);
    if (it == reader->partials.end()) {
      if (start < reader->start_seq) {
        *restart_at = *restart_at == 0 ? start : std::min(*restart_at, start);
      } else {
        corruption_events_.fetch_add(1);
        QUIVER_LOG(WARN) << "WAL chunk without its first chunk skipped" << Kv("channel", channel) << Kv("lsn", seq);
      }
      return Status::OK();
    }
    Partial& partial = it->second;
    if (index < partial.data.size() && partial.data[index].empty()) {
      partial.data[index] = std::move(data);
      ++partial.have;
    }
    if (partial.have == partial.parts) {
      std::string payload;
      for (auto& piece : partial.data) payload += piece;
      reader->partials.erase(it);
      if (seq >= reader->min_lsn) reader->ready.push_back({seq, std::move(payload)});
    }
    return Status::OK();
  }

  JetStreamWalOptions options_;
  std::string writer_id_;
  std::atomic<uint64_t> next_msg_{0};
  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  natsSubscription* notes_ = nullptr;
  AppendListeners listeners_;
  std::atomic<uint64_t> corruption_events_{0};
  Mutex mu_;
  CondVar cv_;
  uint64_t announcements_ QUIVER_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::vector<std::unique_ptr<Reader>>> readers_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace

std::string JetStreamStreamName(const std::string& prefix, const std::string& channel) {
  return prefix + "_wal_" + Mapped(channel);
}

std::string JetStreamSubject(const std::string& prefix, const std::string& channel) {
  return prefix + ".wal." + Mapped(channel);
}

Result<std::unique_ptr<Wal>> OpenJetStreamWal(JetStreamWalOptions options) {
  auto wal = std::make_unique<JetStreamWal>(std::move(options));
  QUIVER_RETURN_IF_ERROR(wal->Open());
  return std::unique_ptr<Wal>(std::move(wal));
}

}  // namespace quiver::storage
