'use strict';
// REST v2 through the official Node SDK's HttpClient, on the cases the gRPC tests cover:
// collections, partitions, indexes, aliases, entities, search and hybrid search, databases, auth
// and RBAC, bad input. Results are compared with MilvusClient (gRPC) on the same server and data,
// and searches with brute force over the rows. Cases run in order and build on each other.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { HttpClient, MilvusClient, ConsistencyLevelEnum, RRFRanker, WeightedRanker } = require('@zilliz/milvus2-sdk-node');
const { startServer, connectClient } = require('./lib/server');
const { vec, l2, cosine, ok } = require('./lib/data');

const STRONG = 'Strong';  // REST takes the level's name; ConsistencyLevelEnum.Strong for gRPC
const GSTRONG = ConsistencyLevelEnum.Strong;
const MAIN = 'rs_books';
const HYB = 'rs_hybrid';
const OTHER = 'rs_other';
const ALIAS = 'rs_shelf';
const DB = 'rs_tenant';
const DIM = 8;
const N = 120;
const HUES = ['amber', 'teal', 'violet', 'coral'];
const EF = { ef: 256 };  // beam wider than the collection: HNSW answers are exact here
const AUTH_ON = { QUIVER_COMMON_SECURITY_AUTHORIZATIONENABLED: 'true' };

let server;
let secured;
let http;   // HttpClient on `server`
let grpc;   // MilvusClient on `server`

before(async () => {
  // One after the other: each may be a whole deployment (QUIVER_E2E_CLUSTER).
  server = await startServer();
  secured = await startServer({ env: AUTH_ON });
  http = new HttpClient({ endpoint: `http://${server.address}`, timeout: 30000 });
  grpc = await connectClient(server, 30000);
});

after(async () => {
  if (grpc) grpc.closeConnection();
  for (const s of [server, secured]) {
    if (!s) continue;
    const exit = await s.stop();
    assert.equal(exit.code, 0, `quiver should stop cleanly on SIGTERM:\n${s.log.slice(-2000)}`);
    s.cleanup();
  }
});

// Vectors rounded to float32 as the server stores them, so brute force sees the same numbers.
const fvec = d => vec(d).map(Math.fround);
const close = (a, b, what, eps = 1e-4) => assert.ok(Math.abs(a - b) <= eps * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
// A REST reply with code 0; returns its data.
function okRest(res, what) {
  assert.equal(res.code, 0, `${what}: ${JSON.stringify(res)}`);
  return res.data;
}
// A REST reply refused with a non-zero Milvus code (exactly `code` when given).
function refused(res, what, code) {
  assert.ok(res.code !== 0 && res.code !== undefined, `${what} should fail: ${JSON.stringify(res)}`);
  assert.equal(typeof res.message, 'string', `${what}: a message`);
  if (code !== undefined) assert.equal(res.code, code, `${what}: ${JSON.stringify(res)}`);
  return res;
}
function okGrpc(res, what) {
  const st = res && res.status ? res.status : res;
  assert.ok(ok(st), `${what}: ${JSON.stringify(st)}`);
  return res;
}
const ids = hits => hits.map(h => Number(h.id));
const sortNum = a => a.slice().sort((x, y) => x - y);
// count(*) through REST at Strong consistency.
async function restCount(client, collection, filter = '') {
  const d = okRest(await client.query({ collectionName: collection, filter, outputFields: ['count(*)'], consistencyLevel: STRONG }),
    `count(*) on ${collection}`);
  assert.equal(d.length, 1, JSON.stringify(d));
  return Number(d[0]['count(*)']);
}
async function grpcCount(collection, filter = '') {
  const res = okGrpc(await grpc.query({ collection_name: collection, filter, output_fields: ['count(*)'], consistency_level: GSTRONG }),
    `gRPC count(*) on ${collection}`);
  return Number(res.data[0]['count(*)']);
}
// Exact L2 top-k of `pool` for `q`.
function bruteForce(pool, q, k, offset = 0) {
  return pool.map(r => ({ id: r.id, score: l2(q, r.vec) }))
    .sort((a, b) => a.score - b.score || a.id - b.id).slice(offset, offset + k);
}
// An HttpClient call rejected with HTTP `status` (the SDK throws HttpError on non-2xx replies),
// the reply body carrying Milvus code `code`.
async function rejectsHttp(promise, status, code, what) {
  await assert.rejects(promise, e => {
    assert.equal(e.name, 'HttpError', `${what}: ${e.stack}`);
    assert.equal(e.status, status, `${what}: ${e.message}`);
    assert.match(e.message, new RegExp(`"code":${code}\\b`), `${what}: ${e.message}`);
    return true;
  }, what);
}

const schemaForm = (name, extra = {}) => ({
  collectionName: name,
  schema: {
    autoID: false,
    enableDynamicField: true,
    fields: [
      { fieldName: 'id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'vec', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
      { fieldName: 'title', dataType: 'VarChar', elementTypeParams: { max_length: 64 } },
      { fieldName: 'year', dataType: 'Int64' },
    ],
  },
  ...extra,
});

const rows = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  vec: fvec(DIM),
  title: `book-${i + 1}`,
  year: 2000 + (i % 20),
  hue: HUES[i % 4],  // not in the schema: lands in the dynamic field
}));
const live = new Map(rows.map(r => [r.id, r]));  // what the collection holds, kept up to date

test('collections: schema-form create with indexParams, describe, list, has, rename, drop', async () => {
  okRest(await http.createCollection(schemaForm(MAIN, {
    indexParams: [{ fieldName: 'vec', indexName: 'vec_hnsw', metricType: 'L2', indexType: 'HNSW', params: { M: 16, efConstruction: 128 } }],
  })), 'create');
  const d = okRest(await http.describeCollection({ collectionName: MAIN }), 'describe');
  assert.equal(d.collectionName, MAIN);
  assert.equal(d.enableDynamicField, true);
  assert.equal(d.autoId, false);
  assert.equal(d.load, 'LoadStateLoaded', 'created with indexParams: indexed and loaded');
  assert.equal(d.consistencyLevel, 'Bounded');
  assert.deepEqual(d.fields.map(f => [f.name, f.type]), [['id', 'Int64'], ['vec', 'FloatVector'], ['title', 'VarChar'], ['year', 'Int64']]);
  const f = Object.fromEntries(d.fields.map(x => [x.name, x]));
  assert.equal(f.id.primaryKey, true);
  assert.equal(f.title.primaryKey, false);
  assert.deepEqual(f.vec.params, [{ key: 'dim', value: String(DIM) }]);
  assert.deepEqual(f.title.params, [{ key: 'max_length', value: '64' }]);
  assert.deepEqual(d.indexes, [{ fieldName: 'vec', indexName: 'vec_hnsw', metricType: 'L2' }]);
  // The gRPC view of the same collection.
  const g = okGrpc(await grpc.describeCollection({ collection_name: MAIN }), 'gRPC describe');
  assert.equal(String(g.collectionID), String(d.collectionID));
  assert.deepEqual(g.schema.fields.map(x => [x.name, x.data_type]), d.fields.map(x => [x.name, x.type]));
  assert.equal(g.schema.enable_dynamic_field, true);
  assert.equal((await grpc.getLoadState({ collection_name: MAIN })).state, 'LoadStateLoaded');
  const ls = okRest(await http.getCollectionLoadState({ collectionName: MAIN }), 'get_load_state');
  assert.equal(ls.loadState, 'LoadStateLoaded');

  // A second collection, created, renamed and dropped.
  okRest(await http.createCollection(schemaForm('rs_scratch')), 'create scratch (no indexParams)');
  const scratch = okRest(await http.describeCollection({ collectionName: 'rs_scratch' }), 'describe scratch');
  assert.equal(scratch.load, 'LoadStateNotLoad', 'no indexParams: not loaded');
  assert.deepEqual(scratch.indexes, []);
  assert.deepEqual(okRest(await http.listCollections(), 'list').slice().sort(), [MAIN, 'rs_scratch']);
  assert.deepEqual(okRest(await http.hasCollection({ collectionName: 'rs_scratch' }), 'has'), { has: true });
  assert.deepEqual(okRest(await http.hasCollection({ collectionName: 'rs_absent' }), 'has absent'), { has: false });
  okRest(await http.renameCollection({ collectionName: 'rs_scratch', newCollectionName: 'rs_renamed' }), 'rename');
  assert.equal(okRest(await http.hasCollection({ collectionName: 'rs_scratch' }), 'has old name').has, false);
  assert.equal(okRest(await http.hasCollection({ collectionName: 'rs_renamed' }), 'has new name').has, true);
  assert.equal((await grpc.hasCollection({ collection_name: 'rs_renamed' })).value, true, 'gRPC sees the rename');
  const renamed = okRest(await http.describeCollection({ collectionName: 'rs_renamed' }), 'describe renamed');
  assert.equal(renamed.collectionName, 'rs_renamed');
  assert.equal(renamed.collectionID, scratch.collectionID, 'a rename keeps the collection');
  okRest(await http.dropCollection({ collectionName: 'rs_renamed' }), 'drop');
  assert.equal(okRest(await http.hasCollection({ collectionName: 'rs_renamed' }), 'has dropped').has, false);
  assert.equal((await grpc.hasCollection({ collection_name: 'rs_renamed' })).value, false);
  refused(await http.describeCollection({ collectionName: 'rs_renamed' }), 'describe dropped', 100);
  assert.deepEqual(okRest(await http.listCollections(), 'list after drop'), [MAIN]);
});

test('partitions: create, list, has, insert into one, load, query and search within it, release, drop', async () => {
  okRest(await http.createPartition({ collectionName: MAIN, partitionName: 'shelf_a' }), 'createPartition');
  assert.deepEqual(okRest(await http.listPartitions({ collectionName: MAIN }), 'listPartitions').slice().sort(), ['_default', 'shelf_a']);
  assert.equal(okRest(await http.hasPartition({ collectionName: MAIN, partitionName: 'shelf_a' }), 'has').has, true);
  assert.equal(okRest(await http.hasPartition({ collectionName: MAIN, partitionName: 'shelf_b' }), 'has absent').has, false);
  const shelved = [9001, 9002, 9003].map(id => ({ id, vec: fvec(DIM), title: `shelved-${id}`, year: 1999 }));
  const ins = okRest(await http.insert({ collectionName: MAIN, partitionName: 'shelf_a', data: shelved }), 'insert into shelf_a');
  assert.equal(ins.insertCount, 3);
  okRest(await http.loadPartitions({ collectionName: MAIN, partitionNames: ['shelf_a'] }), 'loadPartitions');
  const st = okRest(await http.getCollectionLoadState({ collectionName: MAIN, partitionNames: ['shelf_a'] }), 'partition load state');
  assert.equal(st.loadState, 'LoadStateLoaded');
  const inPart = okRest(await http.query({ collectionName: MAIN, partitionNames: ['shelf_a'], filter: 'id > 0', outputFields: ['id', 'title'],
    consistencyLevel: STRONG }), 'query shelf_a');
  assert.deepEqual(sortNum(inPart.map(r => Number(r.id))), [9001, 9002, 9003]);
  inPart.forEach(r => assert.equal(r.title, `shelved-${r.id}`));
  assert.deepEqual(okRest(await http.query({ collectionName: MAIN, partitionNames: ['_default'], filter: 'id > 0', outputFields: ['id'],
    consistencyLevel: STRONG }), 'query _default'), [], 'nothing went to _default');
  const g = okGrpc(await grpc.query({ collection_name: MAIN, partition_names: ['shelf_a'], filter: 'id > 0', output_fields: ['id'],
    consistency_level: GSTRONG }), 'gRPC query shelf_a');
  assert.deepEqual(sortNum(g.data.map(r => Number(r.id))), [9001, 9002, 9003]);
  const s = okRest(await http.search({ collectionName: MAIN, partitionNames: ['shelf_a'], data: [shelved[1].vec], limit: 5,
    outputFields: ['title'], consistencyLevel: STRONG }), 'search shelf_a');
  assert.equal(s.length, 3, 'only the partition\'s rows');
  assert.equal(Number(s[0].id), 9002);
  close(s[0].distance, 0, 'self distance', 1e-6);
  assert.equal(s[0].title, 'shelved-9002');
  refused(await http.dropPartition({ collectionName: MAIN, partitionName: 'shelf_a' }), 'dropping a loaded partition');
  okRest(await http.releasePartitions({ collectionName: MAIN, partitionNames: ['shelf_a'] }), 'releasePartitions');
  const released = okRest(await http.getCollectionLoadState({ collectionName: MAIN, partitionNames: ['shelf_a'] }), 'released state');
  assert.equal(released.loadState, 'LoadStateNotLoad');
  refused(await http.query({ collectionName: MAIN, partitionNames: ['shelf_a'], filter: 'id > 0', outputFields: ['id'] }),
    'query on a released partition');
  okRest(await http.dropPartition({ collectionName: MAIN, partitionName: 'shelf_a' }), 'dropPartition');
  assert.equal(okRest(await http.hasPartition({ collectionName: MAIN, partitionName: 'shelf_a' }), 'has dropped').has, false);
  assert.deepEqual(okRest(await http.listPartitions({ collectionName: MAIN }), 'list after drop'), ['_default']);
  assert.equal(await restCount(http, MAIN), 0, 'the dropped partition took its rows');
});

test('indexes: HNSW with params created, described (params via gRPC), listed, dropped', async () => {
  const name = 'rs_indexed';
  okRest(await http.createCollection(schemaForm(name)), 'create unindexed');
  assert.deepEqual(okRest(await http.listIndexes({ collectionName: name }), 'list none'), []);
  refused(await http.search({ collectionName: name, data: [fvec(DIM)], limit: 1 }), 'search unindexed, unloaded', 101);
  okRest(await http.createIndex({ collectionName: name, indexParams: [
    { fieldName: 'vec', indexName: 'vec_ip', metricType: 'IP', indexType: 'HNSW', params: { M: 24, efConstruction: 144 } },
    { fieldName: 'year', indexName: 'year_inv', indexType: 'INVERTED' },
  ] }), 'createIndex');
  const d = okRest(await http.describeIndex({ collectionName: name, indexName: 'vec_ip' }), 'describeIndex');
  assert.equal(d.length, 1);
  assert.equal(d[0].indexName, 'vec_ip');
  assert.equal(d[0].fieldName, 'vec');
  assert.equal(d[0].indexType, 'HNSW');
  assert.equal(d[0].metricType, 'IP');
  assert.equal(d[0].indexState, 'Finished');
  const inv = okRest(await http.describeIndex({ collectionName: name, indexName: 'year_inv' }), 'describe INVERTED');
  assert.equal(inv[0].fieldName, 'year');
  assert.equal(inv[0].indexType, 'INVERTED');
  // REST describe carries type and metric only (as Milvus'); the build parameters reached the
  // index, as the gRPC description shows.
  const g = okGrpc(await grpc.describeIndex({ collection_name: name, index_name: 'vec_ip' }), 'gRPC describeIndex');
  const gp = Object.fromEntries(g.index_descriptions[0].params.map(p => [p.key, p.value]));
  const built = gp.params ? { ...gp, ...JSON.parse(gp.params) } : gp;
  assert.equal(built.index_type, 'HNSW');
  assert.equal(built.metric_type, 'IP');
  assert.equal(String(built.M), '24', JSON.stringify(gp));
  assert.equal(String(built.efConstruction), '144', JSON.stringify(gp));
  assert.deepEqual(okRest(await http.listIndexes({ collectionName: name }), 'listIndexes').slice().sort(), ['vec_ip', 'year_inv']);
  // The index made at create time on the main collection kept its parameters too.
  const mainIdx = okRest(await http.describeIndex({ collectionName: MAIN, indexName: 'vec_hnsw' }), 'describe main index');
  assert.deepEqual([mainIdx[0].indexType, mainIdx[0].metricType], ['HNSW', 'L2']);
  const gm = okGrpc(await grpc.describeIndex({ collection_name: MAIN, index_name: 'vec_hnsw' }), 'gRPC describe main index');
  const gmp = Object.fromEntries(gm.index_descriptions[0].params.map(p => [p.key, p.value]));
  assert.equal(String((gmp.params ? JSON.parse(gmp.params) : gmp).M), '16', JSON.stringify(gmp));
  // A loaded collection keeps its indexes; released, one can be dropped.
  okRest(await http.loadCollection({ collectionName: name }), 'load');
  refused(await http.dropIndex({ collectionName: name, indexName: 'vec_ip' }), 'drop an index of a loaded collection');
  okRest(await http.releaseCollection({ collectionName: name }), 'release');
  okRest(await http.dropIndex({ collectionName: name, indexName: 'year_inv' }), 'dropIndex');
  assert.deepEqual(okRest(await http.listIndexes({ collectionName: name }), 'list after drop'), ['vec_ip']);
  refused(await http.describeIndex({ collectionName: name, indexName: 'year_inv' }), 'describe dropped index', 700);
  okRest(await http.dropCollection({ collectionName: name }), 'drop collection');
});

test('entities: insert, upsert, get, query with filter/limit/offset, delete by ids and by filter', async () => {
  const ins = okRest(await http.insert({ collectionName: MAIN, data: rows }), 'insert');
  assert.equal(ins.insertCount, N);
  assert.deepEqual(ins.insertIds.map(Number), rows.map(r => r.id));
  assert.equal(await restCount(http, MAIN), N);
  assert.equal(await grpcCount(MAIN), N, 'gRPC counts the REST rows');

  // Upsert: three replaced (new title, year and vector), one new.
  const replaced = rows.slice(0, 3).map(r => ({ ...r, title: `${r.title}-v2`, year: 1990, vec: fvec(DIM) }));
  const fresh = { id: 500, vec: fvec(DIM), title: 'book-500', year: 2019, hue: 'teal' };
  const up = okRest(await http.upsert({ collectionName: MAIN, data: [...replaced, fresh] }), 'upsert');
  assert.equal(up.upsertCount, 4);
  assert.deepEqual(up.upsertIds.map(Number), [1, 2, 3, 500]);
  for (const r of [...replaced, fresh]) live.set(r.id, r);
  assert.equal(await restCount(http, MAIN), N + 1, 'upsert replaced, not duplicated');
  const got = okRest(await http.get({ collectionName: MAIN, id: [1, 2, 3, 500], outputFields: ['title', 'year', 'hue'],
    consistencyLevel: STRONG }), 'get');
  assert.deepEqual(sortNum(got.map(r => Number(r.id))), [1, 2, 3, 500]);
  for (const r of got) {
    const want = live.get(Number(r.id));
    assert.equal(r.title, want.title);
    assert.equal(Number(r.year), want.year);
    assert.equal(r.hue, want.hue, 'dynamic field by name');
  }
  const gotOne = okRest(await http.get({ collectionName: MAIN, id: 2, outputFields: ['vec'], consistencyLevel: STRONG }), 'get one');
  assert.equal(gotOne.length, 1);
  // REST writes float32 values with their shortest digits (as Milvus does): read back as float32,
  // they are the stored values bit for bit.
  assert.deepEqual(gotOne[0].vec.map(Math.fround), replaced[1].vec.map(Math.fround), 'the replacement vector, bit for bit');
  assert.deepEqual(okRest(await http.get({ collectionName: MAIN, id: [77777], outputFields: ['title'], consistencyLevel: STRONG }),
    'get missing'), []);

  // Query: filter (scalar and dynamic), output fields, limit/offset pages, the same as gRPC.
  const filter = 'year >= 2010 and hue in ["teal", "violet"]';
  const matching = [...live.values()].filter(r => r.year >= 2010 && ['teal', 'violet'].includes(r.hue));
  assert.ok(matching.length > 12, `enough rows for two pages: ${matching.length}`);
  assert.equal(await restCount(http, MAIN, filter), matching.length);
  const page = async (limit, offset) => okRest(await http.query({ collectionName: MAIN, filter, outputFields: ['title', 'year', 'hue'],
    limit, offset, consistencyLevel: STRONG }), `query page ${offset}`);
  const p1 = await page(6, 0);
  const p2 = await page(6, 6);
  assert.equal(p1.length, 6);
  assert.equal(p2.length, 6);
  const seen = [...p1, ...p2].map(r => Number(r.id));
  assert.equal(new Set(seen).size, 12, 'pages do not overlap');
  for (const r of [...p1, ...p2]) {
    const want = live.get(Number(r.id));
    assert.ok(want && matching.includes(want), `row ${r.id} matches the filter`);
    assert.equal(r.title, want.title);
    assert.equal(Number(r.year), want.year);
    assert.equal(r.hue, want.hue);
    assert.equal(r.vec, undefined, 'only the named output fields');
  }
  const both = await page(12, 0);
  assert.deepEqual(both.map(r => Number(r.id)), seen, 'limit 6 offset 6 continues limit 6 offset 0');
  for (const [limit, offset, restPage] of [[6, 0, p1], [6, 6, p2]]) {
    const g = okGrpc(await grpc.query({ collection_name: MAIN, filter, output_fields: ['title', 'year', 'hue'], limit, offset,
      consistency_level: GSTRONG }), `gRPC query page ${offset}`);
    assert.deepEqual(g.data.map(r => Number(r.id)), restPage.map(r => Number(r.id)), `REST and gRPC page ${offset}`);
    g.data.forEach((r, i) => assert.equal(r.title, restPage[i].title));
  }

  // Delete by primary keys (a filter on the key: REST v2 deletes by filter) and by a filter.
  okRest(await http.delete({ collectionName: MAIN, filter: 'id in [4, 5, 6]' }), 'delete by ids');
  for (const id of [4, 5, 6]) live.delete(id);
  const gone = [...live.values()].filter(r => r.year === 2003).map(r => r.id);
  assert.ok(gone.length > 0);
  okRest(await http.delete({ collectionName: MAIN, filter: 'year == 2003' }), 'delete by filter');
  for (const id of gone) live.delete(id);
  assert.deepEqual(okRest(await http.query({ collectionName: MAIN, filter: `id in [4, 5, 6, ${gone.join(', ')}]`, outputFields: ['id'],
    consistencyLevel: STRONG }), 'query deleted'), []);
  assert.deepEqual(okRest(await http.get({ collectionName: MAIN, id: [4, 5, 6], outputFields: ['id'], consistencyLevel: STRONG }),
    'get deleted'), []);
  assert.equal(await restCount(http, MAIN, 'year == 2003'), 0);
  assert.equal(await restCount(http, MAIN), live.size);
  assert.equal(await grpcCount(MAIN), live.size, 'gRPC sees the REST deletes');
  const left = okRest(await http.query({ collectionName: MAIN, filter: 'id <= 8', outputFields: ['id'], consistencyLevel: STRONG }), 'query left');
  assert.deepEqual(sortNum(left.map(r => Number(r.id))), [1, 2, 3, 7, 8].filter(id => live.has(id)));
});

test('search: filter, output fields, limit and offset equal the gRPC results and brute force', async () => {
  const pool = [...live.values()];
  const filter = 'year >= 2005 and hue != "coral"';
  const eligible = pool.filter(r => r.year >= 2005 && r.hue !== 'coral');
  const target = eligible.find(r => r.id > 40);
  assert.ok(target && eligible.length > 20 && eligible.length < pool.length, 'the filter selects');
  const restSearch = (data, limit, offset) => http.search({
    collectionName: MAIN, data, annsField: 'vec', filter, limit, offset, outputFields: ['title', 'year', 'hue'],
    searchParams: { metricType: 'L2', params: EF }, consistencyLevel: STRONG,
  });
  const grpcSearch = (data, limit, offset) => grpc.search({
    collection_name: MAIN, data, anns_field: 'vec', filter, limit, offset, output_fields: ['title', 'year', 'hue'],
    params: EF, metric_type: 'L2', consistency_level: GSTRONG,
  });
  const first = okRest(await restSearch([target.vec], 5, 0), 'search');
  assert.equal(first.length, 5);
  assert.equal(Number(first[0].id), target.id);
  close(first[0].distance, 0, 'self distance', 1e-6);
  const paged = okRest(await restSearch([target.vec], 5, 3), 'search offset 3');
  for (const [hits, offset] of [[first, 0], [paged, 3]]) {
    const want = bruteForce(eligible, target.vec, 5, offset);
    assert.deepEqual(ids(hits), want.map(w => w.id), `brute force, offset ${offset}`);
    hits.forEach((h, i) => close(h.distance, want[i].score, `distance ${i}, offset ${offset}`));
    const g = okGrpc(await grpcSearch(target.vec, 5, offset), `gRPC search offset ${offset}`);
    assert.deepEqual(ids(hits), ids(g.results), `REST and gRPC ids, offset ${offset}`);
    hits.forEach((h, i) => close(h.distance, g.results[i].score, `REST distance vs gRPC score ${i}`, 1e-6));
    for (const h of hits) {
      const row = live.get(Number(h.id));
      assert.equal(h.title, row.title);
      assert.equal(Number(h.year), row.year);
      assert.equal(h.hue, row.hue);
    }
  }
  assert.deepEqual(ids(paged).slice(0, 2), ids(first).slice(3), 'offset 3 continues where offset 0 was');

  // nq = 2: the SDK splits the rows by topks.
  const queries = [fvec(DIM), live.get(77).vec];
  const two = okRest(await restSearch(queries, 4, 0), 'search nq=2');
  assert.equal(two.length, 2, JSON.stringify(two).slice(0, 300));
  const g2 = okGrpc(await grpcSearch(queries, 4, 0), 'gRPC search nq=2');
  queries.forEach((q, qi) => {
    assert.deepEqual(ids(two[qi]), bruteForce(eligible, q, 4).map(w => w.id), `nq=2 query ${qi} brute force`);
    assert.deepEqual(ids(two[qi]), ids(g2.results[qi]), `nq=2 query ${qi} REST vs gRPC`);
  });
  // A deleted row is never found.
  const del = okRest(await http.search({ collectionName: MAIN, data: [rows[4].vec], limit: 3, consistencyLevel: STRONG }), 'search deleted');
  assert.ok(!ids(del).includes(5), JSON.stringify(del));
});

test('hybrid search: RRF and weighted rankers give the gRPC hybridSearch ids', async () => {
  okRest(await http.createCollection({
    collectionName: HYB,
    schema: { autoID: false, enableDynamicField: false, fields: [
      { fieldName: 'id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'dense', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
      { fieldName: 'sketch', dataType: 'FloatVector', elementTypeParams: { dim: 4 } },
      { fieldName: 'tag', dataType: 'VarChar', elementTypeParams: { max_length: 16 } },
    ] },
    indexParams: [
      { fieldName: 'dense', indexName: 'dense_idx', metricType: 'COSINE', indexType: 'HNSW', params: { M: 16, efConstruction: 128 } },
      { fieldName: 'sketch', indexName: 'sketch_idx', metricType: 'L2', indexType: 'HNSW', params: { M: 16, efConstruction: 128 } },
    ],
  }), 'create hybrid collection');
  const hrows = Array.from({ length: 80 }, (_, i) => ({ id: 100 + i, dense: fvec(DIM), sketch: fvec(4), tag: `tag-${i % 5}` }));
  assert.equal(okRest(await http.insert({ collectionName: HYB, data: hrows }), 'insert').insertCount, 80);
  const qa = fvec(DIM);
  const qb = fvec(4);
  const byId = Object.fromEntries(hrows.map(r => [r.id, r]));
  const cases = [
    ['rrf k=60', { strategy: 'rrf', params: { k: 60 } }, RRFRanker(60)],
    ['rrf k=5', { strategy: 'rrf', params: { k: 5 } }, RRFRanker(5)],
    ['weighted 0.7/0.3', { strategy: 'weighted', params: { weights: [0.7, 0.3] } }, WeightedRanker([0.7, 0.3])],
  ];
  for (const [what, rerank, ranker] of cases) {
    const rest = okRest(await http.hybridSearch({
      collectionName: HYB,
      search: [{ data: [qa], annsField: 'dense', limit: 10 }, { data: [qb], annsField: 'sketch', limit: 10 }],
      rerank, limit: 6, outputFields: ['tag'], consistencyLevel: STRONG,
    }), `REST hybrid ${what}`);
    const g = okGrpc(await grpc.hybridSearch({
      collection_name: HYB,
      data: [{ data: qa, anns_field: 'dense', limit: 10 }, { data: qb, anns_field: 'sketch', limit: 10 }],
      rerank: ranker, limit: 6, output_fields: ['tag'], consistency_level: GSTRONG,
    }), `gRPC hybrid ${what}`);
    assert.equal(rest.length, 6, `${what}: ${JSON.stringify(rest)}`);
    assert.deepEqual(ids(rest), ids(g.results), `${what}: REST and gRPC ids`);
    rest.forEach((h, i) => {
      close(h.distance, g.results[i].score, `${what}: fused score ${i}`, 1e-5);
      assert.equal(h.tag, byId[Number(h.id)].tag);
      if (i > 0) assert.ok(rest[i - 1].distance >= h.distance, `${what}: fused scores descend`);
    });
  }
  // RRF by hand for k=60: each sub-search's rank r adds 1 / (60 + r + 1).
  const rank = (field, q, metric) => hrows.map(r => ({ id: r.id, s: metric === 'L2' ? -l2(q, r[field]) : cosine(q, r[field]) }))
    .sort((a, b) => b.s - a.s).slice(0, 10).map(x => x.id);
  const fused = new Map();
  for (const list of [rank('dense', qa, 'COSINE'), rank('sketch', qb, 'L2')]) {
    list.forEach((id, r) => fused.set(id, (fused.get(id) || 0) + 1 / (60 + r + 1)));
  }
  const rrf = okRest(await http.hybridSearch({
    collectionName: HYB, search: [{ data: [qa], annsField: 'dense', limit: 10 }, { data: [qb], annsField: 'sketch', limit: 10 }],
    rerank: { strategy: 'rrf', params: { k: 60 } }, limit: 6, consistencyLevel: STRONG,
  }), 'REST hybrid rrf');
  rrf.forEach(h => close(h.distance, fused.get(Number(h.id)), `RRF score of ${h.id}`, 1e-5));
  const top = [...fused.values()].sort((a, b) => b - a);
  close(rrf[0].distance, top[0], 'best fused score');
});

test('aliases: create, list, describe, search through, alter, drop', async () => {
  okRest(await http.createCollection({ collectionName: OTHER, dimension: DIM, metricType: 'L2' }), 'create other');
  const others = [1, 2, 3].map(id => ({ id, vector: fvec(DIM) }));
  okRest(await http.insert({ collectionName: OTHER, data: others }), 'insert other');
  okRest(await http.createAlias({ collectionName: MAIN, aliasName: ALIAS }), 'createAlias');
  assert.deepEqual(okRest(await http.listAliases({ collectionName: MAIN }), 'listAliases'), [ALIAS]);
  assert.deepEqual(okRest(await http.listAliases({ collectionName: OTHER }), 'listAliases other'), []);
  const d = okRest(await http.describeAlias({ aliasName: ALIAS }), 'describeAlias');
  assert.equal(d.aliasName, ALIAS);
  assert.equal(d.collectionName, MAIN);
  assert.equal(d.dbName, 'default');
  const g = okGrpc(await grpc.describeAlias({ collection_name: MAIN, alias: ALIAS }), 'gRPC describeAlias');
  assert.equal(g.collection, MAIN);
  // Searching through the alias is searching the collection.
  const q = live.get(50).vec;
  const viaAlias = okRest(await http.search({ collectionName: ALIAS, data: [q], limit: 4, outputFields: ['title'],
    searchParams: { params: EF }, consistencyLevel: STRONG }), 'search via alias');
  const direct = okRest(await http.search({ collectionName: MAIN, data: [q], limit: 4, outputFields: ['title'],
    searchParams: { params: EF }, consistencyLevel: STRONG }), 'search direct');
  assert.equal(Number(viaAlias[0].id), 50);
  assert.deepEqual(ids(viaAlias), ids(direct));
  assert.deepEqual(viaAlias.map(h => h.title), direct.map(h => h.title));
  const gAlias = okGrpc(await grpc.search({ collection_name: ALIAS, data: q, limit: 4, params: EF, consistency_level: GSTRONG }), 'gRPC via alias');
  assert.deepEqual(ids(gAlias.results), ids(viaAlias));
  assert.equal(await restCount(http, ALIAS), live.size);
  // Retargeted: the alias now reads the other collection.
  okRest(await http.alterAlias({ collectionName: OTHER, aliasName: ALIAS }), 'alterAlias');
  assert.equal(okRest(await http.describeAlias({ aliasName: ALIAS }), 'describe after alter').collectionName, OTHER);
  assert.deepEqual(okRest(await http.listAliases({ collectionName: OTHER }), 'listAliases after alter'), [ALIAS]);
  assert.deepEqual(okRest(await http.listAliases({ collectionName: MAIN }), 'listAliases main after alter'), []);
  assert.equal(await restCount(http, ALIAS), 3);
  const s = okRest(await http.search({ collectionName: ALIAS, data: [others[2].vector], limit: 1, consistencyLevel: STRONG }), 'search after alter');
  assert.equal(Number(s[0].id), 3);
  okRest(await http.dropAlias({ aliasName: ALIAS }), 'dropAlias');
  refused(await http.describeAlias({ aliasName: ALIAS }), 'describe a dropped alias');
  refused(await http.query({ collectionName: ALIAS, filter: 'id > 0', outputFields: ['id'] }), 'query a dropped alias', 100);
  assert.equal(await restCount(http, OTHER), 3, 'dropping the alias leaves the collection alone');
  okRest(await http.dropCollection({ collectionName: OTHER }), 'drop other');
});

test('databases: create, list, describe; a collection in one is visible there only', async () => {
  okRest(await http.createDatabase({ dbName: DB }), 'createDatabase');
  assert.deepEqual(okRest(await http.listDatabases(), 'listDatabases').slice().sort(), ['default', DB].sort());
  const d = okRest(await http.describeDatabase({ dbName: DB }), 'describeDatabase');
  assert.equal(d.dbName, DB);
  refused(await http.describeDatabase({ dbName: 'rs_nowhere' }), 'describe a missing database', 800);
  // A client bound to the database (config.database), and dbName per call on the default one.
  const tenant = new HttpClient({ endpoint: `http://${server.address}`, database: DB, timeout: 30000 });
  assert.deepEqual(okRest(await tenant.listCollections({}), 'list in the new database'), []);
  okRest(await tenant.createCollection({ collectionName: MAIN, dimension: 4, metricType: 'L2' }), 'same name, other database');
  okRest(await tenant.insert({ collectionName: MAIN, data: [{ id: 1, vector: [1, 0, 0, 0] }, { id: 2, vector: [0, 1, 0, 0] }] }), 'insert there');
  assert.equal(await restCount(tenant, MAIN), 2);
  assert.deepEqual(okRest(await tenant.listCollections({}), 'list there'), [MAIN]);
  assert.deepEqual(okRest(await http.listCollections({ dbName: DB }), 'list by dbName'), [MAIN]);
  assert.equal(okRest(await http.describeCollection({ dbName: DB, collectionName: MAIN }), 'describe there').fields[1].type, 'FloatVector');
  assert.equal(await restCount(http, MAIN), live.size, 'the default database kept its own collection');
  assert.deepEqual(okRest(await http.listCollections(), 'list default').slice().sort(), [HYB, MAIN].sort());
  // gRPC, pointed at the database, sees the same.
  const g = okGrpc(await grpc.listCollections({ db_name: DB }), 'gRPC list in the database');
  assert.deepEqual(g.data.map(c => c.name), [MAIN]);
  okRest(await tenant.createCollection({ collectionName: 'rs_only_here', dimension: 4 }), 'a collection only there');
  assert.equal(okRest(await tenant.hasCollection({ collectionName: 'rs_only_here' }), 'has there').has, true);
  assert.equal(okRest(await http.hasCollection({ collectionName: 'rs_only_here' }), 'has in default').has, false);
  refused(await http.describeCollection({ collectionName: 'rs_only_here' }), 'describe from default', 100);
  refused(await http.dropDatabase({ dbName: DB }), 'drop a database that still has collections');
  okRest(await tenant.dropCollection({ collectionName: 'rs_only_here' }), 'drop there');
  okRest(await tenant.dropCollection({ collectionName: MAIN }), 'drop same-named there');
  okRest(await http.dropDatabase({ dbName: DB }), 'dropDatabase');
  assert.deepEqual(okRest(await http.listDatabases(), 'list after drop'), ['default']);
  refused(await http.listCollections({ dbName: DB }), 'list in a dropped database', 800);
});

test('bad input: unknown collection is code 100, wrong dimension and malformed filters are refused', async () => {
  const absent = 'rs_absent';
  refused(await http.describeCollection({ collectionName: absent }), 'describe', 100);
  refused(await http.insert({ collectionName: absent, data: [{ id: 1, vec: fvec(DIM) }] }), 'insert', 100);
  refused(await http.query({ collectionName: absent, filter: 'id > 0', outputFields: ['id'] }), 'query', 100);
  refused(await http.search({ collectionName: absent, data: [fvec(DIM)], limit: 1 }), 'search', 100);
  refused(await http.get({ collectionName: absent, id: [1], outputFields: ['id'] }), 'get', 100);
  refused(await http.delete({ collectionName: absent, filter: 'id in [1]' }), 'delete', 100);
  refused(await http.listPartitions({ collectionName: absent }), 'listPartitions', 100);
  refused(await http.createAlias({ collectionName: absent, aliasName: 'rs_dangling' }), 'createAlias', 100);
  const g = await grpc.describeCollection({ collection_name: absent });
  assert.equal(Number(g.status.code), 100, 'gRPC answers the same code');

  const before = await restCount(http, MAIN);
  const shortRow = { id: 7001, vec: [1, 2, 3], title: 'short', year: 2000 };
  const bad = refused(await http.insert({ collectionName: MAIN, data: [shortRow] }), 'insert a 3-dim vector into dim 8');
  assert.match(bad.message, /dim/i);
  assert.match(bad.message, /\b8\b/, `names the dimension: ${bad.message}`);
  const badUp = refused(await http.upsert({ collectionName: MAIN, data: [shortRow] }), 'upsert a 3-dim vector');
  assert.match(badUp.message, /\b8\b/);
  const badSearch = refused(await http.search({ collectionName: MAIN, data: [[1, 2, 3]], limit: 1 }), 'search with a 3-dim vector');
  assert.match(badSearch.message, /dim/i);
  assert.match(badSearch.message, /\b8\b/, `names the dimension: ${badSearch.message}`);
  const badHybrid = refused(await http.hybridSearch({ collectionName: HYB, search: [{ data: [[1, 2]], annsField: 'dense', limit: 3 },
    { data: [fvec(4)], annsField: 'sketch', limit: 3 }], rerank: { strategy: 'rrf', params: { k: 60 } }, limit: 3 }), 'hybrid with a 2-dim vector');
  assert.match(badHybrid.message, /\b8\b/);
  const gIns = await grpc.insert({ collection_name: MAIN, data: [shortRow] }).catch(e => ({ status: { code: -1, reason: e.message } }));
  assert.ok(!ok(gIns.status), 'gRPC refuses the short vector too');

  for (const filter of ['id >>> 3', 'id in [1, 2', 'year ==', 'title like']) {
    refused(await http.query({ collectionName: MAIN, filter, outputFields: ['id'], consistencyLevel: STRONG }), `query filter ${filter}`);
    refused(await http.search({ collectionName: MAIN, data: [fvec(DIM)], filter, limit: 2 }), `search filter ${filter}`);
  }
  refused(await http.delete({ collectionName: MAIN, filter: 'id in [1, 2' }), 'delete with a malformed filter');
  refused(await http.query({ collectionName: MAIN, filter: 'no_such_field > 1 and id <', outputFields: ['id'] }), 'unknown field, bad syntax');
  assert.equal(await restCount(http, MAIN), before, 'nothing was written or deleted');
});

test('auth on: root token works; a wrong token and no token are HTTP 401 / code 1800', async () => {
  const ep = `http://${secured.address}`;
  const root = new HttpClient({ endpoint: ep, token: 'root:Milvus', timeout: 30000 });
  okRest(await root.createCollection({ collectionName: 'guarded', dimension: 4, metricType: 'L2' }), 'root creates');
  assert.deepEqual(okRest(await root.listCollections(), 'root lists'), ['guarded']);
  const basic = new HttpClient({ endpoint: ep, username: 'root', password: 'Milvus', timeout: 30000 });
  assert.deepEqual(okRest(await basic.listCollections(), 'username/password config'), ['guarded']);
  for (const [what, client] of [
    ['no token', new HttpClient({ endpoint: ep, timeout: 30000 })],
    ['wrong password', new HttpClient({ endpoint: ep, token: 'root:wrong', timeout: 30000 })],
    ['unknown user', new HttpClient({ endpoint: ep, username: 'ghost', password: 'ghostpass', timeout: 30000 })],
    ['not user:password', new HttpClient({ endpoint: ep, token: 'garbage-token', timeout: 30000 })],
  ]) {
    await rejectsHttp(client.listCollections(), 401, 1800, `${what}: list`);
    await rejectsHttp(client.insert({ collectionName: 'guarded', data: [{ id: 1, vector: [1, 2, 3, 4] }] }), 401, 1800, `${what}: insert`);
    await rejectsHttp(client.createUser({ userName: 'sneaky', password: 'sneaky123' }), 401, 1800, `${what}: createUser`);
  }
  assert.deepEqual(okRest(await root.listUsers(), 'nothing was created'), ['root']);
  assert.equal(await restCount(root, 'guarded'), 0);
  // gRPC on the same port refuses the same credentials.
  const bad = new MilvusClient({ address: secured.address, token: 'root:wrong', timeout: 10000, logLevel: 'error' });
  try {
    await assert.rejects((async () => { await bad.connectPromise; await bad.listCollections(); })());
  } finally {
    bad.closeConnection();
  }
});

test('auth on: users and roles through HttpClient; no privilege is HTTP 403 / 65535 until granted', async () => {
  const ep = `http://${secured.address}`;
  const root = new HttpClient({ endpoint: ep, token: 'root:Milvus', timeout: 30000 });
  const USER = 'rs_writer';
  const ROLE = 'rs_writers';
  okRest(await root.createUser({ userName: USER, password: 'Writer-pass1' }), 'createUser');
  refused(await root.createUser({ userName: USER, password: 'Writer-pass1' }), 'createUser twice');
  assert.deepEqual(okRest(await root.listUsers(), 'listUsers').slice().sort(), ['root', USER].sort());
  okRest(await root.createRole({ roleName: ROLE }), 'createRole');
  assert.ok(okRest(await root.listRoles(), 'listRoles').includes(ROLE));
  assert.deepEqual(okRest(await root.describeUser({ userName: USER }), 'describeUser before grant'), []);
  assert.deepEqual(okRest(await root.describeRole({ roleName: ROLE }), 'describeRole before grant'), []);

  const user = new HttpClient({ endpoint: ep, username: USER, password: 'Writer-pass1', timeout: 30000 });
  const row = id => ({ id, vector: [id, 1, 2, 3] });
  await rejectsHttp(user.insert({ collectionName: 'guarded', data: [row(1)] }), 403, 65535, 'insert without privilege');
  await rejectsHttp(user.query({ collectionName: 'guarded', filter: 'id > 0', outputFields: ['id'] }), 403, 65535, 'query without privilege');
  await rejectsHttp(user.createUser({ userName: 'rs_other', password: 'Other-pass1' }), 403, 65535, 'createUser without privilege');

  // v1 grant (objectType / objectName) of Insert, and the v2 endpoint (roles/grant_privilege_v2,
  // which HttpClient has no method for: its generic POST) of Query.
  okRest(await root.grantPrivilegeToRole({ roleName: ROLE, objectType: 'Collection', objectName: 'guarded', privilege: 'Insert' }), 'grant Insert');
  okRest(await root.POST('/vectordb/roles/grant_privilege_v2', { roleName: ROLE, privilege: 'Query', collectionName: 'guarded' }), 'grant_privilege_v2 Query');
  await rejectsHttp(user.insert({ collectionName: 'guarded', data: [row(1)] }), 403, 65535, 'granted to a role the user lacks');
  okRest(await root.grantRoleToUser({ userName: USER, roleName: ROLE }), 'grantRoleToUser');
  assert.deepEqual(okRest(await root.describeUser({ userName: USER }), 'describeUser'), [ROLE]);
  const grants = okRest(await root.describeRole({ roleName: ROLE }), 'describeRole');
  assert.deepEqual(grants.map(g => [g.objectType, g.objectName, g.privilege]).sort(),
    [['Collection', 'guarded', 'Insert'], ['Collection', 'guarded', 'Query']]);
  grants.forEach(g => assert.equal(g.dbName, 'default'));

  const ins = okRest(await user.insert({ collectionName: 'guarded', data: [row(1), row(2)] }), 'insert after the grant');
  assert.equal(ins.insertCount, 2);
  const q = okRest(await user.query({ collectionName: 'guarded', filter: 'id > 0', outputFields: ['id'], consistencyLevel: STRONG }), 'query after the grant');
  assert.deepEqual(sortNum(q.map(r => Number(r.id))), [1, 2]);
  await rejectsHttp(user.delete({ collectionName: 'guarded', filter: 'id == 1' }), 403, 65535, 'Delete was not granted');
  await rejectsHttp(user.dropCollection({ collectionName: 'guarded' }), 403, 65535, 'DropCollection was not granted');

  // Revoked: refused again at once.
  okRest(await root.revokePrivilegeFromRole({ roleName: ROLE, objectType: 'Collection', objectName: 'guarded', privilege: 'Insert' }), 'revoke Insert');
  await rejectsHttp(user.insert({ collectionName: 'guarded', data: [row(3)] }), 403, 65535, 'insert after the revoke');
  assert.equal(await restCount(user, 'guarded'), 2, 'Query is still granted');
  refused(await root.dropRole({ roleName: ROLE }), 'drop a role that still holds privileges');
  okRest(await root.POST('/vectordb/roles/revoke_privilege_v2', { roleName: ROLE, privilege: 'Query', collectionName: 'guarded' }), 'revoke_privilege_v2');
  assert.deepEqual(okRest(await root.describeRole({ roleName: ROLE }), 'describeRole after revokes'), []);
  okRest(await root.revokeRoleFromUser({ userName: USER, roleName: ROLE }), 'revokeRoleFromUser');
  assert.deepEqual(okRest(await root.describeUser({ userName: USER }), 'describeUser after revoke'), []);
  await rejectsHttp(user.query({ collectionName: 'guarded', filter: 'id > 0', outputFields: ['id'] }), 403, 65535, 'query without the role');

  // Password change, then the user and role dropped: the old credentials stop working.
  okRest(await root.updateUserPassword({ userName: USER, password: 'Writer-pass1', newPassword: 'Writer-pass2' }), 'updateUserPassword');
  await rejectsHttp(user.listCollections(), 401, 1800, 'the old password');
  const renewed = new HttpClient({ endpoint: ep, username: USER, password: 'Writer-pass2', timeout: 30000 });
  assert.deepEqual(okRest(await renewed.listCollections(), 'the new password'), [], 'sees no collection it holds no privilege on');
  okRest(await root.dropRole({ roleName: ROLE }), 'dropRole');
  assert.ok(!okRest(await root.listRoles(), 'listRoles after drop').includes(ROLE));
  okRest(await root.dropUser({ userName: USER }), 'dropUser');
  assert.deepEqual(okRest(await root.listUsers(), 'listUsers after drop'), ['root']);
  await rejectsHttp(renewed.listCollections(), 401, 1800, 'a dropped user');
  assert.equal(await restCount(root, 'guarded'), 2);
});

test('a repeated collections/create with another metric fails without touching the existing collection', async () => {
    // Milvus: CreateCollection with the same name and schema is idempotent; the index with a
    // different metric is then refused ("at most one distinct index is allowed per field") and
    // the existing collection is left as it was (the undo of a half-made create only drops a
    // collection that request created).
    const name = 'rs_keep';
    try {
      okRest(await http.createCollection({ collectionName: name, dimension: 4, metricType: 'L2' }), 'create');
      okRest(await http.insert({ collectionName: name, data: [{ id: 1, vector: [1, 2, 3, 4] }, { id: 2, vector: [4, 3, 2, 1] }] }), 'insert');
      okRest(await http.createCollection({ collectionName: name, dimension: 4, metricType: 'L2' }), 'the same create again is idempotent');
      assert.equal(await restCount(http, name), 2);
      refused(await http.createCollection({ collectionName: name, dimension: 4, metricType: 'IP' }), 'the same name with another metric');
      assert.equal(okRest(await http.hasCollection({ collectionName: name }), 'has').has, true, 'the existing collection is still there');
      assert.equal(await restCount(http, name), 2, 'with its rows');
    } finally {
      await http.dropCollection({ collectionName: name });
    }
  });

test('a refused collections/drop (aliases attached) leaves the collection loaded and queryable', async () => {
    // Milvus checks for aliases before anything else and changes nothing when it refuses.
    const name = 'rs_pinned';
    try {
      okRest(await http.createCollection({ collectionName: name, dimension: 4, metricType: 'L2' }), 'create');
      okRest(await http.insert({ collectionName: name, data: [{ id: 1, vector: [1, 2, 3, 4] }] }), 'insert');
      okRest(await http.createAlias({ collectionName: name, aliasName: 'rs_pin' }), 'alias');
      const drop = refused(await http.dropCollection({ collectionName: name }), 'drop with an alias attached');
      assert.match(drop.message, /alias/);
      assert.equal(okRest(await http.getCollectionLoadState({ collectionName: name }), 'load state').loadState, 'LoadStateLoaded');
      assert.equal(await restCount(http, name), 1, 'still queryable after the refused drop');
      const s = okRest(await http.search({ collectionName: name, data: [[1, 2, 3, 4]], limit: 1, consistencyLevel: STRONG }), 'search');
      assert.equal(Number(s[0].id), 1);
    } finally {
      await http.dropAlias({ aliasName: 'rs_pin' });
      await http.dropCollection({ collectionName: name });
    }
  });

test('teardown: dropping the collections leaves the default database empty', async () => {
  okRest(await http.releaseCollection({ collectionName: MAIN }), 'release');
  assert.equal(okRest(await http.getCollectionLoadState({ collectionName: MAIN }), 'state').loadState, 'LoadStateNotLoad');
  refused(await http.search({ collectionName: MAIN, data: [fvec(DIM)], limit: 1 }), 'search a released collection', 101);
  for (const name of [MAIN, HYB]) okRest(await http.dropCollection({ collectionName: name }), `drop ${name}`);
  assert.deepEqual(okRest(await http.listCollections(), 'list'), []);
  assert.deepEqual((await grpc.listCollections()).data, []);
});
