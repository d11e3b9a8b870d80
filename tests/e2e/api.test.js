'use strict';
// The Milvus API through the official Node SDK: behaviours beyond the shared smoke flow, and the
// error cases clients rely on (codes from shared/spec/milvus-api.md §2).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { DataType, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { startShared, stopShared } = require('./lib/server');
const { vec, l2, ip, cosine, ok } = require('./lib/data');

const STRONG = ConsistencyLevelEnum.Strong;
let server;
let client;

before(async () => { ({ server, client } = await startShared()); });
after(() => stopShared(server, client));

const code = res => Number((res.status || res).code);
const errorCode = res => (res.status || res).error_code;

async function makeCollection(name, { dim = 8, metric = 'L2', extraFields = [], dynamic = false, autoID = false, pkType = DataType.Int64, load = true } = {}) {
  const fields = [
    { name: 'id', data_type: pkType, is_primary_key: true, autoID, max_length: 64 },
    { name: 'vector', data_type: DataType.FloatVector, dim },
    ...extraFields,
  ];
  assert.ok(ok(await client.createCollection({ collection_name: name, fields, enable_dynamic_field: dynamic, consistency_level: 'Strong' })));
  if (load) {
    assert.ok(ok(await client.createIndex({ collection_name: name, field_name: 'vector', index_type: 'FLAT', metric_type: metric })));
    assert.ok(ok(await client.loadCollection({ collection_name: name })));
  }
}

test('status server serves /healthz and Prometheus /metrics', async () => {
  const health = await fetch(`http://127.0.0.1:${server.statusPort}/healthz`);
  assert.equal(health.status, 200);
  await client.getVersion();
  const text = await server.metrics();
  assert.match(text, /# TYPE milvus_proxy_req_count counter/);
  assert.match(text, /milvus_proxy_req_count\{function_name="GetVersion",status="success"\} \d+/);
  assert.match(text, /milvus_proxy_req_latency_seconds_bucket\{function_name="GetVersion",le="\+Inf"\} \d+/);
  assert.match(text, /quiver_wal_bytes \d+/);
});

test('error codes: missing collection 100, not loaded 101, missing index 700, duplicate index', async () => {
  const d = await client.describeCollection({ collection_name: 'does_not_exist' });
  assert.equal(code(d), 100);
  assert.equal(errorCode(d), 'CollectionNotExists');
  await makeCollection('err_codes', { load: false });
  const s = await client.search({ collection_name: 'err_codes', data: vec(8), limit: 1 });
  assert.equal(code(s), 101);
  const q = await client.query({ collection_name: 'err_codes', filter: 'id > 0' });
  assert.equal(code(q), 101);
  const load = await client.loadCollectionAsync({ collection_name: 'err_codes' });
  assert.equal(code(load), 700);
  assert.equal(errorCode(load), 'IndexNotExist');
  const di = await client.describeIndex({ collection_name: 'err_codes', field_name: 'vector' });
  assert.equal(code(di), 700);
  assert.ok(ok(await client.createIndex({ collection_name: 'err_codes', field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } })));
  // Same index again: idempotent. Different parameters on the same field: rejected.
  assert.ok(ok(await client.createIndex({ collection_name: 'err_codes', field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } })));
  const dup = await client.createIndex({ collection_name: 'err_codes', field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'IP', params: { nlist: 16 } });
  assert.equal(code(dup), 702);
  const bad = await client.createIndex({ collection_name: 'err_codes', field_name: 'vector', index_type: 'NOT_AN_INDEX', metric_type: 'L2' });
  assert.equal(code(bad), 1100);
  const badParam = await client.createIndex({ collection_name: 'err_codes', field_name: 'vector', index_name: 'other', index_type: 'HNSW', metric_type: 'L2', params: { M: 1 } });
  assert.equal(code(badParam), 1100);
  assert.match(badParam.reason, /M of HNSW out of range/);
  const badMetric = await client.createIndex({ collection_name: 'err_codes', field_name: 'vector', index_name: 'other', index_type: 'FLAT', metric_type: 'HAMMING' });
  assert.equal(code(badMetric), 1100);
  assert.ok(ok(await client.loadCollection({ collection_name: 'err_codes' })));
  const drop = await client.dropIndex({ collection_name: 'err_codes', index_name: 'vector' });
  assert.ok(!ok(drop), 'dropping the index of a loaded collection must fail');
  assert.ok(ok(await client.releaseCollection({ collection_name: 'err_codes' })));
  assert.ok(ok(await client.dropIndex({ collection_name: 'err_codes', index_name: 'vector' })));
  assert.ok(ok(await client.dropCollection({ collection_name: 'err_codes' })));
});

test('bad input is rejected with a clear error and nothing is written', async () => {
  await makeCollection('bad_input', { extraFields: [{ name: 'title', data_type: DataType.VarChar, max_length: 5 }] });
  const wrongDim = await client.insert({ collection_name: 'bad_input', data: [{ id: 1, vector: vec(7), title: 'a' }] });
  assert.ok(!ok(wrongDim.status));
  const tooLong = await client.insert({ collection_name: 'bad_input', data: [{ id: 1, vector: vec(8), title: 'much too long' }] });
  assert.ok(!ok(tooLong.status));
  assert.match(tooLong.status.reason, /exceeds max length/);
  const missing = await client.insert({ collection_name: 'bad_input', fields_data: [{ id: 1, vector: vec(8) }] });
  assert.ok(!ok(missing.status));
  assert.equal((await client.count({ collection_name: 'bad_input' })).data, 0);
  // Bad filters: syntax errors carry a position; unknown fields are named.
  for (const filter of ['id >', 'id = 1', 'nosuch > 1', 'title > 3', 'id in [1, "a"]']) {
    const q = await client.query({ collection_name: 'bad_input', filter, consistency_level: STRONG });
    assert.equal(code(q), 1100, `${filter}: ${JSON.stringify(q.status)}`);
  }
  const syntax = await client.query({ collection_name: 'bad_input', filter: 'id > 1 and', consistency_level: STRONG });
  assert.match(syntax.status.reason, /position 10/);
  const sdim = await client.search({ collection_name: 'bad_input', data: vec(3), limit: 1 });
  assert.ok(!ok(sdim.status));
  assert.match(sdim.status.reason, /dimension/);
  const topk = await client.search({ collection_name: 'bad_input', data: vec(8), limit: 20000 });
  assert.ok(!ok(topk.status));
  const metric = await client.search({ collection_name: 'bad_input', data: vec(8), limit: 1, metric_type: 'IP' });
  assert.match(metric.status.reason, /metric type not match/);
  const empty = await client.query({ collection_name: 'bad_input', filter: '', output_fields: ['id'] });
  assert.match(empty.status.reason, /empty expression should be used with limit/);
  // The SDK throws the status for a failed quick create; either way it must be an invalid-name error.
  const badName = await client.createCollection({ collection_name: '1bad name', dimension: 4 }).catch(e => e);
  assert.equal(code(badName), 1100, JSON.stringify(badName));
  assert.match(badName.reason, /collection name/);
  assert.ok(ok(await client.dropCollection({ collection_name: 'bad_input' })));
});

test('search: all three metrics exact against brute force, nq > 1, offset, range search, filters', async () => {
  const data = Array.from({ length: 300 }, (_, i) => ({ id: i, vector: vec(16), bucket: i % 10 }));
  for (const [metric, fn, higher] of [['L2', l2, false], ['IP', ip, true], ['COSINE', cosine, true]]) {
    const name = `metric_${metric.toLowerCase()}`;
    await makeCollection(name, { dim: 16, metric, extraFields: [{ name: 'bucket', data_type: DataType.Int32 }] });
    assert.equal(Number((await client.insert({ collection_name: name, data })).insert_cnt), 300);
    const queries = [vec(16), vec(16), vec(16)];
    const res = await client.search({ collection_name: name, data: queries, limit: 5, offset: 2, filter: 'bucket < 5', output_fields: ['id', 'bucket'], consistency_level: STRONG });
    assert.ok(ok(res.status));
    assert.equal(res.results.length, 3);
    queries.forEach((q, qi) => {
      const expected = data.filter(r => r.bucket < 5).map(r => ({ id: r.id, d: fn(q, r.vector) }))
        .sort((a, b) => (higher ? b.d - a.d : a.d - b.d)).slice(2, 7);
      assert.deepEqual(res.results[qi].map(h => Number(h.id)), expected.map(e => e.id), `${metric} query ${qi}`);
      res.results[qi].forEach((h, k) => {
        assert.ok(Math.abs(h.score - expected[k].d) < 1e-3 * (1 + Math.abs(expected[k].d)));
        assert.ok(h.bucket < 5);
      });
    });
    // Range search: L2 keeps range_filter <= d < radius; IP/COSINE keep radius < s <= range_filter.
    const all = data.map(r => fn(queries[0], r.vector)).sort((a, b) => (higher ? b - a : a - b));
    const inner = all[5], outer = all[40];
    const ranged = await client.search({ collection_name: name, data: queries[0], limit: 100, output_fields: ['id'], params: { radius: outer, range_filter: inner }, consistency_level: STRONG });
    assert.ok(ok(ranged.status), JSON.stringify(ranged.status));
    assert.ok(ranged.results.length >= 33 && ranged.results.length <= 36, `${metric} range hits ${ranged.results.length}`);
    for (const h of ranged.results) assert.ok(higher ? (h.score > outer && h.score <= inner + 1e-6) : (h.score < outer && h.score >= inner - 1e-6));
    assert.ok(ok(await client.dropCollection({ collection_name: name })));
  }
});

test('auto id, VarChar keys, nullable and default values, partition keys, templates', async () => {
  await makeCollection('auto_ids', { autoID: true, extraFields: [
    { name: 'opt', data_type: DataType.Int32, nullable: true },
    { name: 'dflt', data_type: DataType.VarChar, max_length: 16, default_value: 'none' },
  ] });
  const ins = await client.insert({ collection_name: 'auto_ids', data: [{ vector: vec(8), opt: 1, dflt: 'x' }, { vector: vec(8), opt: null }] });
  assert.ok(ok(ins.status), JSON.stringify(ins.status));
  const ids = ins.IDs.int_id.data.map(String);  // int64 ids exceed 2^53: compare as strings
  assert.equal(ids.length, 2);
  assert.notEqual(ids[0], ids[1]);
  const rows = await client.query({ collection_name: 'auto_ids', filter: 'id > 0', output_fields: ['opt', 'dflt'], consistency_level: STRONG });
  const byId = Object.fromEntries(rows.data.map(r => [String(r.id), r]));
  assert.equal(byId[ids[0]].opt, 1);
  assert.equal(byId[ids[1]].opt, null);
  assert.equal(byId[ids[1]].dflt, 'none');
  assert.equal((await client.query({ collection_name: 'auto_ids', filter: 'opt is null', output_fields: ['id'], consistency_level: STRONG })).data.length, 1);

  await makeCollection('str_keys', { pkType: DataType.VarChar, dynamic: true });
  assert.ok(ok((await client.insert({ collection_name: 'str_keys', data: [{ id: 'a', vector: vec(8), n: 1 }, { id: 'b', vector: vec(8), n: 2 }, { id: 'c', vector: vec(8), n: 3 }] })).status));
  const got = await client.get({ collection_name: 'str_keys', ids: ['b'], output_fields: ['n'], consistency_level: STRONG });
  assert.equal(got.data.length, 1);
  const tmpl = await client.query({ collection_name: 'str_keys', filter: 'n >= {low} and id in {keys}', exprValues: { low: 2, keys: ['a', 'b', 'c'] }, output_fields: ['id'], consistency_level: STRONG });
  assert.ok(ok(tmpl.status), JSON.stringify(tmpl.status));
  assert.deepEqual(tmpl.data.map(r => r.id).sort(), ['b', 'c']);
  assert.equal(Number((await client.delete({ collection_name: 'str_keys', filter: 'n == 1' })).delete_cnt), 1);
  assert.equal((await client.count({ collection_name: 'str_keys' })).data, 2);

  assert.ok(ok(await client.createCollection({
    collection_name: 'pkey', num_partitions: 4, consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
      { name: 'tenant', data_type: DataType.VarChar, max_length: 16, is_partition_key: true },
    ],
  })));
  const parts = await client.listPartitions({ collection_name: 'pkey' });
  assert.equal(parts.partition_names.length, 4);
  assert.ok(ok(await client.createIndex({ collection_name: 'pkey', field_name: 'vector', metric_type: 'L2' })));
  assert.ok(ok(await client.loadCollection({ collection_name: 'pkey' })));
  const tenants = ['t1', 't2', 't3', 't4', 't5'];
  assert.ok(ok((await client.insert({ collection_name: 'pkey', data: Array.from({ length: 50 }, (_, i) => ({ id: i, vector: vec(4), tenant: tenants[i % 5] })) })).status));
  const t3 = await client.query({ collection_name: 'pkey', filter: 'tenant == "t3"', output_fields: ['id'], consistency_level: STRONG });
  assert.equal(t3.data.length, 10);
  const manual = await client.insert({ collection_name: 'pkey', partition_name: '_default_0', data: [{ id: 99, vector: vec(4), tenant: 'x' }] });
  assert.ok(!ok(manual.status), 'explicit partitions are refused in partition-key collections');
  const manualSearch = await client.search({ collection_name: 'pkey', partition_names: ['_default_0'], data: vec(4), limit: 1 });
  assert.equal(code(manualSearch), 1100);
  for (const n of ['auto_ids', 'str_keys', 'pkey']) assert.ok(ok(await client.dropCollection({ collection_name: n })));
});

test('collection management: rename, properties, show in-memory, statistics, replicas, flush state', async () => {
  await makeCollection('mgmt');
  assert.ok(ok((await client.insert({ collection_name: 'mgmt', data: Array.from({ length: 20 }, (_, i) => ({ id: i, vector: vec(8) })) })).status));
  const flush = await client.flush({ collection_names: ['mgmt'] });
  const segIds = flush.coll_segIDs.mgmt.data;
  assert.ok(segIds.length >= 1);
  const state = await client.getFlushState({ segmentIDs: segIds });
  assert.equal(state.flushed, true);
  assert.equal(Number((await client.getCollectionStatistics({ collection_name: 'mgmt' })).data.row_count), 20);
  const mem = await client.showCollections({ type: 1 });
  assert.ok(mem.data.some(c => c.name === 'mgmt'));
  const rep = await client.getReplicas({ collectionID: (await client.describeCollection({ collection_name: 'mgmt' })).collectionID });
  assert.ok(ok(rep.status));
  assert.equal(rep.replicas.length, 1);
  // User metadata is stored and reported; Milvus settings Quiver lacks (TTL > 0) are refused (options.test.js).
  assert.ok(ok(await client.alterCollectionProperties({ collection_name: 'mgmt', properties: { owner: 'e2e', 'collection.ttl.seconds': 0 } })));
  const desc = await client.describeCollection({ collection_name: 'mgmt' });
  assert.ok(desc.properties.some(p => p.key === 'owner' && p.value === 'e2e'));
  assert.ok(desc.properties.some(p => p.key === 'collection.ttl.seconds' && p.value === '0'));
  assert.ok(ok(await client.renameCollection({ collection_name: 'mgmt', new_collection_name: 'mgmt2' })));
  assert.equal((await client.hasCollection({ collection_name: 'mgmt' })).value, false);
  assert.equal((await client.count({ collection_name: 'mgmt2' })).data, 20);
  assert.ok(ok(await client.releaseCollection({ collection_name: 'mgmt2' })));
  assert.ok(ok(await client.dropCollection({ collection_name: 'mgmt2' })));
  assert.ok(ok(await client.dropCollection({ collection_name: 'mgmt2' })), 'dropping a missing collection succeeds');
});

test('not-yet-supported methods answer a Milvus error status, not UNIMPLEMENTED', async () => {
  const segments = await client.getQuerySegmentInfo({ collectionName: 'anything' });
  assert.equal(code(segments), 10, JSON.stringify(segments.status));
  assert.notEqual(errorCode(segments), 'Success');
  // On an existing collection, so the answer comes from ManualCompaction itself.
  await makeCollection('compact_me', { load: false });
  const compact = await client.compact({ collection_name: 'compact_me' });
  assert.equal(code(compact), 10, JSON.stringify(compact.status));
  assert.ok(ok(await client.dropCollection({ collection_name: 'compact_me' })));
  const health = await client.checkHealth();
  assert.equal(health.isHealthy, true);
});

test('users and roles: root is built in, passwords are checked, grants are listed', async () => {
  const users = await client.listUsers();
  assert.ok(users.usernames.includes('root'));
  assert.ok(!ok(await client.deleteUser({ username: 'root' })), 'root cannot be deleted');
  assert.ok(ok(await client.createUser({ username: 'alice', password: 'secret123' })));
  assert.ok(!ok(await client.createUser({ username: 'alice', password: 'secret123' })), 'duplicate user');
  assert.ok(!ok(await client.createUser({ username: 'bob', password: '123' })), 'short password');
  assert.ok(!ok(await client.updateUser({ username: 'alice', oldPassword: 'wrong-one', newPassword: 'secret456' })));
  assert.ok(ok(await client.updateUser({ username: 'alice', oldPassword: 'secret123', newPassword: 'secret456' })));
  assert.ok(ok(await client.createRole({ roleName: 'reader' })));
  assert.ok(ok(await client.addUserToRole({ username: 'alice', roleName: 'reader' })));
  assert.ok(ok(await client.grantPrivilege({ roleName: 'reader', object: 'Collection', objectName: 'c1', privilegeName: 'Query' })));
  const grants = await client.listGrants({ roleName: 'reader' });
  assert.ok(grants.entities.some(e => e.object_name === 'c1' && e.grantor.privilege.name === 'Query'));
  assert.ok(!ok(await client.dropRole({ roleName: 'admin' })), 'built-in roles cannot be dropped');
  const roles = await client.listRoles();
  assert.ok(['admin', 'public', 'reader'].every(r => roles.results.some(x => x.role.name === r)));
  assert.ok(ok(await client.revokePrivilege({ roleName: 'reader', object: 'Collection', objectName: 'c1', privilegeName: 'Query' })));
  assert.ok(ok(await client.dropRole({ roleName: 'reader' })));
  const alice = await client.describeUser({ username: 'alice' });
  assert.deepEqual(alice.results[0].roles, []);
  assert.ok(ok(await client.deleteUser({ username: 'alice' })));
});

