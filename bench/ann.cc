// The ann harness: Quiver's indexes next to hnswlib and FAISS on the same data, in one run.
//
// Datasets: Fashion-MNIST (Debian dataset-fashion-mnist: 60,000 x 784 train, 10,000 queries, the
// split of ann-benchmarks' fashion-mnist-784-euclidean) and a reproducible synthetic set (1M x 128
// float32, an anisotropic Gaussian mixture of 1,000 clusters, 1,000 queries). --quick shrinks both
// so a run takes under two minutes. Exact top-10 ground truth is computed once and cached.
//
// For every index it measures build time (2 build threads for everyone), memory (resident-set
// growth during the build), and recall@10 / QPS over a sweep of its search parameter with 1 and
// 2 search threads (each thread answers one query at a time, as a server does). It prints, per
// dataset, the best QPS reaching recall 0.90 / 0.95 / 0.99, the ratios Quiver/hnswlib and
// Quiver/FAISS, writes every sweep point to a CSV, and exports the dataset for the end-to-end
// mode (bench/ann_e2e.js).
//
//   ann [--quick] [--dataset=fashion|synthetic|all] [--only=NAME,NAME] [--out=DIR] [--cache=DIR]

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <hnswlib/hnswlib.h>
#include <omp.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_pool.h"
#include "index/flat/flat_search.h"
#include "index/registry.h"
#include "index/vector_index.h"

using namespace quiver;
using namespace quiver::index;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kK = 10;
constexpr int kBuildThreads = 2;

struct Dataset {
  std::string name;
  size_t n = 0, dim = 0, nq = 0;
  std::vector<float> base, queries;
  std::vector<int32_t> truth;  // nq * kK
};

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// ---- datasets ---------------------------------------------------------------------------------

bool ReadIdxImages(const std::string& path, size_t limit, std::vector<float>* out, size_t* rows, size_t* dim) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  unsigned char header[16];
  if (gzread(f, header, 16) != 16) {
    gzclose(f);
    return false;
  }
  auto be = [&](int at) { return (size_t{header[at]} << 24) | (size_t{header[at + 1]} << 16) | (size_t{header[at + 2]} << 8) | header[at + 3]; };
  size_t count = std::min(be(4), limit), d = be(8) * be(12);
  std::vector<unsigned char> pixels(count * d);
  int got = gzread(f, pixels.data(), static_cast<unsigned>(pixels.size()));
  gzclose(f);
  if (got != static_cast<int>(pixels.size())) return false;
  out->assign(pixels.begin(), pixels.end());  // ann-benchmarks uses the raw 0..255 values
  *rows = count;
  *dim = d;
  return true;
}

Dataset FashionMnist(bool quick) {
  Dataset ds;
  ds.name = quick ? "fashion-mnist-quick" : "fashion-mnist-784";
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  size_t d2 = 0;
  if (!ReadIdxImages(dir + "train-images-idx3-ubyte.gz", quick ? 10000 : 60000, &ds.base, &ds.n, &ds.dim) ||
      !ReadIdxImages(dir + "t10k-images-idx3-ubyte.gz", quick ? 500 : 10000, &ds.queries, &ds.nq, &d2)) {
    std::fprintf(stderr, "Fashion-MNIST not found under %s (apt-get install dataset-fashion-mnist)\n", dir.c_str());
    std::exit(2);
  }
  return ds;
}

Dataset Synthetic(bool quick) {
  Dataset ds;
  ds.name = quick ? "synthetic-100k-128" : "synthetic-1m-128";
  ds.n = quick ? 100000 : 1000000;
  ds.dim = 128;
  ds.nq = quick ? 500 : 1000;
  const size_t clusters = quick ? 200 : 1000;
  std::mt19937_64 rng(2024);
  std::normal_distribution<float> gauss;
  std::uniform_real_distribution<float> spread(0.05f, 1.5f);
  // Each cluster has its own per-dimension spread (anisotropic), centers far apart.
  std::vector<float> centers(clusters * ds.dim), scales(clusters * ds.dim);
  for (auto& c : centers) c = gauss(rng) * 3;
  for (auto& s : scales) s = spread(rng);
  auto sample = [&](float* v) {
    size_t c = rng() % clusters;
    for (size_t d = 0; d < ds.dim; ++d) v[d] = centers[c * ds.dim + d] + gauss(rng) * scales[c * ds.dim + d];
  };
  ds.base.resize(ds.n * ds.dim);
  ds.queries.resize(ds.nq * ds.dim);
  for (size_t i = 0; i < ds.n; ++i) sample(ds.base.data() + i * ds.dim);
  for (size_t q = 0; q < ds.nq; ++q) sample(ds.queries.data() + q * ds.dim);
  return ds;
}

template <typename T>
void WriteBlob(const std::filesystem::path& path, uint32_t rows, uint32_t cols, const std::vector<T>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&rows), 4);
  out.write(reinterpret_cast<const char*>(&cols), 4);
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
}

template <typename T>
bool ReadBlob(const std::filesystem::path& path, uint32_t rows, uint32_t cols, std::vector<T>* values) {
  std::ifstream in(path, std::ios::binary);
  uint32_t r = 0, c = 0;
  if (!in.read(reinterpret_cast<char*>(&r), 4) || !in.read(reinterpret_cast<char*>(&c), 4) || r != rows || c != cols) return false;
  values->resize(size_t{rows} * cols);
  return static_cast<bool>(in.read(reinterpret_cast<char*>(values->data()), static_cast<std::streamsize>(values->size() * sizeof(T))));
}

// Exact top-10 by Quiver's FLAT scan (checked against a scalar recomputation of a sample), cached.
void GroundTruth(Dataset* ds, const std::filesystem::path& cache) {
  std::filesystem::create_directories(cache);
  auto path = cache / (ds->name + ".gt.i32");
  if (ReadBlob(path, static_cast<uint32_t>(ds->nq), kK, &ds->truth)) {
    std::printf("[%s] ground truth from cache %s\n", ds->name.c_str(), path.c_str());
    return;
  }
  auto t0 = Clock::now();
  ThreadPool pool("gt", 2, 64);
  ds->truth.assign(ds->nq * kK, -1);
  FlatSearchParams params{MetricType::kL2, ds->dim, std::nullopt, std::nullopt};
  const size_t block = 64;
  pool.ParallelFor((ds->nq + block - 1) / block, [&](size_t b) {
    size_t from = b * block, to = std::min(ds->nq, from + block);
    std::vector<TopK> heaps(to - from, TopK(kK, false));
    std::span<const float> q(ds->queries.data() + from * ds->dim, (to - from) * ds->dim);
    (void)FlatSearch(params, q, ds->base.data(), ds->n, nullptr, 0, 0, &heaps).ok();
    for (size_t i = from; i < to; ++i) {
      auto hits = heaps[i - from].Sorted();
      for (size_t j = 0; j < hits.size(); ++j) ds->truth[i * kK + j] = static_cast<int32_t>(hits[j].id);
    }
  });
  // Spot check the first query against a double-precision scan.
  std::vector<std::pair<double, int32_t>> exact;
  for (size_t i = 0; i < ds->n; ++i) {
    double s = 0;
    for (size_t d = 0; d < ds->dim; ++d) {
      double diff = double(ds->queries[d]) - ds->base[i * ds->dim + d];
      s += diff * diff;
    }
    exact.push_back({s, static_cast<int32_t>(i)});
  }
  std::partial_sort(exact.begin(), exact.begin() + kK, exact.end());
  size_t agree = 0;
  for (size_t j = 0; j < kK; ++j) {
    for (size_t i = 0; i < kK; ++i) agree += ds->truth[i] == exact[j].second;
  }
  if (agree < kK - 1) {
    std::fprintf(stderr, "ground truth disagrees with the scalar check (%zu/%zu)\n", agree, kK);
    std::exit(3);
  }
  WriteBlob(path, static_cast<uint32_t>(ds->nq), kK, ds->truth);
  std::printf("[%s] ground truth computed in %.1f s, cached in %s\n", ds->name.c_str(), Seconds(t0), path.c_str());
}

// ---- contenders -------------------------------------------------------------------------------

// One index under test: a build, a way to set the search parameter, and a one-query search that
// writes k ids. search() must be callable from several threads at once for one parameter value.
struct Contender {
  std::string name;
  std::string param_name;
  std::vector<int> sweep;
  std::function<void()> build;
  std::function<void(int)> set_param;
  std::function<void(const float*, int64_t*)> search;
  std::function<void()> release;
};

Contender Named(std::string name, std::string param_name, std::vector<int> sweep) {
  Contender c;
  c.name = std::move(name);
  c.param_name = std::move(param_name);
  c.sweep = std::move(sweep);
  return c;
}

struct Point {
  int param;
  int threads;
  double recall;
  double qps;
};

struct RunResult {
  std::string dataset, name, param_name;
  double build_s = 0, memory_mb = 0;
  std::vector<Point> points;
};

double Recall(const Dataset& ds, const std::vector<int64_t>& ids) {
  size_t found = 0;
  for (size_t q = 0; q < ds.nq; ++q) {
    std::set<int64_t> want(ds.truth.begin() + q * kK, ds.truth.begin() + (q + 1) * kK);
    for (size_t j = 0; j < kK; ++j) found += want.count(ids[q * kK + j]);
  }
  return double(found) / double(ds.nq * kK);
}

Point Measure(const Dataset& ds, Contender& c, int param, int threads) {
  c.set_param(param);
  std::vector<int64_t> ids(ds.nq * kK, -1);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    omp_set_num_threads(1);
    for (size_t q = next.fetch_add(1); q < ds.nq; q = next.fetch_add(1)) c.search(ds.queries.data() + q * ds.dim, ids.data() + q * kK);
  };
  // Warm up caches with a few queries, then time the whole set.
  for (size_t q = 0; q < std::min<size_t>(ds.nq, 20); ++q) c.search(ds.queries.data() + q * ds.dim, ids.data() + q * kK);
  auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  double elapsed = Seconds(t0);
  return {param, threads, Recall(ds, ids), double(ds.nq) / elapsed};
}

RunResult Run(const Dataset& ds, Contender& c) {
  RunResult r;
  r.dataset = ds.name;
  r.name = c.name;
  r.param_name = c.param_name;
  omp_set_num_threads(kBuildThreads);
  size_t rss0 = RssBytes();
  auto t0 = Clock::now();
  c.build();
  r.build_s = Seconds(t0);
  r.memory_mb = double(RssBytes() > rss0 ? RssBytes() - rss0 : 0) / (1 << 20);
  std::printf("[%s] %-18s built in %7.2f s, +%.0f MB\n", ds.name.c_str(), c.name.c_str(), r.build_s, r.memory_mb);
  std::fflush(stdout);
  bool reached = false;
  double previous = -1;
  int flat = 0;
  for (int param : c.sweep) {
    Point one = Measure(ds, c, param, 1);
    r.points.push_back(one);
    if (one.recall >= 0.85) r.points.push_back(Measure(ds, c, param, 2));
    std::printf("    %s=%-5d recall@10 %.4f  QPS %9.0f (1 thread)%s\n", c.param_name.c_str(), param, one.recall, one.qps,
                one.recall >= 0.85 ? (" " + std::to_string(int(r.points.back().qps)) + " (2 threads)").c_str() : "");
    std::fflush(stdout);
    if (reached) break;          // one point past 0.995 is enough: QPS only falls from here
    reached = one.recall >= 0.995;
    flat = one.recall < previous + 0.001 ? flat + 1 : 0;
    if (flat >= 2) break;        // recall has plateaued (quantization limit): more probes only cost
    previous = one.recall;
  }
  c.release();
  return r;
}

std::vector<Contender> Contenders(const Dataset& ds, bool quick) {
  std::vector<Contender> out;
  const size_t n = ds.n, dim = ds.dim;
  const float* base = ds.base.data();
  const std::vector<int> efs = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512};
  const size_t nlist = n >= 500000 ? 1024 : n >= 50000 ? 256 : 128;
  const std::vector<int> nprobes = {1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256};
  size_t pq_m = dim / 4;
  (void)quick;

  // Quiver families through the VectorIndex contract, as the querynode uses them.
  auto quiver = [&](std::string label, std::string family, std::map<std::string, std::string> params, std::string knob,
                    std::vector<int> sweep) {
    auto holder = std::make_shared<std::unique_ptr<VectorIndex>>();
    auto options = std::make_shared<SearchOptions>();
    Contender c;
    c.name = label;
    c.param_name = knob;
    c.sweep = sweep;
    c.build = [=, &ds] {
      auto spec = IndexRegistry::Builtin().ResolveBuild(family, schema::DataType::kFloatVector, int64_t(dim), MetricType::kL2, params);
      ThreadPool pool("build", kBuildThreads, 1024);
      auto built = BuildVectorIndex(*spec, {schema::DataType::kFloatVector, ds.base.data(), n, dim}, &pool, nullptr);
      if (!built.ok()) {
        std::fprintf(stderr, "%s build failed: %s\n", family.c_str(), built.status().ToString().c_str());
        std::exit(4);
      }
      *holder = std::move(built).value();
    };
    c.set_param = [=](int v) {
      options->k = kK;
      options->params = {{knob, double(v)}};
    };
    c.search = [=](const float* q, int64_t* ids) {
      std::vector<TopK> heap(1, TopK(kK, false));
      (void)(*holder)->Search({schema::DataType::kFloatVector, q, 1, dim}, *options, &heap).ok();
      auto hits = heap[0].Sorted();
      for (size_t j = 0; j < hits.size(); ++j) ids[j] = hits[j].id;
    };
    c.release = [=] { holder->reset(); };
    out.push_back(std::move(c));
  };
  quiver("quiver-hnsw", "HNSW", {{"M", "16"}, {"efConstruction", "200"}}, "ef", efs);

  {  // hnswlib, M=16, efConstruction=200, parallel addPoint
    auto space = std::make_shared<hnswlib::L2Space>(dim);
    auto index = std::make_shared<std::unique_ptr<hnswlib::HierarchicalNSW<float>>>();
    Contender c = Named("hnswlib", "ef", efs);
    c.build = [=] {
      *index = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), n, 16, 200, 42);
      (*index)->addPoint(base, 0);
      std::atomic<size_t> next{1};
      std::vector<std::thread> threads;
      for (int t = 0; t < kBuildThreads; ++t) {
        threads.emplace_back([&] {
          for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) (*index)->addPoint(base + i * dim, i);
        });
      }
      for (auto& t : threads) t.join();
    };
    c.set_param = [=](int v) { (*index)->setEf(size_t(v)); };
    c.search = [=](const float* q, int64_t* ids) {
      auto result = (*index)->searchKnn(q, kK);
      for (size_t j = result.size(); j-- > 0;) {
        ids[j] = int64_t(result.top().second);
        result.pop();
      }
    };
    c.release = [=] { index->reset(); };
    out.push_back(std::move(c));
  }
  {  // FAISS HNSWFlat
    auto index = std::make_shared<std::unique_ptr<faiss::IndexHNSWFlat>>();
    Contender c = Named("faiss-hnsw", "ef", efs);
    c.build = [=] {
      *index = std::make_unique<faiss::IndexHNSWFlat>(int(dim), 16);
      (*index)->hnsw.efConstruction = 200;
      (*index)->add(faiss::Index::idx_t(n), base);
    };
    c.set_param = [=](int v) { (*index)->hnsw.efSearch = v; };
    c.search = [=](const float* q, int64_t* ids) {
      float d[kK];
      (*index)->search(1, q, kK, d, ids);
    };
    c.release = [=] { index->reset(); };
    out.push_back(std::move(c));
  }
  quiver("quiver-ivf-flat", "IVF_FLAT", {{"nlist", std::to_string(nlist)}}, "nprobe", nprobes);
  quiver("quiver-ivf-sq8", "IVF_SQ8", {{"nlist", std::to_string(nlist)}}, "nprobe", nprobes);
  quiver("quiver-ivf-pq", "IVF_PQ", {{"nlist", std::to_string(nlist)}, {"m", std::to_string(pq_m)}, {"nbits", "8"}}, "nprobe",
         nprobes);
  auto faiss_ivf = [&](std::string label, bool pq) {
    auto quantizer = std::make_shared<std::unique_ptr<faiss::IndexFlatL2>>();
    auto index = std::make_shared<std::unique_ptr<faiss::IndexIVF>>();
    Contender c = Named(label, "nprobe", nprobes);
    c.build = [=] {
      *quantizer = std::make_unique<faiss::IndexFlatL2>(int(dim));
      if (pq) {
        auto ivfpq = std::make_unique<faiss::IndexIVFPQ>(quantizer->get(), dim, nlist, pq_m, 8);
        // The same training budget as Quiver's PQ: 64 points per code, 10 iterations.
        ivfpq->pq.cp.max_points_per_centroid = 64;
        ivfpq->pq.cp.niter = 10;
        *index = std::move(ivfpq);
      } else {
        *index = std::make_unique<faiss::IndexIVFFlat>(quantizer->get(), dim, nlist);
      }
      size_t train = std::min(n, nlist * 256);  // as Quiver samples
      (*index)->train(faiss::Index::idx_t(train), base);
      (*index)->add(faiss::Index::idx_t(n), base);
    };
    c.set_param = [=](int v) { (*index)->nprobe = size_t(v); };
    c.search = [=](const float* q, int64_t* ids) {
      float d[kK];
      (*index)->search(1, q, kK, d, ids);
    };
    c.release = [=] {
      index->reset();
      quantizer->reset();
    };
    out.push_back(std::move(c));
  };
  faiss_ivf("faiss-ivf-flat", false);
  faiss_ivf("faiss-ivf-pq", true);
  return out;
}

// Best QPS among points with recall >= target (0 if none reaches it).
double QpsAt(const RunResult& r, double target, int threads) {
  double best = 0;
  for (const Point& p : r.points) {
    if (p.threads == threads && p.recall >= target) best = std::max(best, p.qps);
  }
  return best;
}

const RunResult* Find(const std::vector<RunResult>& results, const std::string& dataset, const std::string& name) {
  for (const auto& r : results) {
    if (r.dataset == dataset && r.name == name) return &r;
  }
  return nullptr;
}

void Report(const std::vector<RunResult>& results, const std::vector<std::string>& datasets, const std::filesystem::path& out) {
  std::filesystem::create_directories(out);
  std::ofstream csv(out / "ann.csv");
  csv << "dataset,index,param_name,param,threads,recall,qps,build_s,memory_mb\n";
  for (const auto& r : results) {
    for (const auto& p : r.points) {
      csv << r.dataset << ',' << r.name << ',' << r.param_name << ',' << p.param << ',' << p.threads << ',' << p.recall << ','
          << p.qps << ',' << r.build_s << ',' << r.memory_mb << '\n';
    }
  }
  std::ofstream summary(out / "ann_summary.csv");
  summary << "dataset,index,build_s,memory_mb,qps90_1t,qps95_1t,qps99_1t,qps90_2t,qps95_2t,qps99_2t\n";
  for (const std::string& dataset : datasets) {
    std::printf("\n== %s: QPS at recall@10 (best over the parameter sweep; 0 = not reached) ==\n", dataset.c_str());
    std::printf("%-18s %8s %8s | %9s %9s %9s | %9s %9s %9s\n", "index", "build s", "mem MB", "0.90 1t", "0.95 1t", "0.99 1t",
                "0.90 2t", "0.95 2t", "0.99 2t");
    for (const auto& r : results) {
      if (r.dataset != dataset) continue;
      std::printf("%-18s %8.2f %8.0f | %9.0f %9.0f %9.0f | %9.0f %9.0f %9.0f\n", r.name.c_str(), r.build_s, r.memory_mb,
                  QpsAt(r, 0.90, 1), QpsAt(r, 0.95, 1), QpsAt(r, 0.99, 1), QpsAt(r, 0.90, 2), QpsAt(r, 0.95, 2),
                  QpsAt(r, 0.99, 2));
      summary << dataset << ',' << r.name << ',' << r.build_s << ',' << r.memory_mb;
      for (int t : {1, 2}) {
        for (double target : {0.90, 0.95, 0.99}) summary << ',' << QpsAt(r, target, t);
      }
      summary << '\n';
    }
    std::printf("ratios (QPS at the same recall; build time, lower is better for Quiver when < 1):\n");
    auto ratio = [&](const char* ours, const char* theirs, std::vector<double> targets) {
      const RunResult* a = Find(results, dataset, ours);
      const RunResult* b = Find(results, dataset, theirs);
      if (a == nullptr || b == nullptr) return;
      std::printf("  %-16s / %-15s", ours, theirs);
      for (int t : {1, 2}) {
        for (double target : targets) {
          double x = QpsAt(*a, target, t), y = QpsAt(*b, target, t);
          if (x > 0 && y > 0) {
            std::printf("  %.2f@%.2f/%dt", x / y, target, t);
          } else {
            std::printf("  n/a@%.2f/%dt", target, t);
          }
        }
      }
      std::printf("  build %.2f\n", a->build_s / b->build_s);
    };
    ratio("quiver-hnsw", "hnswlib", {0.90, 0.95, 0.99});
    ratio("quiver-hnsw", "faiss-hnsw", {0.90, 0.95, 0.99});
    ratio("quiver-ivf-flat", "faiss-ivf-flat", {0.90, 0.95, 0.99});
    // PQ codes without re-ranking top out well below 0.9 recall@10: compare lower on the curve.
    ratio("quiver-ivf-pq", "faiss-ivf-pq", {0.40, 0.50});
  }
  std::printf("\nwrote %s and %s\n", (out / "ann.csv").c_str(), (out / "ann_summary.csv").c_str());
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string which = "all";
  std::set<std::string> only;
  std::filesystem::path out = "bench/results", cache = "bench/results/cache";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") quick = true;
    else if (arg.rfind("--dataset=", 0) == 0) which = arg.substr(10);
    else if (arg.rfind("--out=", 0) == 0) out = arg.substr(6);
    else if (arg.rfind("--cache=", 0) == 0) cache = arg.substr(8);
    else if (arg.rfind("--only=", 0) == 0) {
      std::string names = arg.substr(7);
      for (size_t at = 0; at <= names.size();) {
        size_t comma = names.find(',', at);
        if (comma == std::string::npos) comma = names.size();
        only.insert(names.substr(at, comma - at));
        at = comma + 1;
      }
    }
    else {
      std::fprintf(stderr, "usage: ann [--quick] [--dataset=fashion|synthetic|all] [--only=NAME,...] [--out=DIR] [--cache=DIR]\n");
      return 1;
    }
  }
  std::printf("ann: k=%zu, builds with %d threads, searches one query at a time per thread, %s kernels\n", kK, kBuildThreads,
              std::string(SimdLevelName(Kernels().level)).c_str());
  std::vector<RunResult> results;
  std::vector<std::string> names;
  std::vector<std::function<Dataset()>> makers;
  if (which == "all" || which == "fashion") makers.push_back([quick] { return FashionMnist(quick); });
  if (which == "all" || which == "synthetic") makers.push_back([quick] { return Synthetic(quick); });
  for (auto& make : makers) {
    Dataset ds = make();
    std::printf("\n[%s] %zu x %zu base, %zu queries\n", ds.name.c_str(), ds.n, ds.dim, ds.nq);
    GroundTruth(&ds, cache);
    // Export for the end-to-end mode (bench/ann_e2e.js).
    WriteBlob(cache / (ds.name + ".base.f32"), uint32_t(ds.n), uint32_t(ds.dim), ds.base);
    WriteBlob(cache / (ds.name + ".query.f32"), uint32_t(ds.nq), uint32_t(ds.dim), ds.queries);
    names.push_back(ds.name);
    for (Contender& c : Contenders(ds, quick)) {
      if (only.empty() || only.count(c.name)) results.push_back(Run(ds, c));
    }
  }
  Report(results, names, out);
  return 0;
}
