'use strict';
// The common Milvus client flow, end to end through the official Node SDK against one server:
// connect, errors, quick and explicit collections, indexes, load, writes, every search shape,
// hybrid search, queries, mutations, partitions, aliases, databases, users and roles, teardown.
// The repository's own counterpart of the shared acceptance script (smoke.test.js runs that one
// when ../shared is checked out next to this repository). Cases run in order and build on each
// other; expected search results are computed by brute force over the generated rows.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { DataType, ConsistencyLevelEnum, RRFRanker, WeightedRanker } = require('@zilliz/milvus2-sdk-node');
const { startShared, stopShared } = require('./lib/server');
const { vec, l2, cosine, ok } = require('./lib/data');

const STRONG = ConsistencyLevelEnum.Strong;
const QUICK = 'flow_quick';
const MAIN = 'flow_catalog';
const BARE = 'flow_bare';
const ALIAS = 'flow_current';
const DB = 'flow_tenant';
const DIM = 8;      // 'embedding', HNSW / COSINE
const DIM2 = 4;     // 'sketch', AUTOINDEX / L2
const N = 150;
const BASE_ID = 1001;
const EF = { ef: 256 };  // beam wider than the collection: HNSW answers are exact here
const HUES = ['amber', 'teal', 'violet', 'coral'];

let server;
let client;

before(async () => { ({ server, client } = await startShared()); });
after(() => stopShared(server, client));

// Vectors rounded to float32 as the server stores them, so brute force sees the same numbers.
const fvec = d => vec(d).map(Math.fround);
const code = res => Number((res.status || res).code);
function expectOk(res, what) {
  const st = res && res.status ? res.status : res;
  assert.ok(ok(st), `${what}: ${JSON.stringify(st)}`);
  return res;
}
const ids = hits => hits.map(h => Number(h.id));
// count(*) read at Strong consistency whatever the collection's default level.
async function countRows(collection, expr = '') {
  const res = await client.query({ collection_name: collection, filter: expr, output_fields: ['count(*)'], consistency_level: STRONG });
  expectOk(res, `count(*) on ${collection}`);
  return Number(res.data[0]['count(*)']);
}
const close = (a, b, what, eps = 1e-4) => assert.ok(Math.abs(a - b) <= eps * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

// Exact top-k of `pool` for query `q` on `field`; COSINE ranks by similarity, L2 by distance.
function bruteForce(pool, field, q, metric, k, offset = 0) {
  const fn = metric === 'COSINE' ? cosine : l2;
  return pool.map(r => ({ id: r.id, score: fn(q, r[field]) }))
    .sort((a, b) => (metric === 'COSINE' ? b.score - a.score : a.score - b.score))
    .slice(offset, offset + k);
}
function assertHits(hits, expected, what) {
  assert.deepEqual(ids(hits), expected.map(e => e.id), what);
  hits.forEach((h, i) => close(h.score, expected[i].score, `${what} score ${i}`));
}

const rows = Array.from({ length: N }, (_, i) => ({
  id: BASE_ID + i,
  embedding: fvec(DIM),
  sketch: fvec(DIM2),
  title: `art-${BASE_ID + i}`,
  rating: (i % 50) / 4,
  year: 1990 + (i % 15),
  level: i % 7,
  active: i % 3 === 0,
  weight: i * 0.5,
  labels: [HUES[i % 4], i % 2 ? 'odd' : 'even'],
  meta: { rank: i, bucket: `b${i % 6}`, deep: { even: i % 2 === 0 } },
  hue: HUES[i % 4],  // not in the schema: lands in the dynamic field
}));
const byId = Object.fromEntries(rows.map(r => [r.id, r]));

test('connect, server version and health', async () => {
  assert.ok(client.serverInfo !== undefined, 'Connect answered no server info');
  const v = expectOk(await client.getVersion(), 'GetVersion');
  assert.equal(typeof v.version, 'string');
  assert.ok(v.version.length > 0);
  const h = expectOk(await client.checkHealth(), 'CheckHealth');
  assert.equal(h.isHealthy, true);
});

test('a missing collection answers code 100 and hasCollection false', async () => {
  const d = await client.describeCollection({ collection_name: 'flow_absent' });
  assert.equal(code(d), 100);
  assert.equal(d.status.error_code, 'CollectionNotExists');
  assert.equal((await client.hasCollection({ collection_name: 'flow_absent' })).value, false);
  const q = await client.query({ collection_name: 'flow_absent', filter: 'id > 0', output_fields: ['id'] });
  assert.equal(code(q), 100, JSON.stringify(q.status));
});

test('quick create (dimension form) is indexed, loaded and takes dynamic fields', async () => {
  expectOk(await client.createCollection({ collection_name: QUICK, dimension: 6, metric_type: 'COSINE' }), 'quick create');
  const d = expectOk(await client.describeCollection({ collection_name: QUICK }), 'describe quick');
  assert.deepEqual(d.schema.fields.map(f => f.name).sort(), ['id', 'vector']);
  assert.equal(d.schema.enable_dynamic_field, true);
  const pk = d.schema.fields.find(f => f.name === 'id');
  assert.equal(pk.is_primary_key, true);
  assert.equal(String(d.schema.fields.find(f => f.name === 'vector').dim), '6');
  const st = expectOk(await client.getLoadState({ collection_name: QUICK }), 'load state');
  assert.equal(st.state, 'LoadStateLoaded');
  const di = expectOk(await client.describeIndex({ collection_name: QUICK, field_name: 'vector' }), 'describe quick index');
  assert.equal(Object.fromEntries(di.index_descriptions[0].params.map(p => [p.key, p.value])).metric_type, 'COSINE');

  const quick = Array.from({ length: 12 }, (_, i) => ({ id: 500 + i, vector: fvec(6), shade: HUES[i % 3], size: i * 10 }));
  const ins = expectOk(await client.insert({ collection_name: QUICK, data: quick }), 'insert quick');
  assert.equal(Number(ins.insert_cnt), 12);
  const target = quick[7];
  const s = expectOk(await client.search({
    collection_name: QUICK, data: target.vector, limit: 4, output_fields: ['id', 'shade', 'size'], consistency_level: STRONG,
  }), 'search quick');
  assertHits(s.results, bruteForce(quick, 'vector', target.vector, 'COSINE', 4), 'quick search');
  close(s.results[0].score, 1, 'self similarity');
  assert.equal(s.results[0].shade, target.shade);
  assert.equal(s.results[0].size, target.size);
  const q = expectOk(await client.query({
    collection_name: QUICK, filter: 'shade == "teal" and size >= 40', output_fields: ['id', 'shade'], consistency_level: STRONG,
  }), 'query dynamic');
  const want = quick.filter(r => r.shade === 'teal' && r.size >= 40).map(r => r.id);
  assert.deepEqual(want, [504, 507, 510]);
  assert.deepEqual(q.data.map(r => Number(r.id)).sort((a, b) => a - b), want);
  q.data.forEach(r => assert.equal(r.shade === undefined ? r.$meta.shade : r.shade, 'teal'));
});

test('explicit schema with many field types is described back exactly', async () => {
  expectOk(await client.createCollection({
    collection_name: MAIN,
    description: 'catalog of generated articles',
    consistency_level: 'Strong',
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'embedding', data_type: DataType.FloatVector, dim: DIM },
      { name: 'sketch', data_type: DataType.FloatVector, dim: DIM2 },
      { name: 'title', data_type: DataType.VarChar, max_length: 32 },
      { name: 'rating', data_type: DataType.Float },
      { name: 'year', data_type: DataType.Int32 },
      { name: 'level', data_type: DataType.Int16 },
      { name: 'active', data_type: DataType.Bool },
      { name: 'weight', data_type: DataType.Double },
      { name: 'labels', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 4, max_length: 12 },
      { name: 'meta', data_type: DataType.JSON },
    ],
  }), 'create explicit');
  assert.equal((await client.hasCollection({ collection_name: MAIN })).value, true);
  const list = expectOk(await client.listCollections(), 'ShowCollections');
  assert.deepEqual(list.data.map(c => c.name).sort(), [MAIN, QUICK].sort());
  const d = expectOk(await client.describeCollection({ collection_name: MAIN }), 'describe');
  assert.equal(d.collection_name, MAIN);
  assert.equal(d.schema.description, 'catalog of generated articles');
  assert.equal(d.schema.enable_dynamic_field, true);
  assert.equal(d.consistency_level, 'Strong');
  assert.deepEqual(d.schema.fields.map(f => f.name),
    ['id', 'embedding', 'sketch', 'title', 'rating', 'year', 'level', 'active', 'weight', 'labels', 'meta'],
    'fields in declaration order, no $meta');
  const f = Object.fromEntries(d.schema.fields.map(x => [x.name, x]));
  assert.deepEqual(Object.fromEntries(Object.entries(f).map(([k, x]) => [k, x.data_type])), {
    id: 'Int64', embedding: 'FloatVector', sketch: 'FloatVector', title: 'VarChar', rating: 'Float', year: 'Int32',
    level: 'Int16', active: 'Bool', weight: 'Double', labels: 'Array', meta: 'JSON',
  });
  assert.equal(f.id.is_primary_key, true);
  assert.equal(f.id.autoID, false);
  assert.equal(f.title.is_primary_key, false);
  assert.equal(String(f.embedding.dim), String(DIM));
  assert.equal(String(f.sketch.dim), String(DIM2));
  assert.equal(String(f.title.max_length), '32');
  assert.equal(f.labels.element_type, 'VarChar');
  assert.equal(String(f.labels.max_capacity), '4');
  assert.equal(String(f.labels.max_length), '12');
});

test('an unindexed collection cannot be searched (101) or loaded (700)', async () => {
  expectOk(await client.createCollection({
    collection_name: BARE,
    fields: [
      { name: 'key', data_type: DataType.VarChar, is_primary_key: true, max_length: 16 },
      { name: 'v', data_type: DataType.FloatVector, dim: 3 },
    ],
  }), 'create bare');
  const s = await client.search({ collection_name: BARE, data: [0.5, -0.25, 1], limit: 2 });
  assert.equal(code(s), 101, JSON.stringify(s.status));
  const ld = await client.loadCollectionAsync({ collection_name: BARE });
  assert.equal(code(ld), 700, JSON.stringify(ld));
  assert.equal(ld.error_code, 'IndexNotExist');
  const main = await client.search({ collection_name: MAIN, anns_field: 'embedding', data: fvec(DIM), limit: 1 });
  assert.equal(code(main), 101, 'the explicit collection is not loaded yet');
  expectOk(await client.dropCollection({ collection_name: BARE }), 'drop bare');
  assert.equal((await client.hasCollection({ collection_name: BARE })).value, false);
});

test('indexes: HNSW/COSINE, AUTOINDEX/L2 and scalar INVERTED, described and listed', async () => {
  expectOk(await client.createIndex({
    collection_name: MAIN, field_name: 'embedding', index_name: 'emb_hnsw',
    index_type: 'HNSW', metric_type: 'COSINE', params: { M: 12, efConstruction: 96 },
  }), 'create HNSW');
  expectOk(await client.createIndex({ collection_name: MAIN, field_name: 'sketch', index_type: 'AUTOINDEX', metric_type: 'L2' }), 'create AUTOINDEX');
  expectOk(await client.createIndex({ collection_name: MAIN, field_name: 'year', index_name: 'year_inv', index_type: 'INVERTED' }), 'create INVERTED');

  const hnsw = expectOk(await client.describeIndex({ collection_name: MAIN, index_name: 'emb_hnsw' }), 'describe HNSW');
  assert.equal(hnsw.index_descriptions.length, 1);
  const hd = hnsw.index_descriptions[0];
  assert.equal(hd.index_name, 'emb_hnsw');
  assert.equal(hd.field_name, 'embedding');
  const hp = Object.fromEntries(hd.params.map(p => [p.key, p.value]));
  assert.equal(hp.index_type, 'HNSW');
  assert.equal(hp.metric_type, 'COSINE');
  const built = hp.params ? JSON.parse(hp.params) : hp;
  assert.equal(String(built.M), '12', `HNSW M kept: ${JSON.stringify(hp)}`);
  assert.equal(String(built.efConstruction), '96', `HNSW efConstruction kept: ${JSON.stringify(hp)}`);

  const auto = expectOk(await client.describeIndex({ collection_name: MAIN, field_name: 'sketch' }), 'describe AUTOINDEX');
  assert.equal(auto.index_descriptions.length, 1);
  assert.equal(auto.index_descriptions[0].field_name, 'sketch');
  const ap = Object.fromEntries(auto.index_descriptions[0].params.map(p => [p.key, p.value]));
  assert.equal(ap.metric_type, 'L2');

  const inv = expectOk(await client.describeIndex({ collection_name: MAIN, index_name: 'year_inv' }), 'describe INVERTED');
  assert.equal(inv.index_descriptions[0].field_name, 'year');
  assert.equal(Object.fromEntries(inv.index_descriptions[0].params.map(p => [p.key, p.value])).index_type, 'INVERTED');

  const all = expectOk(await client.listIndexes({ collection_name: MAIN }), 'listIndexes');
  assert.equal(all.indexes.length, 3, JSON.stringify(all.indexes));
  assert.ok(all.indexes.includes('emb_hnsw') && all.indexes.includes('year_inv'));
  assert.ok(all.indexes.includes(auto.index_descriptions[0].index_name));
});

test('load (with progress polling) reports LoadStateLoaded', async () => {
  expectOk(await client.loadCollection({ collection_name: MAIN }), 'load');
  const st = expectOk(await client.getLoadState({ collection_name: MAIN }), 'GetLoadState');
  assert.equal(st.state, 'LoadStateLoaded');
});

test('insert, flush, statistics and count agree on the row count', async () => {
  const r = expectOk(await client.insert({ collection_name: MAIN, data: rows }), 'insert');
  assert.equal(Number(r.insert_cnt), N);
  assert.deepEqual(r.IDs.int_id.data.map(Number), rows.map(x => x.id));
  assert.equal((await client.count({ collection_name: MAIN })).data, N, 'count before flush');
  const f = expectOk(await client.flush({ collection_names: [MAIN] }), 'flush');
  assert.ok(f.coll_segIDs && f.coll_segIDs[MAIN], `FlushResponse.coll_segIDs misses ${MAIN}: ${JSON.stringify(f.coll_segIDs)}`);
  assert.ok(f.coll_segIDs[MAIN].data.length >= 1);
  const st = expectOk(await client.getCollectionStatistics({ collection_name: MAIN }), 'stats');
  assert.equal(Number(st.data.row_count), N);
  const c = expectOk(await client.count({ collection_name: MAIN }), 'count');
  assert.equal(c.data, N);
  const some = expectOk(await client.count({ collection_name: MAIN, expr: 'active == true and level < 3' }), 'filtered count');
  assert.equal(some.data, rows.filter(x => x.active && x.level < 3).length);
  assert.equal(await countRows(MAIN, 'active == true and level < 3'), some.data);
});

test('search: filter, search params and output fields (scalar and dynamic)', async () => {
  const target = rows[23];  // year 1998, level 2: passes the filter
  const filter = 'year >= 1995 and level != 3';
  const s = expectOk(await client.search({
    collection_name: MAIN, anns_field: 'embedding', data: target.embedding, limit: 6, filter,
    output_fields: ['id', 'title', 'year', 'rating', 'active', 'hue'], params: EF, consistency_level: STRONG,
  }), 'search');
  assert.equal(s.results.length, 6);
  const pool = rows.filter(x => x.year >= 1995 && x.level !== 3);
  assert.ok(pool.includes(target));
  assertHits(s.results, bruteForce(pool, 'embedding', target.embedding, 'COSINE', 6), 'filtered COSINE search');
  assert.equal(Number(s.results[0].id), target.id);
  close(s.results[0].score, 1, 'self similarity');
  for (let i = 1; i < s.results.length; i++) assert.ok(s.results[i - 1].score >= s.results[i].score, 'COSINE scores descend');
  for (const h of s.results) {
    const row = byId[Number(h.id)];
    assert.equal(h.title, row.title);
    assert.equal(h.year, row.year);
    close(h.rating, row.rating, 'rating', 1e-6);
    assert.equal(h.active, row.active);
    assert.equal(h.hue, row.hue, 'dynamic field by name');
  }
});

test('search: nq=2 with a dynamic-field filter, default output fields, offset paging', async () => {
  const queries = [rows[0].embedding, fvec(DIM)];
  const s = expectOk(await client.search({
    collection_name: MAIN, anns_field: 'embedding', data: queries, limit: 4, params: EF,
    filter: `id > ${BASE_ID + 60} and hue in ["teal", "coral"]`, consistency_level: STRONG,
  }), 'search nq=2');
  assert.equal(s.results.length, 2);
  const pool = rows.filter(x => x.id > BASE_ID + 60 && ['teal', 'coral'].includes(x.hue));
  queries.forEach((q, qi) => {
    assertHits(s.results[qi], bruteForce(pool, 'embedding', q, 'COSINE', 4), `nq=2 query ${qi}`);
    s.results[qi].forEach(h => {
      assert.equal(h.title, byId[Number(h.id)].title, 'default output fields include scalars');
      assert.ok(['teal', 'coral'].includes(h.hue || (h.$meta || {}).hue));
    });
  });
  const q = fvec(DIM);
  const page1 = expectOk(await client.search({ collection_name: MAIN, anns_field: 'embedding', data: q, limit: 3, params: EF, output_fields: ['id'], consistency_level: STRONG }), 'page 1');
  const page2 = expectOk(await client.search({ collection_name: MAIN, anns_field: 'embedding', data: q, limit: 3, offset: 3, params: EF, output_fields: ['id'], consistency_level: STRONG }), 'page 2');
  assertHits(page1.results, bruteForce(rows, 'embedding', q, 'COSINE', 3), 'page 1');
  assertHits(page2.results, bruteForce(rows, 'embedding', q, 'COSINE', 3, 3), 'page 2');
});

test('search on the second vector field (AUTOINDEX, L2 distances ascend)', async () => {
  const target = rows[88];
  const s = expectOk(await client.search({
    collection_name: MAIN, anns_field: 'sketch', data: target.sketch, limit: 5, params: EF, output_fields: ['id', 'title'], consistency_level: STRONG,
  }), 'search sketch');
  assertHits(s.results, bruteForce(rows, 'sketch', target.sketch, 'L2', 5), 'L2 search');
  assert.equal(Number(s.results[0].id), target.id);
  close(s.results[0].score, 0, 'self distance', 1e-6);
  for (let i = 1; i < s.results.length; i++) assert.ok(s.results[i - 1].score <= s.results[i].score, 'L2 distances ascend');
});

// Expected fused ranking of a two-field hybrid search, each sub-search returning `limit` hits.
function fuse(subs, limit, contribution) {
  const total = new Map();
  subs.forEach(({ field, q, metric }, s) => {
    bruteForce(rows, field, q, metric, limit).forEach((hit, rank) => {
      total.set(hit.id, (total.get(hit.id) || 0) + contribution(s, rank, hit.score, metric));
    });
  });
  return [...total.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
// Hybrid results against the fused ranking; equal fused scores may come in either order.
function assertFused(hits, expected, limit, what) {
  assert.equal(hits.length, Math.min(limit, expected.length), `${what}: hit count`);
  const want = new Map(expected.map(e => [e.id, e.score]));
  const cut = expected[hits.length - 1].score;
  hits.forEach((h, i) => {
    const id = Number(h.id);
    assert.ok(want.has(id), `${what}: unexpected id ${id}`);
    close(h.score, want.get(id), `${what}: fused score of ${id}`, 1e-5);
    close(h.score, expected[i].score, `${what}: score at rank ${i}`, 1e-5);
  });
  for (const e of expected) if (e.score > cut + 1e-6) assert.ok(ids(hits).includes(e.id), `${what}: missing ${e.id}`);
}

test('hybrid search over both vector fields: RRF and Weighted rankers', async () => {
  const target = rows[42];
  const self = await client.hybridSearch({
    collection_name: MAIN,
    data: [{ data: target.embedding, anns_field: 'embedding', params: EF }, { data: target.sketch, anns_field: 'sketch', params: EF }],
    rerank: RRFRanker(60), limit: 5, output_fields: ['id', 'title'], consistency_level: STRONG,
  });
  expectOk(self, 'hybrid RRF on a stored row');
  assert.equal(Number(self.results[0].id), target.id);
  close(self.results[0].score, 2 / 61, 'RRF score of a row first in both lists', 1e-5);
  assert.equal(self.results[0].title, target.title);

  const qa = fvec(DIM), qb = fvec(DIM2);
  const subs = [{ field: 'embedding', q: qa, metric: 'COSINE' }, { field: 'sketch', q: qb, metric: 'L2' }];
  const request = rerank => ({
    collection_name: MAIN,
    data: [{ data: qa, anns_field: 'embedding', params: EF }, { data: qb, anns_field: 'sketch', params: EF }],
    rerank, limit: 6, output_fields: ['id', 'title'], consistency_level: STRONG,
  });
  const rrf = expectOk(await client.hybridSearch(request(RRFRanker(20))), 'hybrid RRF k=20');
  assertFused(rrf.results, fuse(subs, 6, (s, rank) => 1 / (20 + rank + 1)), 6, 'RRF k=20');
  const norm = (x, metric) => (metric === 'COSINE' ? (1 + x) / 2 : 1 - (2 * Math.atan(x)) / Math.PI);
  const weights = [0.8, 0.2];
  const weighted = expectOk(await client.hybridSearch(request(WeightedRanker(weights))), 'hybrid Weighted');
  assertFused(weighted.results, fuse(subs, 6, (s, rank, score, metric) => weights[s] * norm(score, metric)), 6, 'Weighted 0.8/0.2');
  for (const res of [rrf, weighted]) {
    for (let i = 1; i < res.results.length; i++) assert.ok(res.results[i - 1].score >= res.results[i].score, 'fused scores descend');
    res.results.forEach(h => assert.equal(h.title, byId[Number(h.id)].title));
  }
});

test('query: scalar filter with every field type returned, JSON paths, array_contains, like, limit/offset', async () => {
  const q = expectOk(await client.query({
    collection_name: MAIN, filter: 'year == 1997',
    output_fields: ['id', 'title', 'rating', 'level', 'active', 'weight', 'labels', 'meta', 'embedding', 'hue'],
    consistency_level: STRONG,
  }), 'query');
  const want = rows.filter(x => x.year === 1997);
  assert.equal(want.length, 10);
  assert.deepEqual(q.data.map(r => Number(r.id)).sort((a, b) => a - b), want.map(x => x.id));
  for (const r of q.data) {
    const row = byId[Number(r.id)];
    assert.equal(r.title, row.title);
    close(r.rating, row.rating, 'rating', 1e-6);
    assert.equal(r.level, row.level);
    assert.equal(r.active, row.active);
    assert.equal(r.weight, row.weight);
    assert.deepEqual(r.labels, row.labels);
    assert.deepEqual(r.meta, row.meta);
    assert.deepEqual(r.embedding, row.embedding, 'float vectors come back bit for bit');
    assert.equal(r.hue === undefined ? r.$meta.hue : r.hue, row.hue);
  }
  const json = expectOk(await client.query({
    collection_name: MAIN, filter: 'meta["bucket"] == "b3" and array_contains(labels, "teal")', output_fields: ['id'], consistency_level: STRONG,
  }), 'JSON path + array_contains');
  const jsonWant = rows.filter(x => x.meta.bucket === 'b3' && x.labels.includes('teal')).map(x => x.id);
  assert.ok(jsonWant.length > 0 && jsonWant.length < rows.filter(x => x.meta.bucket === 'b3').length, 'both conditions select');
  assert.deepEqual(json.data.map(r => Number(r.id)).sort((a, b) => a - b), jsonWant);
  const nested = expectOk(await client.query({
    collection_name: MAIN, filter: 'meta["deep"]["even"] == true and meta["rank"] < 20', output_fields: ['id'], consistency_level: STRONG,
  }), 'nested JSON path');
  assert.deepEqual(nested.data.map(r => Number(r.id)).sort((a, b) => a - b), rows.filter(x => x.meta.deep.even && x.meta.rank < 20).map(x => x.id));
  const like = expectOk(await client.query({ collection_name: MAIN, filter: 'title like "art-11%"', output_fields: ['title'], consistency_level: STRONG }), 'like');
  assert.equal(like.data.length, 51);  // art-1100 .. art-1150
  like.data.forEach(r => assert.ok(r.title.startsWith('art-11')));
  const paged = expectOk(await client.query({ collection_name: MAIN, filter: 'weight >= 10', output_fields: ['id'], limit: 9, offset: 4, consistency_level: STRONG }), 'limit/offset');
  assert.equal(paged.data.length, 9);
  paged.data.forEach(r => assert.ok(byId[Number(r.id)].weight >= 10));
  assert.equal(new Set(paged.data.map(r => Number(r.id))).size, 9);
});

test('get by primary keys returns exactly those rows', async () => {
  const want = [BASE_ID + 5, BASE_ID + 77, BASE_ID + 149];
  const g = expectOk(await client.get({ collection_name: MAIN, ids: want, output_fields: ['id', 'title', 'sketch'], consistency_level: STRONG }), 'get');
  assert.deepEqual(g.data.map(r => Number(r.id)).sort((a, b) => a - b), want);
  g.data.forEach(r => { assert.equal(r.title, byId[Number(r.id)].title); assert.deepEqual(r.sketch, byId[Number(r.id)].sketch); });
  const none = expectOk(await client.get({ collection_name: MAIN, ids: [1, 2], output_fields: ['id'], consistency_level: STRONG }), 'get missing');
  assert.equal(none.data.length, 0);
});

test('upsert replaces existing keys and adds new ones', async () => {
  const replaced = rows.slice(0, 3).map(r => ({ ...r, title: `${r.title}-rev`, embedding: fvec(DIM) }));
  const fresh = { ...rows[10], id: 5000, title: 'art-new' };
  const u = expectOk(await client.upsert({ collection_name: MAIN, data: [...replaced, fresh] }), 'upsert');
  assert.equal(Number(u.upsert_cnt), 4);
  assert.equal((await client.count({ collection_name: MAIN })).data, N + 1);
  const g = expectOk(await client.get({ collection_name: MAIN, ids: [BASE_ID, BASE_ID + 1, BASE_ID + 2, 5000], output_fields: ['title'], consistency_level: STRONG }), 'get after upsert');
  assert.deepEqual(g.data.map(r => r.title).sort(), ['art-1001-rev', 'art-1002-rev', 'art-1003-rev', 'art-new']);
  // The replacement vector is what search now finds; the old one no longer maps to its row.
  const s = expectOk(await client.search({ collection_name: MAIN, anns_field: 'embedding', data: replaced[1].embedding, limit: 1, params: EF, output_fields: ['title'], consistency_level: STRONG }), 'search new vector');
  assert.equal(Number(s.results[0].id), BASE_ID + 1);
  assert.equal(s.results[0].title, 'art-1002-rev');
  const old = expectOk(await client.search({ collection_name: MAIN, anns_field: 'embedding', data: rows[1].embedding, limit: 1, params: EF, consistency_level: STRONG }), 'search old vector');
  assert.ok(old.results[0].score < 0.9999, `the overwritten vector still matches exactly: ${JSON.stringify(old.results[0])}`);
});

test('delete by primary keys and by filter', async () => {
  const d1 = expectOk(await client.delete({ collection_name: MAIN, ids: [BASE_ID, BASE_ID + 1] }), 'delete ids');
  assert.equal(Number(d1.delete_cnt), 2);
  const d2 = expectOk(await client.delete({ collection_name: MAIN, filter: `id in [${BASE_ID + 2}, ${BASE_ID + 3}, 5000]` }), 'delete filter');
  assert.equal(Number(d2.delete_cnt), 3);
  assert.equal((await client.count({ collection_name: MAIN })).data, N - 4);
  const left = expectOk(await client.query({ collection_name: MAIN, filter: `id <= ${BASE_ID + 5} or id == 5000`, output_fields: ['id'], consistency_level: STRONG }), 'query after delete');
  assert.deepEqual(left.data.map(r => Number(r.id)).sort((a, b) => a - b), [BASE_ID + 4, BASE_ID + 5]);
  const s = expectOk(await client.search({ collection_name: MAIN, anns_field: 'embedding', data: rows[3].embedding, limit: 5, params: EF, consistency_level: STRONG }), 'search deleted vector');
  assertHits(s.results, bruteForce(rows.slice(4), 'embedding', rows[3].embedding, 'COSINE', 5), 'search skips deleted rows');
});

test('partitions: create, insert into, load, search and query within, statistics, release, drop', async () => {
  expectOk(await client.createPartition({ collection_name: MAIN, partition_name: 'shelf_a' }), 'createPartition');
  assert.equal((await client.hasPartition({ collection_name: MAIN, partition_name: 'shelf_a' })).value, true);
  assert.equal((await client.hasPartition({ collection_name: MAIN, partition_name: 'shelf_b' })).value, false);
  const lp = expectOk(await client.listPartitions({ collection_name: MAIN }), 'listPartitions');
  assert.deepEqual(lp.partition_names.slice().sort(), ['_default', 'shelf_a']);
  const twin = { ...rows[40], id: 9001, title: 'art-shelved' };  // same vectors as row 1041, in the new partition
  expectOk(await client.insert({ collection_name: MAIN, partition_name: 'shelf_a', data: [twin] }), 'insert shelf_a');
  expectOk(await client.loadPartitions({ collection_name: MAIN, partition_names: ['shelf_a'] }), 'loadPartitions');
  const inPart = expectOk(await client.search({ collection_name: MAIN, partition_names: ['shelf_a'], anns_field: 'embedding', data: twin.embedding, limit: 5, output_fields: ['title'], consistency_level: STRONG }), 'partition search');
  assert.equal(inPart.results.length, 1);
  assert.equal(Number(inPart.results[0].id), 9001);
  assert.equal(inPart.results[0].title, 'art-shelved');
  const inDefault = expectOk(await client.search({ collection_name: MAIN, partition_names: ['_default'], anns_field: 'embedding', data: twin.embedding, limit: 1, params: EF, consistency_level: STRONG }), 'default partition search');
  assert.equal(Number(inDefault.results[0].id), rows[40].id);
  const both = expectOk(await client.search({ collection_name: MAIN, anns_field: 'embedding', data: twin.embedding, limit: 2, params: EF, consistency_level: STRONG }), 'whole collection search');
  assert.deepEqual(ids(both.results).sort((a, b) => a - b), [rows[40].id, 9001]);
  const pq = expectOk(await client.query({ collection_name: MAIN, partition_names: ['shelf_a'], filter: 'id > 0', output_fields: ['id'], consistency_level: STRONG }), 'partition query');
  assert.deepEqual(pq.data.map(r => Number(r.id)), [9001]);
  expectOk(await client.flush({ collection_names: [MAIN] }), 'flush shelf_a');
  const ps = expectOk(await client.getPartitionStatistics({ collection_name: MAIN, partition_name: 'shelf_a' }), 'partition stats');
  assert.equal(Number(ps.data.row_count), 1);
  assert.equal((await client.count({ collection_name: MAIN })).data, N - 3);
  expectOk(await client.releasePartitions({ collection_name: MAIN, partition_names: ['shelf_a'] }), 'releasePartitions');
  expectOk(await client.dropPartition({ collection_name: MAIN, partition_name: 'shelf_a' }), 'dropPartition');
  assert.equal((await client.hasPartition({ collection_name: MAIN, partition_name: 'shelf_a' })).value, false);
  assert.deepEqual((await client.listPartitions({ collection_name: MAIN })).partition_names, ['_default']);
  assert.equal((await client.count({ collection_name: MAIN })).data, N - 4, 'the dropped partition took its row with it');
});

test('aliases: create, describe, list, read through, retarget, drop', async () => {
  expectOk(await client.createAlias({ collection_name: MAIN, alias: ALIAS }), 'createAlias');
  const da = expectOk(await client.describeAlias({ collection_name: MAIN, alias: ALIAS }), 'describeAlias');
  assert.equal(da.alias, ALIAS);
  assert.equal(da.collection, MAIN);
  const la = expectOk(await client.listAliases({ collection_name: MAIN }), 'listAliases');
  assert.deepEqual(la.aliases, [ALIAS]);
  const q = expectOk(await client.query({ collection_name: ALIAS, filter: `id == ${BASE_ID + 20}`, output_fields: ['title'], consistency_level: STRONG }), 'query via alias');
  assert.deepEqual(q.data.map(r => r.title), ['art-1021']);
  expectOk(await client.alterAlias({ collection_name: QUICK, alias: ALIAS }), 'alterAlias');
  const da2 = expectOk(await client.describeAlias({ collection_name: QUICK, alias: ALIAS }), 'describeAlias after alter');
  assert.equal(da2.collection, QUICK);
  assert.equal(await countRows(ALIAS), 12, 'the alias now reads the quick collection');
  expectOk(await client.dropAlias({ alias: ALIAS }), 'dropAlias');
  assert.ok(!ok((await client.describeAlias({ collection_name: QUICK, alias: ALIAS })).status), 'a dropped alias is gone');
  assert.equal((await client.count({ collection_name: MAIN })).data, N - 4, 'dropping the alias leaves the collection alone');
});

test('databases: create, list, describe, isolate collections, drop', async () => {
  expectOk(await client.createDatabase({ db_name: DB }), 'createDatabase');
  const l = expectOk(await client.listDatabases(), 'listDatabases');
  assert.deepEqual(l.db_names.slice().sort(), ['default', DB].sort());
  const d = expectOk(await client.describeDatabase({ db_name: DB }), 'describeDatabase');
  assert.equal(d.db_name, DB);
  await client.useDatabase({ db_name: DB });
  try {
    assert.deepEqual((await client.listCollections()).data, [], 'a new database is empty');
    // Same name as a collection in the default database: a separate collection.
    expectOk(await client.createCollection({ collection_name: QUICK, dimension: 3 }), 'create in database');
    expectOk(await client.insert({ collection_name: QUICK, data: [{ id: 1, vector: [1, 0, 0] }, { id: 2, vector: [0, 1, 0] }] }), 'insert in database');
    assert.equal(await countRows(QUICK), 2);
    const lc = expectOk(await client.listCollections(), 'list in database');
    assert.deepEqual(lc.data.map(c => c.name), [QUICK]);
    expectOk(await client.dropCollection({ collection_name: QUICK }), 'drop in database');
  } finally {
    await client.useDatabase({ db_name: 'default' });
  }
  assert.equal(await countRows(QUICK), 12, 'the default database kept its own collection');
  assert.deepEqual((await client.listCollections()).data.map(c => c.name).sort(), [MAIN, QUICK].sort());
  expectOk(await client.dropDatabase({ db_name: DB }), 'dropDatabase');
  assert.deepEqual((await client.listDatabases()).db_names, ['default']);
});

test('users and roles: create, password change, grant and revoke, describe, drop', async () => {
  const user = 'flow_editor';
  const role = 'flow_curator';
  expectOk(await client.createUser({ username: user, password: 'Tr1cky-pass' }), 'createUser');
  assert.deepEqual(expectOk(await client.listUsers(), 'listUsers').usernames.slice().sort(), [user, 'root'].sort());
  assert.ok(!ok(await client.updateUser({ username: user, oldPassword: 'not-the-password', newPassword: 'Tr1cky-pass2' })), 'wrong old password');
  expectOk(await client.updateUser({ username: user, oldPassword: 'Tr1cky-pass', newPassword: 'Tr1cky-pass2' }), 'updateUser');
  expectOk(await client.createRole({ roleName: role }), 'createRole');
  expectOk(await client.addUserToRole({ username: user, roleName: role }), 'addUserToRole');
  const du = expectOk(await client.describeUser({ username: user }), 'describeUser');
  assert.deepEqual(du.results[0].roles.map(r => r.name), [role]);
  const lr = expectOk(await client.listRoles(), 'listRoles');
  assert.ok(lr.results.some(r => r.role.name === role));
  expectOk(await client.grantPrivilege({ roleName: role, object: 'Collection', objectName: MAIN, privilegeName: 'Search' }), 'grantPrivilege');
  const grants = expectOk(await client.listGrants({ roleName: role }), 'listGrants');
  assert.equal(grants.entities.length, 1, JSON.stringify(grants.entities));
  assert.equal(grants.entities[0].object.name, 'Collection');
  assert.equal(grants.entities[0].object_name, MAIN);
  assert.equal(grants.entities[0].grantor.privilege.name, 'Search');
  expectOk(await client.revokePrivilege({ roleName: role, object: 'Collection', objectName: MAIN, privilegeName: 'Search' }), 'revokePrivilege');
  assert.deepEqual(expectOk(await client.listGrants({ roleName: role }), 'listGrants after revoke').entities, []);
  expectOk(await client.removeUserFromRole({ username: user, roleName: role }), 'removeUserFromRole');
  assert.deepEqual(expectOk(await client.describeUser({ username: user }), 'describeUser after removal').results[0].roles, []);
  expectOk(await client.dropRole({ roleName: role }), 'dropRole');
  assert.ok(!(await client.listRoles()).results.some(r => r.role.name === role));
  expectOk(await client.deleteUser({ username: user }), 'deleteUser');
  assert.deepEqual((await client.listUsers()).usernames, ['root']);
});

test('release and drop: unloaded search fails, dropped collections are gone', async () => {
  expectOk(await client.releaseCollection({ collection_name: MAIN }), 'release');
  const st = expectOk(await client.getLoadState({ collection_name: MAIN }), 'load state after release');
  assert.equal(st.state, 'LoadStateNotLoad');
  const s = await client.search({ collection_name: MAIN, anns_field: 'embedding', data: rows[50].embedding, limit: 1 });
  assert.equal(code(s), 101, JSON.stringify(s.status));
  expectOk(await client.dropCollection({ collection_name: MAIN }), 'drop');
  expectOk(await client.dropCollection({ collection_name: QUICK }), 'drop quick');
  assert.equal((await client.hasCollection({ collection_name: MAIN })).value, false);
  assert.equal((await client.hasCollection({ collection_name: QUICK })).value, false);
  assert.deepEqual((await client.listCollections()).data, []);
  assert.equal(code(await client.describeCollection({ collection_name: MAIN })), 100);
});
