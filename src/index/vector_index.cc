#include "index/vector_index.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "common/coding.h"
#include "common/checksummed.h"
#include "index/families.h"
#include "index/flat/flat_search.h"
#include "index/registry.h"

namespace quiver::index {

namespace {
constexpr std::string_view kMagic = "QVRINDX1";
}  // namespace

size_t VectorView::RowBytes() const {
  switch (type) {
    case schema::DataType::kFloatVector: return dim * 4;
    case schema::DataType::kFloat16Vector:
    case schema::DataType::kBFloat16Vector: return dim * 2;
    case schema::DataType::kBinaryVector: return dim / 8;
    default: return 0;
  }
}

VectorView ColumnVectors(const schema::ColumnChunk& column, size_t rows) {
  VectorView view{column.type, column.data.data(), rows, static_cast<size_t>(column.dim)};
  if (column.type == schema::DataType::kSparseFloatVector) {
    view.offsets = reinterpret_cast<const uint64_t*>(column.offsets.data());
  }
  return view;
}

std::vector<std::pair<uint32_t, float>> SparseRow(const VectorView& view, size_t row) {
  const uint8_t* base = static_cast<const uint8_t*>(view.data);
  size_t begin = view.offsets[row], end = view.offsets[row + 1];
  std::vector<std::pair<uint32_t, float>> out((end - begin) / 8);
  for (size_t i = 0; i < out.size(); ++i) {
    std::memcpy(&out[i].first, base + begin + i * 8, 4);
    std::memcpy(&out[i].second, base + begin + i * 8 + 4, 4);
  }
  return out;
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalize
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

uint16_t FloatToHalf(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  if (exp >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t half = mant >> shift;
    uint32_t rest = mant & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;  // may carry into the exponent: correct
  return static_cast<uint16_t>(sign | half);
}

float BFloat16ToFloat(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t FloatToBFloat16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((x >> 16) | 0x40);  // NaN stays NaN
  x += 0x7fff + ((x >> 16) & 1);  // round to nearest even
  return static_cast<uint16_t>(x >> 16);
}

std::vector<float> ToFloats(const VectorView& view) {
  std::vector<float> out(view.rows * view.dim);
  if (view.type == schema::DataType::kFloatVector) {
    if (!out.empty()) std::memcpy(out.data(), view.data, out.size() * sizeof(float));
    return out;
  }
  const uint16_t* in = static_cast<const uint16_t*>(view.data);
  if (view.type == schema::DataType::kFloat16Vector) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = HalfToFloat(in[i]);
  } else {
    for (size_t i = 0; i < out.size(); ++i) out[i] = BFloat16ToFloat(in[i]);
  }
  return out;
}

VectorView QueryBatch::View() const {
  VectorView view{field_type, nullptr, 0, dim};
  const bool half = field_type == schema::DataType::kFloat16Vector || field_type == schema::DataType::kBFloat16Vector;
  if (field_type == schema::DataType::kFloatVector || (half && !floats.empty())) {
    view.type = schema::DataType::kFloatVector;
    view.data = floats.data();
    view.rows = dim == 0 ? 0 : floats.size() / dim;
    return view;
  }
  view.data = raw.data();
  if (field_type == schema::DataType::kSparseFloatVector) {
    view.offsets = sparse_offsets.data();
    view.rows = sparse_offsets.empty() ? 0 : sparse_offsets.size() - 1;
  } else {
    view.rows = view.RowBytes() == 0 ? 0 : raw.size() / view.RowBytes();
  }
  return view;
}

size_t QueryBatch::nq() const { return View().rows; }

bool QueriesFit(schema::DataType query, schema::DataType data) {
  return query == data || (query == schema::DataType::kFloatVector &&
                           (data == schema::DataType::kFloat16Vector || data == schema::DataType::kBFloat16Vector));
}

double ParamOr(const std::map<std::string, double>& params, std::string_view name, double fallback) {
  auto it = params.find(std::string(name));
  return it == params.end() ? fallback : it->second;
}

Status CheckQueries(const VectorIndex& index, const VectorView& queries, const std::vector<TopK>& heaps) {
  if (!QueriesFit(queries.type, index.vector_type())) {
    return Status::InvalidArgument("query vectors are " + std::string(schema::DataTypeName(queries.type)) +
                                   ", the index holds " + std::string(schema::DataTypeName(index.vector_type())));
  }
  if (queries.type != schema::DataType::kSparseFloatVector && queries.dim != index.dim()) {
    return Status::InvalidArgument("query dimension " + std::to_string(queries.dim) + " does not match the index (" +
                                   std::to_string(index.dim()) + ")");
  }
  if (heaps.size() != queries.rows) return Status::InvalidArgument("one result heap per query is required");
  return Status::OK();
}

Result<std::unique_ptr<VectorIndex>> BuildVectorIndex(const IndexBuildSpec& spec, const VectorView& data,
                                                      ThreadPool* pool, const ProgressFn& progress) {
  const IndexFamily* family = IndexRegistry::Builtin().Find(spec.family);
  if (family == nullptr || family->build == nullptr) {
    return Status::InvalidArgument("index type " + spec.family + " cannot be built");
  }
  if (data.type != spec.vector_type || (data.type != schema::DataType::kSparseFloatVector && data.dim != spec.dim)) {
    return Status::InvalidArgument("vectors do not match the index's type or dimension");
  }
  return family->build(spec, data, pool, progress);
}

// [magic 8][fixed32 payload offset][fixed64 payload size][family, metric, type, dim][zeros to the
// 64-byte aligned payload offset][payload][masked CRC32C of everything before]
std::string SerializeVectorIndex(const VectorIndex& index) {
  std::string header;
  PutLengthPrefixed(&header, index.family());
  PutVarint64(&header, static_cast<uint64_t>(index.metric()));
  PutVarint64(&header, static_cast<uint64_t>(index.vector_type()));
  PutVarint64(&header, index.dim());
  std::string payload = index.SerializePayload();
  size_t offset = (kMagic.size() + 4 + 8 + header.size() + 63) / 64 * 64;
  std::string out(kMagic);
  PutFixed32(&out, static_cast<uint32_t>(offset));
  PutFixed64(&out, payload.size());
  out += header;
  out.resize(offset, '\0');
  out += payload;
  SealChecksummed(&out);
  return out;
}

Result<std::unique_ptr<VectorIndex>> LoadVectorIndex(std::string_view file, std::shared_ptr<const void> backing) {
  QUIVER_ASSIGN_OR_RETURN(std::string_view after_magic, UnwrapChecksummed(file, kMagic, "a Quiver index file"));
  std::string_view body = file.substr(0, kMagic.size() + after_magic.size());  // offsets count from the start
  Decoder in(after_magic);
  std::string_view family_name, payload;
  uint32_t offset;
  uint64_t metric, type, dim, size;
  if (!in.GetFixed32(&offset) || !in.GetFixed64(&size) || !in.GetLengthPrefixed(&family_name) ||
      !in.GetVarint64(&metric) || !in.GetVarint64(&type) || !in.GetVarint64(&dim) || offset > body.size() ||
      size > body.size() - offset) {
    return Status::Corruption("index file header malformed");
  }
  payload = body.substr(offset, size);
  if (metric > static_cast<uint64_t>(MetricType::kBM25)) return Status::Corruption("index file metric unknown");
  const IndexFamily* family = IndexRegistry::Builtin().Find(family_name);
  if (family == nullptr || family->load == nullptr) {
    return Status::InvalidArgument("index file of unknown family " + std::string(family_name));
  }
  return family->load(payload, static_cast<MetricType>(metric), static_cast<schema::DataType>(type), dim, backing);
}

Status RangeSearch(const VectorIndex& index, const VectorView& queries, const SearchOptions& options,
                   std::vector<std::vector<Hit>>* out) {
  const bool higher = HigherIsBetter(index.metric());
  FlatSearchParams bounds;
  bounds.metric = index.metric();
  bounds.radius = options.radius;
  bounds.range_filter = options.range_filter;
  size_t limit = options.allowed ? options.allowed->Count() : index.size();
  out->assign(queries.rows, {});
  for (size_t q = 0; q < queries.rows; ++q) {
    VectorView one = queries;
    one.rows = 1;
    if (queries.type == schema::DataType::kSparseFloatVector) {
      one.offsets = queries.offsets + q;
    } else {
      one.data = queries.Row(q);
    }
    // Ask for twice as many hits until the worst one lies beyond the outer bound or k of them
    // are in range (with only an inner bound, range_filter, the hits before it are skipped).
    size_t want = std::max<size_t>(options.k, 16);
    std::vector<Hit> hits;
    while (true) {
      SearchOptions wider = options;
      wider.k = std::min(want, std::max<size_t>(limit, 1));
      wider.radius.reset();
      wider.range_filter.reset();
      wider.params["ef"] = std::max(options.Param("ef", 0), static_cast<double>(wider.k));
      std::vector<TopK> heap(1, TopK(wider.k, higher));
      QUIVER_RETURN_IF_ERROR(index.Search(one, wider, &heap));
      hits = heap[0].Sorted();
      bool exhausted = hits.size() < wider.k || wider.k >= limit;
      bool beyond = options.radius.has_value() && !hits.empty() &&
                    (higher ? hits.back().distance <= *options.radius : hits.back().distance >= *options.radius);
      size_t in_range = 0;
      for (const Hit& hit : hits) in_range += InRange(bounds, hit.distance) ? 1 : 0;
      if (exhausted || beyond || in_range >= options.k) break;
      want *= 2;
    }
    for (const Hit& hit : hits) {
      if ((*out)[q].size() >= options.k) break;
      if (InRange(bounds, hit.distance)) (*out)[q].push_back(hit);
    }
  }
  return Status::OK();
}

}  // namespace quiver::index
