#include "coord/catalog_codec.h"

#include <nlohmann/json.hpp>

namespace quiver::coord {

using Json = nlohmann::json;

namespace {

Json KvToJson(const cluster::KeyValues& kvs) {
  Json out = Json::array();
  for (const auto& [k, v] : kvs) out.push_back({k, v});
  return out;
}

cluster::KeyValues KvFromJson(const Json& j) {
  cluster::KeyValues out;
  if (j.is_array()) {
    for (const auto& pair : j) out.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  return out;
}

template <typename Fn>
auto Decode(std::string_view text, Fn fn) -> decltype(fn(std::declval<const Json&>())) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Corruption("catalog entry is not JSON");
  try {
    return fn(j);
  } catch (const std::exception& e) {
    return Status::Corruption("catalog entry malformed", e.what());
  }
}

Json IndexToJson(const cluster::IndexInfo& i) {
  return {{"id", i.id}, {"name", i.name}, {"field_id", i.field_id}, {"field_name", i.field_name},
          {"index_type", i.index_type}, {"metric_type", i.metric_type}, {"params", KvToJson(i.params)},
          {"created_ts", i.created_ts}};
}

cluster::IndexInfo IndexFromJson(const Json& i) {
  cluster::IndexInfo index;
  index.id = i.at("id").get<int64_t>();
  index.name = i.at("name").get<std::string>();
  index.field_id = i.at("field_id").get<int64_t>();
  index.field_name = i.at("field_name").get<std::string>();
  index.index_type = i.at("index_type").get<std::string>();
  index.metric_type = i.at("metric_type").get<std::string>();
  index.params = KvFromJson(i.at("params"));
  index.created_ts = i.at("created_ts").get<uint64_t>();
  return index;
}

}  // namespace

std::string EncodeIndex(const cluster::IndexInfo& index) { return IndexToJson(index).dump(); }

Result<cluster::IndexInfo> DecodeIndex(std::string_view json) {
  return Decode(json, [](const Json& j) -> Result<cluster::IndexInfo> { return IndexFromJson(j); });
}

std::string EncodeDatabase(const cluster::DatabaseInfo& db) {
  return Json{{"id", db.id}, {"name", db.name}, {"created_ts", db.created_ts}, {"properties", KvToJson(db.properties)}}.dump();
}

Result<cluster::DatabaseInfo> DecodeDatabase(std::string_view json) {
  return Decode(json, [](const Json& j) -> Result<cluster::DatabaseInfo> {
    cluster::DatabaseInfo db;
    db.id = j.at("id").get<int64_t>();
    db.name = j.at("name").get<std::string>();
    db.created_ts = j.at("created_ts").get<uint64_t>();
    db.properties = KvFromJson(j.value("properties", Json::array()));
    return db;
  });
}

std::string EncodeCollection(const cluster::CollectionInfo& c) {
  Json j;
  j["id"] = c.id;
  j["db_id"] = c.db_id;
  j["db_name"] = c.db_name;
  j["name"] = c.name;
  j["schema"] = Json::parse(schema::SchemaToJson(*c.schema));
  j["shards"] = c.shards;
  j["channels"] = Json::array();
  for (const auto& ch : c.channels) j["channels"].push_back({{"name", ch.name}, {"uid", ch.uid}});
  j["consistency_level"] = c.consistency_level;
  j["properties"] = KvToJson(c.properties);
  j["created_ts"] = c.created_ts;
  j["updated_ts"] = c.updated_ts;
  j["num_partitions"] = c.num_partitions;
  j["partitions"] = Json::array();
  for (const auto& p : c.partitions) {
    j["partitions"].push_back({{"id", p.id}, {"name", p.name}, {"slot", p.slot}, {"created_ts", p.created_ts}});
  }
  j["indexes"] = Json::array();
  for (const auto& i : c.indexes) j["indexes"].push_back(IndexToJson(i));
  j["aliases"] = c.aliases;
  j["loaded_partitions"] = c.loaded_partitions;
  j["replica_number"] = c.replica_number;
  return j.dump();
}

Result<cluster::CollectionInfo> DecodeCollection(std::string_view json) {
  return Decode(json, [](const Json& j) -> Result<cluster::CollectionInfo> {
    cluster::CollectionInfo c;
    c.id = j.at("id").get<int64_t>();
    c.db_id = j.at("db_id").get<int64_t>();
    c.db_name = j.at("db_name").get<std::string>();
    c.name = j.at("name").get<std::string>();
    QUIVER_ASSIGN_OR_RETURN(schema::CollectionSchema s, schema::SchemaFromJson(j.at("schema").dump()));
    c.schema = std::make_shared<const schema::CollectionSchema>(std::move(s));
    c.shards = j.at("shards").get<int32_t>();
    for (const auto& ch : j.at("channels")) c.channels.push_back({ch.at("name").get<std::string>(), ch.at("uid").get<uint64_t>()});
    c.consistency_level = j.at("consistency_level").get<int32_t>();
    c.properties = KvFromJson(j.value("properties", Json::array()));
    c.created_ts = j.at("created_ts").get<uint64_t>();
    c.updated_ts = j.value("updated_ts", c.created_ts);
    c.num_partitions = j.value("num_partitions", int64_t{0});
    for (const auto& p : j.at("partitions")) {
      c.partitions.push_back({p.at("id").get<int64_t>(), p.at("name").get<std::string>(),
                              p.at("slot").get<uint32_t>(), p.at("created_ts").get<uint64_t>()});
    }
    for (const auto& i : j.at("indexes")) c.indexes.push_back(IndexFromJson(i));
    c.aliases = j.value("aliases", std::vector<std::string>{});
    c.loaded_partitions = j.value("loaded_partitions", std::vector<int64_t>{});
    c.replica_number = j.value("replica_number", int32_t{1});
    return c;
  });
}

std::string EncodeSegment(const cluster::SegmentInfo& s) {
  return Json{{"id", s.id}, {"collection_id", s.collection_id}, {"partition_id", s.partition_id},
              {"channel", s.channel}, {"epoch", s.epoch}, {"rows", s.rows}, {"object_key", s.object_key}}.dump();
}

Result<cluster::SegmentInfo> DecodeSegment(std::string_view json) {
  return Decode(json, [](const Json& j) -> Result<cluster::SegmentInfo> {
    return cluster::SegmentInfo{j.at("id").get<int64_t>(), j.at("collection_id").get<int64_t>(),
                                j.at("partition_id").get<int64_t>(), j.at("channel").get<std::string>(),
                                j.at("epoch").get<uint64_t>(), j.at("rows").get<size_t>(),
                                j.at("object_key").get<std::string>()};
  });
}

std::string EncodeSegmentIndex(const cluster::SegmentIndexInfo& i) {
  return Json{{"segment_id", i.segment_id}, {"collection_id", i.collection_id}, {"index_id", i.index_id},
              {"field_id", i.field_id}, {"family", i.family}, {"rows", i.rows}, {"bytes", i.bytes},
              {"object_key", i.object_key}}.dump();
}

Result<cluster::SegmentIndexInfo> DecodeSegmentIndex(std::string_view json) {
  return Decode(json, [](const Json& j) -> Result<cluster::SegmentIndexInfo> {
    return cluster::SegmentIndexInfo{j.at("segment_id").get<int64_t>(), j.at("collection_id").get<int64_t>(),
                                     j.at("index_id").get<int64_t>(), j.at("field_id").get<schema::FieldId>(),
                                     j.at("family").get<std::string>(), j.at("rows").get<size_t>(),
                                     j.at("bytes").get<uint64_t>(), j.at("object_key").get<std::string>()};
  });
}

std::string EncodeDelta(const cluster::DeltaInfo& d) {
  return Json{{"channel", d.channel}, {"epoch", d.epoch}, {"count", d.count}, {"object_key", d.object_key}}.dump();
}

Result<cluster::DeltaInfo> DecodeDelta(std::string_view json) {
  return Decode(json, [](const Json& j) -> Result<cluster::DeltaInfo> {
    return cluster::DeltaInfo{j.at("channel").get<std::string>(), j.at("epoch").get<uint64_t>(),
                              j.at("count").get<size_t>(), j.at("object_key").get<std::string>()};
  });
}

std::string EncodeCheckpoint(const cluster::Checkpoint& c) { return Json{{"lsn", c.lsn}, {"epoch", c.epoch}}.dump(); }

Result<cluster::Checkpoint> DecodeCheckpoint(std::string_view json) {
  return Decode(json, [](const Json& j) -> Result<cluster::Checkpoint> {
    return cluster::Checkpoint{j.at("lsn").get<uint64_t>(), j.at("epoch").get<uint64_t>()};
  });
}

}  // namespace quiver::coord
