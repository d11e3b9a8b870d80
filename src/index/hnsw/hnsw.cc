#include "index/hnsw/hnsw.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <queue>

#include "common/coding.h"
#include "common/checksummed.h"

namespace quiver::index {

namespace {

constexpr std::string_view kMagic = "QVRHNSW1";

// Per-thread "visited" marks with an epoch, so a search clears nothing.
struct VisitedScratch {
  std::vector<uint32_t> marks;
  uint32_t epoch = 0;
};

VisitedScratch& Scratch(size_t n) {
  thread_local VisitedScratch scratch;
  if (scratch.marks.size() < n) {
    scratch.marks.assign(n, 0);
    scratch.epoch = 0;
  }
  if (++scratch.epoch == 0) {
    std::fill(scratch.marks.begin(), scratch.marks.end(), 0);
    scratch.epoch = 1;
  }
  return scratch;
}

}  // namespace

HnswIndex::HnswIndex(MetricType metric, size_t dim, HnswParams params)
    : metric_(metric), dim_(dim), params_(params), kernels_(&Kernels()),
      prefetch_bytes_(std::min<size_t>(dim * sizeof(float), 4096)) {}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Create(MetricType metric, size_t dim, HnswParams params) {
  if (metric != MetricType::kL2 && metric != MetricType::kIP && metric != MetricType::kCosine) {
    return Status::InvalidArgument("HNSW supports L2, IP and COSINE", MetricName(metric));
  }
  if (dim == 0) return Status::InvalidArgument("HNSW dimension must be positive");
  if (params.m < 2 || params.m > 2048) return Status::InvalidArgument("HNSW M must be in [2, 2048]");
  if (params.ef_construction < 1) return Status::InvalidArgument("HNSW efConstruction must be >= 1");
  return std::unique_ptr<HnswIndex>(new HnswIndex(metric, dim, params));
}

uint32_t* HnswIndex::Links(uint32_t id, int level) {
  if (level == 0) return level0_.data() + static_cast<size_t>(id) * (1 + 2 * params_.m);
  return upper_[id].data() + static_cast<size_t>(level - 1) * (1 + params_.m);
}

const uint32_t* HnswIndex::Links(uint32_t id, int level) const {
  if (level == 0) return links0_ + static_cast<size_t>(id) * (1 + 2 * params_.m);
  return upper_[id].data() + static_cast<size_t>(level - 1) * (1 + params_.m);
}

size_t HnswIndex::MemoryBytes() const {
  size_t bytes = data_.size() * sizeof(float) + level0_.size() * sizeof(uint32_t) + levels_.size() * sizeof(int);
  for (const auto& u : upper_) bytes += u.size() * sizeof(uint32_t);
  return bytes;
}

std::vector<HnswIndex::Candidate> HnswIndex::SearchLevel(const float* query, uint32_t entry, size_t ef, int level,
                                                         const Bitset* allowed, std::vector<uint32_t>* visited,
                                                         uint32_t* epoch) const {
  const bool locking = node_locks_ != nullptr;  // only while building
  // Heaps as plain vectors kept per thread: no allocation per search.
  thread_local std::vector<Candidate> frontier;  // min-heap: nearest on top
  thread_local std::vector<Candidate> results;   // max-heap: farthest on top
  frontier.clear();
  results.clear();
  auto nearer = [](const Candidate& a, const Candidate& b) { return a.distance > b.distance; };
  float d = Distance(query, Vector(entry));
  frontier.push_back({d, entry});
  (*visited)[entry] = *epoch;
  if (allowed == nullptr || allowed->Test(entry)) results.push_back({d, entry});
  uint32_t neighbors[4097];
  while (!frontier.empty()) {
    Candidate current = frontier.front();
    if (results.size() >= ef && current.distance > results.front().distance) break;
    std::pop_heap(frontier.begin(), frontier.end(), nearer);
    frontier.pop_back();
    size_t count = 0;
    {
      const uint32_t* links = Links(current.id, level);
      std::unique_lock<std::mutex> lock;
      if (locking) lock = std::unique_lock<std::mutex>(node_locks_[current.id]);
      size_t total = links[0];
      // Keep the unvisited neighbours and start fetching their vectors before computing any
      // distance: the loads overlap instead of stalling one after another.
      for (size_t i = 0; i < total; ++i) {
        uint32_t next = links[1 + i];
        if ((*visited)[next] == *epoch) continue;
        (*visited)[next] = *epoch;
        __builtin_prefetch(Vector(next));
        neighbors[count++] = next;
      }
    }
    for (size_t i = 0; i < count; ++i) {
      uint32_t next = neighbors[i];
      if (i + 1 < count) {
        // The next neighbour's vector, whole: for wide vectors (784 floats = 49 lines) the first
        // line alone leaves most of the next distance waiting on memory.
        const char* line = reinterpret_cast<const char*>(Vector(neighbors[i + 1]));
        for (size_t offset = 64; offset < prefetch_bytes_; offset += 64) __builtin_prefetch(line + offset);
      }
      float dn = Distance(query, Vector(next));
      if (results.size() < ef || dn < results.front().distance) {
        frontier.push_back({dn, next});
        std::push_heap(frontier.begin(), frontier.end(), nearer);
        if (allowed == nullptr || allowed->Test(next)) {
          results.push_back({dn, next});
          std::push_heap(results.begin(), results.end());
          if (results.size() > ef) {
            std::pop_heap(results.begin(), results.end());
            results.pop_back();
          }
        }
      }
    }
  }
  return std::vector<Candidate>(results.begin(), results.end());
}

// The paper's heuristic (algorithm 4): keep a candidate only if it is closer to the query than to
// every neighbor already kept, which spreads links across directions.
std::vector<HnswIndex::Candidate> HnswIndex::SelectNeighbors(std::vector<Candidate> candidates, size_t m) const {
  std::sort(candidates.begin(), candidates.end());
  if (candidates.size() <= m) return candidates;
  std::vector<Candidate> kept;
  kept.reserve(m);
  for (const Candidate& c : candidates) {
    if (kept.size() >= m) break;
    bool good = true;
    for (const Candidate& k : kept) {
      if (Distance(Vector(c.id), Vector(k.id)) < c.distance) {
        good = false;
        break;
      }
    }
    if (good) kept.push_back(c);
  }
  // Inner product is not a metric: the rule lets a few large-norm "hub" vectors prune most
  // links, which strands filtered walks. Fill the free slots with the nearest pruned candidates
  // (hnswlib's "keep pruned connections").
  if (metric_ == MetricType::kIP) {
    for (const Candidate& c : candidates) {
      if (kept.size() >= m) break;
      if (std::none_of(kept.begin(), kept.end(), [&](const Candidate& k) { return k.id == c.id; })) kept.push_back(c);
    }
  }
  return kept;
}

void HnswIndex::Connect(uint32_t from, uint32_t to, float distance, int level) {
  std::lock_guard<std::mutex> lock(node_locks_[from]);
  uint32_t* links = Links(from, level);
  size_t count = links[0];
  size_t capacity = Capacity(level);
  for (size_t i = 0; i < count; ++i) {
    if (links[1 + i] == to) return;
  }
  if (count < capacity) {
    links[1 + count] = to;
    links[0] = static_cast<uint32_t>(count + 1);
    return;
  }
  // Full: re-select among the existing links and the new one.
  std::vector<Candidate> candidates;
  candidates.reserve(count + 1);
  const float* base = Vector(from);
  for (size_t i = 0; i < count; ++i) candidates.push_back({Distance(base, Vector(links[1 + i])), links[1 + i]});
  candidates.push_back({distance, to});
  std::vector<Candidate> kept = SelectNeighbors(std::move(candidates), capacity);
  links[0] = static_cast<uint32_t>(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) links[1 + i] = kept[i].id;
}

void HnswIndex::Insert(uint32_t id, std::vector<uint32_t>* visited, uint32_t* epoch) {
  int level = levels_[id];
  std::unique_lock<std::mutex> entry_lock(entry_mu_);
  int top = max_level_.load();
  if (top < 0) {
    entry_ = id;
    max_level_ = level;
    return;
  }
  // Inserts that raise the top level hold the entry lock throughout, as hnswlib does.
  if (level <= top) entry_lock.unlock();
  uint32_t current = entry_.load();
  const float* query = Vector(id);
  for (int l = top; l > level; --l) {
    ++*epoch;
    auto best = SearchLevel(query, current, 1, l, nullptr, visited, epoch);
    if (!best.empty()) current = std::min_element(best.begin(), best.end())->id;
  }
  for (int l = std::min(level, top); l >= 0; --l) {
    ++*epoch;
    std::vector<Candidate> candidates = SearchLevel(query, current, params_.ef_construction, l, nullptr, visited, epoch);
    std::erase_if(candidates, [id](const Candidate& c) { return c.id == id; });
    if (candidates.empty()) continue;
    current = std::min_element(candidates.begin(), candidates.end())->id;
    std::vector<Candidate> neighbors = SelectNeighbors(std::move(candidates), params_.m);
    {
      std::lock_guard<std::mutex> lock(node_locks_[id]);
      uint32_t* links = Links(id, l);
      links[0] = static_cast<uint32_t>(neighbors.size());
      for (size_t i = 0; i < neighbors.size(); ++i) links[1 + i] = neighbors[i].id;
    }
    for (const Candidate& n : neighbors) Connect(n.id, id, n.distance, l);
  }
  if (level > top) {
    entry_ = id;
    max_level_ = level;
  }
}

Status HnswIndex::Build(const float* data, size_t n, ThreadPool* pool, const std::function<bool(double)>& progress) {
  if (n > 0xFFFFFFF0u) return Status::InvalidArgument("too many vectors for one HNSW index");
  n_ = n;
  data_.assign(data, data + n * dim_);
  if (metric_ == MetricType::kCosine) {
    for (size_t i = 0; i < n; ++i) NormalizeInPlace(data_.data() + i * dim_, dim_);
  }
  std::mt19937_64 rng(params_.seed);
  std::uniform_real_distribution<double> unit(1e-12, 1.0);
  double ml = 1.0 / std::log(static_cast<double>(std::max<size_t>(params_.m, 2)));
  levels_.resize(n);
  upper_.assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    levels_[i] = std::min(31, static_cast<int>(-std::log(unit(rng)) * ml));
    if (levels_[i] > 0) upper_[i].assign(static_cast<size_t>(levels_[i]) * (1 + params_.m), 0);
  }
  level0_.assign(n * (1 + 2 * params_.m), 0);
  vectors_ = data_.data();
  links0_ = level0_.data();
  node_locks_.reset(new std::mutex[n]);
  max_level_ = -1;
  if (n > 0) {
    // The first node alone, so every later insert finds an entry point.
    std::vector<uint32_t> visited(n, 0);
    uint32_t epoch = 0;
    Insert(0, &visited, &epoch);
    std::atomic<size_t> done{1};
    std::atomic<bool> cancelled{false};
    const size_t step = std::max<size_t>(1, n / 100);
    auto inserted = [&] {
      size_t now = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress && now % step == 0 && !progress(static_cast<double>(now) / static_cast<double>(n))) cancelled = true;
    };
    size_t workers = pool ? std::max<size_t>(1, pool->size()) : 1;
    if (workers == 1 || n < 1000) {
      for (size_t i = 1; i < n && !cancelled.load(std::memory_order_relaxed); ++i) {
        Insert(static_cast<uint32_t>(i), &visited, &epoch);
        inserted();
      }
    } else {
      // Skip node 0 in the striped ranges: shift by one.
      auto striped = [&](size_t worker) {
        std::vector<uint32_t> marks(n, 0);
        uint32_t e = 0;
        for (size_t i = 1 + worker; i < n && !cancelled.load(std::memory_order_relaxed); i += workers) {
          Insert(static_cast<uint32_t>(i), &marks, &e);
          inserted();
        }
      };
      pool->ParallelFor(workers, striped);
    }
    if (cancelled.load()) {
      node_locks_.reset();
      return Status::Aborted("HNSW build cancelled");
    }
  }
  node_locks_.reset();
  if (progress && !progress(1.0)) return Status::Aborted("HNSW build cancelled");
  return Status::OK();
}

void HnswIndex::Search(const float* raw_query, size_t k, size_t ef, const Bitset* allowed, TopK* out) const {
  if (n_ == 0 || k == 0) return;
  std::vector<float> normalized;
  const float* query = raw_query;
  if (metric_ == MetricType::kCosine) {
    normalized.assign(raw_query, raw_query + dim_);
    NormalizeInPlace(normalized.data(), dim_);
    query = normalized.data();
  }
  auto report = [&](float internal, uint32_t id) {
    out->Push(metric_ == MetricType::kL2 ? internal : -internal, static_cast<int64_t>(id));
  };
  size_t beam = std::max(ef, k);
  if (allowed != nullptr) {
    size_t count = allowed->Count();
    if (count == 0) return;
    // A filter hides most neighbours from the result set; widen the beam in proportion
    // (up to 16x) so the walk still collects `beam` allowed rows near the query.
    double selectivity = static_cast<double>(count) / static_cast<double>(n_);
    beam = static_cast<size_t>(static_cast<double>(beam) * std::clamp(1.0 / selectivity, 1.0, 16.0));
    if (count <= std::max(kBruteForceBelow, n_ / 100)) {
      for (size_t id = allowed->NextSet(0); id < n_; id = allowed->NextSet(id + 1)) {
        report(Distance(query, Vector(static_cast<uint32_t>(id))), static_cast<uint32_t>(id));
      }
      return;
    }
  }
  VisitedScratch& scratch = Scratch(n_);
  uint32_t current = entry_.load();
  for (int l = max_level_.load(); l > 0; --l) {
    // Greedy descent on upper levels.
    bool moved = true;
    float best = Distance(query, Vector(current));
    while (moved) {
      moved = false;
      const uint32_t* links = Links(current, l);
      for (uint32_t i = 0; i < links[0]; ++i) {
        float d = Distance(query, Vector(links[1 + i]));
        if (d < best) {
          best = d;
          current = links[1 + i];
          moved = true;
        }
      }
    }
  }
  for (const Candidate& c : SearchLevel(query, current, beam, 0, allowed, &scratch.marks, &scratch.epoch)) {
    report(c.distance, c.id);
  }
}

std::string HnswIndex::Serialize() const {
  std::string out(kMagic);
  PutVarint64(&out, static_cast<uint64_t>(metric_));
  PutVarint64(&out, dim_);
  PutVarint64(&out, params_.m);
  PutVarint64(&out, params_.ef_construction);
  PutVarint64(&out, n_);
  PutFixed32(&out, entry_.load());
  PutFixed32(&out, static_cast<uint32_t>(max_level_.load()));
  // Zero padding so the arrays start 64-byte aligned: [fixed32 pad][pad bytes][vectors][links].
  size_t pad = (64 - (out.size() + 4) % 64) % 64;
  PutFixed32(&out, static_cast<uint32_t>(pad));
  out.append(pad, '\0');
  out.append(reinterpret_cast<const char*>(vectors_), n_ * dim_ * sizeof(float));
  out.append(reinterpret_cast<const char*>(links0_), n_ * (1 + 2 * params_.m) * sizeof(uint32_t));
  for (size_t i = 0; i < n_; ++i) {
    PutVarint64(&out, static_cast<uint64_t>(levels_[i]));
    out.append(reinterpret_cast<const char*>(upper_[i].data()), upper_[i].size() * sizeof(uint32_t));
  }
  SealChecksummed(&out);
  return out;
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Deserialize(std::string_view bytes, std::shared_ptr<const void> backing) {
  QUIVER_ASSIGN_OR_RETURN(std::string_view body, UnwrapChecksummed(bytes, kMagic, "an HNSW index"));
  Decoder in(body);
  uint64_t metric, dim, m, efc, n;
  uint32_t entry, max_level, pad;
  std::string_view padding;
  if (!in.GetVarint64(&metric) || !in.GetVarint64(&dim) || !in.GetVarint64(&m) || !in.GetVarint64(&efc) ||
      !in.GetVarint64(&n) || !in.GetFixed32(&entry) || !in.GetFixed32(&max_level) || !in.GetFixed32(&pad) ||
      pad >= 64 || !in.GetBytes(pad, &padding) || n > bytes.size() || m > 2048) {
    return Status::Corruption("HNSW header malformed");
  }
  QUIVER_ASSIGN_OR_RETURN(auto index, Create(static_cast<MetricType>(metric), dim, {m, efc, 0}));
  index->n_ = n;
  std::string_view vectors, links;
  if (!in.GetBytes(n * dim * sizeof(float), &vectors)) return Status::Corruption("HNSW vectors truncated");
  if (!in.GetBytes(n * (1 + 2 * m) * sizeof(uint32_t), &links)) return Status::Corruption("HNSW links truncated");
  bool aligned = reinterpret_cast<uintptr_t>(vectors.data()) % alignof(float) == 0 &&
                 reinterpret_cast<uintptr_t>(links.data()) % alignof(uint32_t) == 0;
  if (backing != nullptr && aligned) {
    index->vectors_ = reinterpret_cast<const float*>(vectors.data());
    index->links0_ = reinterpret_cast<const uint32_t*>(links.data());
    index->backing_ = std::move(backing);
  } else {
    index->data_.resize(n * dim);
    if (!vectors.empty()) std::memcpy(index->data_.data(), vectors.data(), vectors.size());
    index->level0_.resize(n * (1 + 2 * m));
    if (!links.empty()) std::memcpy(index->level0_.data(), links.data(), links.size());
    index->vectors_ = index->data_.data();
    index->links0_ = index->level0_.data();
  }
  index->levels_.resize(n);
  index->upper_.assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    uint64_t level;
    if (!in.GetVarint64(&level) || level > 31) return Status::Corruption("HNSW levels malformed");
    index->levels_[i] = static_cast<int>(level);
    size_t words = level * (1 + m);
    std::string_view raw;
    if (!in.GetBytes(words * sizeof(uint32_t), &raw)) return Status::Corruption("HNSW upper links truncated");
    index->upper_[i].resize(words);
    if (words > 0) std::memcpy(index->upper_[i].data(), raw.data(), raw.size());
    for (size_t l = 0; l < level; ++l) {
      const uint32_t* links = index->upper_[i].data() + l * (1 + m);
      if (links[0] > m) return Status::Corruption("HNSW link count out of range");
      for (size_t k = 1; k <= links[0]; ++k) {
        if (links[k] >= n || index->levels_.size() <= links[k]) return Status::Corruption("HNSW link out of range");
      }
    }
  }
  // Every link must point inside the index.
  const uint32_t* level0 = index->links0_;
  for (size_t i = 0; i < n * (1 + 2 * m); i += 1 + 2 * m) {
    if (level0[i] > 2 * m) return Status::Corruption("HNSW link count out of range");
    for (size_t k = 1; k <= level0[i]; ++k) {
      if (level0[i + k] >= n) return Status::Corruption("HNSW link out of range");
    }
  }
  if (n > 0 && (entry >= n || static_cast<int>(max_level) != index->levels_[entry])) {
    return Status::Corruption("HNSW entry point invalid");
  }
  index->entry_ = entry;
  index->max_level_ = n > 0 ? static_cast<int>(max_level) : -1;
  return index;
}

}  // namespace quiver::index
