'use strict';
// Options Quiver does not implement are refused, never accepted and ignored (issue 8 item 12,
// docs/design/options.md): each answers Milvus code 10 (not supported) or 1100 (invalid value)
// with a reason naming the option. The SDK's ordinary flows, with the fields it sends by default,
// keep working.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { DataType, ConsistencyLevelEnum, FunctionType, RRFRanker, WeightedRanker } = require('@zilliz/milvus2-sdk-node');
const { startShared, stopShared } = require('./lib/server');
const { vec, ok } = require('./lib/data');

const STRONG = ConsistencyLevelEnum.Strong;
let server;
let client;

before(async () => { ({ server, client } = await startShared()); });
after(() => stopShared(server, client));

const status = res => res.status || res;
const code = res => Number(status(res).code);
const reason = res => String(status(res).reason);
// createCollection throws the failed status instead of returning it.
const create = req => client.createCollection(req).catch(e => e);

// Asserts a refusal: the code and a reason matching `pattern`.
function refused(res, expectedCode, pattern, what) {
  assert.equal(code(res), expectedCode, `${what}: ${JSON.stringify(status(res))}`);
  assert.match(reason(res), pattern, what);
}

const baseFields = () => [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'v', data_type: DataType.FloatVector, dim: 4 },
];

async function loaded(name, extraFields = []) {
  assert.ok(ok(await create({ collection_name: name, consistency_level: 'Strong', fields: [...baseFields(), ...extraFields] })));
  assert.ok(ok(await client.createIndex({ collection_name: name, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' })));
  assert.ok(ok(await client.loadCollection({ collection_name: name })));
}

test('function_score rerankers are refused in search and hybrid search with code 10', async () => {
  await loaded('fs_rerank', [{ name: 'ts', data_type: DataType.Int64 }]);
  const ins = await client.insert({ collection_name: 'fs_rerank', data: [{ id: 1, v: vec(4), ts: 5 }, { id: 2, v: vec(4), ts: 9 }] });
  assert.ok(ok(ins.status));
  const decay = {
    name: 'recency', type: FunctionType.RERANK, input_field_names: ['ts'],
    params: { reranker: 'decay', function: 'gauss', origin: 0, scale: 10 },
  };
  refused(await client.search({ collection_name: 'fs_rerank', data: vec(4), limit: 2, rerank: decay, consistency_level: STRONG }),
    10, /function_score/, 'search with a rerank function');
  const hybrid = [{ anns_field: 'v', data: vec(4) }, { anns_field: 'v', data: vec(4) }];
  refused(await client.search({ collection_name: 'fs_rerank', data: hybrid, limit: 2, rerank: decay, consistency_level: STRONG }),
    10, /function_score/, 'hybrid search with a rerank function');
  refused(await client.search({ collection_name: 'fs_rerank', data: hybrid, limit: 2, rerank: { functions: [decay], params: {} }, consistency_level: STRONG }),
    10, /function_score/, 'hybrid search with a FunctionScore');
  // The rankers Quiver implements still work, and their parameters are checked.
  const rrf = await client.search({ collection_name: 'fs_rerank', data: hybrid, limit: 2, rerank: RRFRanker(10), consistency_level: STRONG });
  assert.ok(ok(rrf.status), JSON.stringify(rrf.status));
  assert.equal(rrf.results.length, 2);
  const weighted = await client.search({ collection_name: 'fs_rerank', data: hybrid, limit: 2, rerank: WeightedRanker([0.5, 0.5]), consistency_level: STRONG });
  assert.ok(ok(weighted.status), JSON.stringify(weighted.status));
  refused(await client.search({ collection_name: 'fs_rerank', data: hybrid, limit: 2, consistency_level: STRONG,
    rerank: { strategy: 'weighted', params: { weights: [0.5, 0.5], norm_score: false } } }), 10, /norm_score/, 'weighted without normalisation');
  refused(await client.search({ collection_name: 'fs_rerank', data: hybrid, limit: 2, consistency_level: STRONG,
    rerank: { strategy: 'rrf', params: { k: 60, smoothing: 1 } } }), 1100, /smoothing/, 'an unknown RRF parameter');
  assert.ok(ok(await client.dropCollection({ collection_name: 'fs_rerank' })));
});

test('collection TTL is refused at create and alter with code 10; 0 (never expire) is accepted and reported', async () => {
  refused(await create({ collection_name: 'ttl_c', fields: baseFields(), properties: { 'collection.ttl.seconds': 60 } }),
    10, /collection\.ttl\.seconds/, 'TTL at create');
  assert.equal((await client.hasCollection({ collection_name: 'ttl_c' })).value, false, 'a refused create creates nothing');
  assert.ok(ok(await create({ collection_name: 'ttl_c', fields: baseFields(), properties: { 'collection.ttl.seconds': 0, owner: 'e2e' } })));
  const desc = await client.describeCollection({ collection_name: 'ttl_c' });
  assert.ok(desc.properties.some(p => p.key === 'collection.ttl.seconds' && p.value === '0'), JSON.stringify(desc.properties));
  assert.ok(desc.properties.some(p => p.key === 'owner' && p.value === 'e2e'), 'user metadata is reported back');
  refused(await client.alterCollectionProperties({ collection_name: 'ttl_c', properties: { 'collection.ttl.seconds': 3600 } }),
    10, /collection\.ttl\.seconds/, 'TTL at alter');
  refused(await client.alterCollectionProperties({ collection_name: 'ttl_c', properties: { 'collection.ttl.seconds': 'soon' } }),
    1100, /non-negative integer/, 'a TTL that is not a number');
  const after = await client.describeCollection({ collection_name: 'ttl_c' });
  assert.ok(after.properties.some(p => p.key === 'collection.ttl.seconds' && p.value === '0'), 'a refused alter changes nothing');
  assert.ok(ok(await client.dropCollectionProperties({ collection_name: 'ttl_c', properties: ['collection.ttl.seconds'] })));
  assert.ok(ok(await client.dropCollection({ collection_name: 'ttl_c' })));
});

test('an Array of Struct field is refused with code 10', async () => {
  const res = await create({
    collection_name: 'structs', fields: [...baseFields(), {
      name: 'items', data_type: DataType.Array, element_type: DataType.Struct, max_capacity: 4,
      fields: [{ name: 'n', data_type: DataType.Int64 }],
    }],
  });
  refused(res, 10, /Array of Struct/, 'struct array field');
  assert.equal((await client.hasCollection({ collection_name: 'structs' })).value, false);
});

test('JSON path indexes and indexes on JSON or Array fields are refused with code 10', async () => {
  await loaded('json_idx', [
    { name: 'meta', data_type: DataType.JSON },
    { name: 'tags', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4 },
  ]);
  refused(await client.createIndex({ collection_name: 'json_idx', field_name: 'meta', index_name: 'meta_a', index_type: 'INVERTED',
    params: { json_path: 'meta["a"]', json_cast_type: 'double' } }), 10, /json_path/, 'JSON path index');
  refused(await client.createIndex({ collection_name: 'json_idx', field_name: 'meta', index_type: 'INVERTED' }), 10, /JSON/, 'index on a JSON field');
  refused(await client.createIndex({ collection_name: 'json_idx', field_name: 'tags', index_type: 'INVERTED' }), 10, /Array/, 'index on an Array field');
  const described = await client.describeIndex({ collection_name: 'json_idx' });
  assert.deepEqual(described.index_descriptions.map(d => d.field_name), ['v'], 'no refused index was recorded');
  assert.ok(ok(await client.releaseCollection({ collection_name: 'json_idx' })));
  assert.ok(ok(await client.dropCollection({ collection_name: 'json_idx' })));
});

test('mmap.enabled is refused at collection, field and index level with code 10', async () => {
  refused(await create({ collection_name: 'mm', fields: baseFields(), properties: { 'mmap.enabled': true } }), 10, /mmap\.enabled/, 'collection property at create');
  refused(await create({ collection_name: 'mm', fields: [...baseFields(), { name: 'x', data_type: DataType.Int64, 'mmap.enabled': true }] }),
    10, /mmap\.enabled of field x/, 'field type param at create');
  assert.ok(ok(await create({ collection_name: 'mm', fields: [...baseFields(), { name: 'x', data_type: DataType.Int64 }] })));
  refused(await client.alterCollectionProperties({ collection_name: 'mm', properties: { 'mmap.enabled': false } }), 10, /mmap\.enabled/, 'collection property at alter');
  refused(await client.alterCollectionFieldProperties({ collection_name: 'mm', field_name: 'x', properties: { 'mmap.enabled': true } }),
    10, /mmap\.enabled/, 'field property at alter');
  refused(await client.createIndex({ collection_name: 'mm', field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 32, 'mmap.enabled': true } }),
    10, /mmap\.enabled/, 'vector index param');
  refused(await client.createIndex({ collection_name: 'mm', field_name: 'x', index_type: 'STL_SORT', extra_params: { 'mmap.enabled': 'true' } }),
    10, /mmap\.enabled/, 'scalar index param (flat key)');
  assert.ok(ok(await client.createIndex({ collection_name: 'mm', field_name: 'v', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 32 } })));
  refused(await client.alterIndexProperties({ collection_name: 'mm', index_name: 'v', params: { 'mmap.enabled': true } }), 10, /mmap\.enabled/, 'index property at alter');
  const index = await client.describeIndex({ collection_name: 'mm', index_name: 'v' });
  assert.ok(!JSON.stringify(index.index_descriptions[0].params).includes('mmap'), 'a refused alter stores nothing');
  assert.ok(ok(await client.dropCollection({ collection_name: 'mm' })));
});

test('other Milvus settings without an implementation are refused with a reason', async () => {
  refused(await create({ collection_name: 'iso', fields: baseFields(), properties: { 'partitionkey.isolation': true } }), 10, /partitionkey\.isolation/, 'partition key isolation');
  refused(await create({ collection_name: 'iso', fields: baseFields(), properties: { 'collection.insertRate.max.mb': 5 } }), 10, /rate limits/, 'rate limit');
  refused(await create({ collection_name: 'iso', fields: baseFields(), properties: { 'collection.brand.new.setting': 1 } }), 10, /Milvus setting/, 'an unknown Milvus-namespace key');
  refused(await create({ collection_name: 'iso', fields: [...baseFields(), { name: 't', data_type: DataType.VarChar, max_length: 64, enable_analyzer: true }] }),
    10, /enable_analyzer/, 'text analyzer');
  refused(await create({ collection_name: 'iso', fields: [...baseFields(), { name: 'g', data_type: DataType.Geometry }] }), 10, /Geometry/, 'Geometry field');
  refused(await create({
    collection_name: 'iso',
    fields: [...baseFields(), { name: 'text', data_type: DataType.VarChar, max_length: 64 }, { name: 'sparse', data_type: DataType.SparseFloatVector }],
    functions: [{ name: 'bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: ['sparse'], params: {} }],
  }), 10, /function/, 'schema functions');
  refused(await create({ collection_name: 'iso', fields: baseFields(), num_partitions: 4 }), 1100, /partition key/, 'num_partitions without a partition key');
  assert.equal((await client.hasCollection({ collection_name: 'iso' })).value, false);

  refused(await client.createDatabase({ db_name: 'opt_db', properties: { 'database.force.deny.writing': true } }), 10, /force-deny/, 'database deny-writing');
  refused(await client.createDatabase({ db_name: 'opt_db', properties: { 'database.replica.number': 3 } }), 10, /replica/, 'database replicas');
  assert.ok(ok(await client.createDatabase({ db_name: 'opt_db', properties: { 'database.replica.number': 1 } })));
  const db = await client.describeDatabase({ db_name: 'opt_db' });
  assert.ok(db.properties.some(p => p.key === 'database.replica.number' && p.value === '1'));
  refused(await client.alterDatabaseProperties({ db_name: 'opt_db', properties: { 'database.max.collections': 10 } }), 10, /collection limit/, 'database collection limit');
  assert.ok(ok(await client.dropDatabase({ db_name: 'opt_db' })));

  await loaded('partial_load', [{ name: 'x', data_type: DataType.Int64 }]);
  assert.ok(ok(await client.releaseCollection({ collection_name: 'partial_load' })));
  refused(await client.loadCollectionAsync({ collection_name: 'partial_load', load_fields: ['id', 'v'] }), 10, /load_fields/, 'partial load');
  // A resource group must exist (resource_groups.test.js loads into one that does).
  refused(await client.loadCollectionAsync({ collection_name: 'partial_load', resource_groups: ['rg1'] }), 300, /resource group rg1 does not exist/, 'a missing resource group');
  refused(await client.createIndex({ collection_name: 'partial_load', field_name: 'v', index_name: 'h', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, nlist: 16 } }),
    1100, /nlist is not a build parameter of index type HNSW/, 'a build parameter of another family');
  refused(await client.createIndex({ collection_name: 'partial_load', field_name: 'x', index_type: 'STL_SORT', metric_type: 'L2' }),
    1100, /metric_type/, 'a metric on a scalar index');
  assert.ok(ok(await client.dropCollection({ collection_name: 'partial_load' })));
});

test('the SDK default flows keep working', async () => {
  // Quick create: the SDK builds the schema, index and load itself.
  assert.ok(ok(await client.createCollection({ collection_name: 'quick', dimension: 4 })));
  const rows = Array.from({ length: 20 }, (_, i) => ({ id: i, vector: vec(4), tag: `t${i % 3}` }));
  assert.ok(ok((await client.insert({ collection_name: 'quick', data: rows })).status));
  const hits = await client.search({ collection_name: 'quick', data: rows[0].vector, limit: 3, consistency_level: STRONG });
  assert.ok(ok(hits.status), JSON.stringify(hits.status));
  assert.equal(hits.results[0].id, '0');
  const q = await client.query({ collection_name: 'quick', filter: 'tag == "t1"', consistency_level: STRONG });
  assert.ok(ok(q.status));
  assert.equal(q.data.length, 7);
  assert.equal((await client.count({ collection_name: 'quick', consistency_level: STRONG })).data, 20);

  // Schema form with the request fields users commonly set, partition key included.
  assert.ok(ok(await create({
    collection_name: 'full', shards_num: 2, consistency_level: 'Bounded', description: 'all defaults', num_partitions: 4,
    enable_dynamic_field: true, properties: { 'collection.autocompaction.enabled': false },
    fields: [
      { name: 'pk', data_type: DataType.VarChar, is_primary_key: true, max_length: 16 },
      { name: 'dense', data_type: DataType.FloatVector, dim: 4 },
      { name: 'other', data_type: DataType.FloatVector, dim: 4 },
      { name: 'tenant', data_type: DataType.VarChar, max_length: 16, is_partition_key: true },
      { name: 'cluster', data_type: DataType.Int64, is_clustering_key: true },
      { name: 'label', data_type: DataType.VarChar, max_length: 32, enable_analyzer: false, nullable: true },
    ],
  })));
  const desc = await client.describeCollection({ collection_name: 'full' });
  assert.equal(desc.shards_num, 2);
  assert.equal(Number(desc.num_partitions), 4);
  assert.ok(desc.schema.fields.find(f => f.name === 'cluster').is_clustering_key, 'the clustering key is reported');
  assert.ok(ok(await client.createIndex({ collection_name: 'full', field_name: 'dense', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 8, efConstruction: 32 } })));
  assert.ok(ok(await client.createIndex({ collection_name: 'full', field_name: 'other' })), 'AUTOINDEX with the default metric');
  assert.ok(ok(await client.createIndex({ collection_name: 'full', field_name: 'cluster', index_type: 'STL_SORT' })));
  assert.ok(ok(await client.loadCollection({ collection_name: 'full' })));
  assert.ok(ok(await client.refreshLoad({ collection_name: 'full' })), 'refresh: true works (new segments are always served)');
  const data = Array.from({ length: 12 }, (_, i) => ({ pk: `k${i}`, dense: vec(4), other: vec(4), tenant: `t${i % 2}`, cluster: i, label: i % 2 ? 'x' : null, extra: i }));
  assert.ok(ok((await client.insert({ collection_name: 'full', data })).status));
  assert.ok(ok((await client.upsert({ collection_name: 'full', data: [data[0]] })).status));
  assert.ok(ok((await client.delete({ collection_name: 'full', ids: ['k11'] })).status));
  const search = await client.search({ collection_name: 'full', anns_field: 'dense', data: data[1].dense, limit: 2, filter: 'tenant == "t1"', params: { ef: 32 }, consistency_level: STRONG });
  assert.ok(ok(search.status), JSON.stringify(search.status));
  assert.equal(search.results[0].pk, 'k1');
  const hybrid = await client.search({
    collection_name: 'full', limit: 3, output_fields: ['pk', 'extra'], consistency_level: STRONG,
    data: [{ anns_field: 'dense', data: data[2].dense, params: { ef: 16 } }, { anns_field: 'other', data: data[2].other }],
  });
  assert.ok(ok(hybrid.status), JSON.stringify(hybrid.status));
  assert.equal(hybrid.results[0].pk, 'k2', 'default RRF ranker');
  const query = await client.query({ collection_name: 'full', filter: 'cluster >= 0', output_fields: ['pk', 'label', 'extra'], limit: 20, consistency_level: STRONG });
  assert.ok(ok(query.status));
  assert.equal(query.data.length, 11);
  assert.equal((await client.getLoadingProgress({ collection_name: 'full' })).progress, '100');
  assert.ok(ok((await client.flush({ collection_names: ['full'] })).status));
  assert.ok(ok(await client.alterCollectionFieldProperties({ collection_name: 'full', field_name: 'label', properties: { max_length: 64 } })));
  assert.ok(ok(await client.releaseCollection({ collection_name: 'full' })));
  for (const name of ['quick', 'full']) assert.ok(ok(await client.dropCollection({ collection_name: name })));
});

// The Node SDK sends only limit and offset as query_params; other clients (pymilvus iterators)
// send more. The raw Query call (the SDK's own transport) checks what the server does with them.
test('query_params: known keys work, ignore_growing is refused, unknown keys are refused', async () => {
  const { promisify } = require('@zilliz/milvus2-sdk-node/dist/milvus/utils/Function');
  assert.ok(ok(await client.createCollection({ collection_name: 'qparams', dimension: 4 })));
  assert.ok(ok((await client.insert({ collection_name: 'qparams', data: [{ id: 1, vector: vec(4) }, { id: 2, vector: vec(4) }] })).status));
  const raw = params => promisify(client.channelPool, 'Query', {
    collection_name: 'qparams', expr: 'id > 0', output_fields: ['id'], consistency_level: 0, use_default_consistency: false,
    query_params: Object.entries(params).map(([key, value]) => ({ key, value: String(value) })),
  }, 10000);
  const good = await raw({ limit: 10, reduce_stop_for_best: 'True', iterator: 'False' });
  assert.ok(ok(good.status), JSON.stringify(good.status));
  const growing = await raw({ limit: 10, ignore_growing: 'true' });
  assert.equal(Number(growing.status.code), 10, JSON.stringify(growing.status));
  const unknown = await raw({ limit: 10, warp_speed: 9 });
  assert.equal(Number(unknown.status.code), 1100, JSON.stringify(unknown.status));
  assert.match(unknown.status.reason, /warp_speed/);
  assert.ok(ok(await client.dropCollection({ collection_name: 'qparams' })));
});
