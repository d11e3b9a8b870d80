'use strict';
// Hostile and unusual input through the Node SDK (issue 8): every case gets a Milvus status with
// the right code, nothing crashes the server, and nullable/sparse values round-trip exactly.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { DataType, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { startShared, stopShared } = require('./lib/server');
const { vec, ok } = require('./lib/data');

const STRONG = ConsistencyLevelEnum.Strong;
let server;
let client;

before(async () => { ({ server, client } = await startShared({ timeout: 60000 })); });
after(() => stopShared(server, client));

const code = res => Number((res.status || res).code);
const reason = res => String((res.status || res).reason);

async function alive() {
  const h = await client.checkHealth();
  assert.equal(h.isHealthy, true, 'server must stay healthy');
}

async function plainCollection(name, rows) {
  assert.ok(ok(await client.createCollection({
    collection_name: name, consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 4 },
    ],
  })));
  assert.ok(ok(await client.createIndex({ collection_name: name, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' })));
  assert.ok(ok(await client.loadCollection({ collection_name: name })));
  const data = Array.from({ length: rows }, (_, i) => ({ id: i, v: vec(4) }));
  const ins = await client.insert({ collection_name: name, data });
  assert.ok(ok(ins.status), JSON.stringify(ins.status));
  return data;
}

test('long flat expressions: arithmetic chains are refused with 1100, or-chains of 26,000 terms work', async () => {
  await plainCollection('deep_expr', 300);
  let sum = 'id';
  for (let i = 0; i < 16000; i++) sum += ' + 1';
  const deep = await client.query({ collection_name: 'deep_expr', filter: `${sum} > 0`, output_fields: ['id'], consistency_level: STRONG });
  assert.equal(code(deep), 1100, reason(deep).slice(0, 200));
  assert.match(reason(deep), /nested too deeply/);
  assert.ok(reason(deep).length < 2048, 'the reason must not echo the whole expression');

  const terms = [];
  for (let i = 0; i < 26000; i++) terms.push(`id == ${3 * i}`);
  const wide = await client.query({ collection_name: 'deep_expr', filter: terms.join(' or '), output_fields: ['id'], consistency_level: STRONG });
  assert.ok(ok(wide.status), reason(wide).slice(0, 300));
  const ids = wide.data.map(r => Number(r.id)).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: 100 }, (_, i) => 3 * i));
  const ands = [];
  for (let i = 0; i < 26000; i++) ands.push(`id != ${i + 1000}`);
  const all = await client.query({ collection_name: 'deep_expr', filter: ands.join(' and '), output_fields: ['id'], consistency_level: STRONG });
  assert.ok(ok(all.status), reason(all).slice(0, 300));
  assert.equal(all.data.length, 300);
  await alive();
});

test('error reasons do not echo unbounded input', async () => {
  const huge = 'n'.repeat(1 << 20);
  // The SDK throws the status of a failed quick create.
  const res = await client.createCollection({ collection_name: huge, dimension: 4 }).catch(e => e);
  assert.notEqual(code(res), 0);
  assert.ok(reason(res).length < 2048, `reason is ${reason(res).length} bytes`);
  const d = await client.describeCollection({ collection_name: huge });
  assert.ok(reason(d).length < 2048, `reason is ${reason(d).length} bytes`);
});

test('null values of every nullable type are stored and returned as null, before and after flush', async () => {
  const name = 'nullables';
  assert.ok(ok(await client.createCollection({
    collection_name: name, consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 4 },
      { name: 'j', data_type: DataType.JSON, nullable: true },
      { name: 's', data_type: DataType.VarChar, max_length: 16, nullable: true },
      { name: 'arr', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4, nullable: true },
      { name: 'f', data_type: DataType.Float, nullable: true },
      { name: 'd', data_type: DataType.Double, nullable: true },
      { name: 'i8', data_type: DataType.Int8, nullable: true },
      { name: 'i32', data_type: DataType.Int32, nullable: true },
      { name: 'i64', data_type: DataType.Int64, nullable: true },
      { name: 'b', data_type: DataType.Bool, nullable: true },
    ],
  })));
  assert.ok(ok(await client.createIndex({ collection_name: name, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' })));
  assert.ok(ok(await client.loadCollection({ collection_name: name })));
  const full = { j: { k: 'x', n: 2 }, s: 'text', arr: [1, 2], f: 1.5, d: 2.25, i8: -3, i32: 70000, i64: 5000000000, b: true };
  const nulls = Object.fromEntries(Object.keys(full).map(k => [k, null]));
  const rows = [
    { id: 1, v: vec(4), ...full },
    { id: 2, v: vec(4), ...nulls },
    { id: 3, v: vec(4) },  // every nullable field absent
    { id: 4, v: vec(4), ...full, j: null, s: null },
  ];
  const ins = await client.insert({ collection_name: name, data: rows });
  assert.ok(ok(ins.status), reason(ins));
  assert.equal(Number(ins.insert_cnt), 4);

  const fields = Object.keys(full);
  const check = async phase => {
    const q = await client.query({ collection_name: name, filter: 'id > 0', output_fields: ['id', ...fields], consistency_level: STRONG });
    assert.ok(ok(q.status), reason(q));
    const byId = Object.fromEntries(q.data.map(r => [Number(r.id), r]));
    assert.deepEqual(Object.keys(byId).map(Number).sort(), [1, 2, 3, 4], phase);
    assert.deepEqual(byId[1].j, full.j, phase);
    assert.equal(byId[1].s, 'text', phase);
    assert.deepEqual(byId[1].arr.map(Number), [1, 2], phase);
    assert.equal(byId[1].f, 1.5, phase);
    assert.equal(Number(byId[1].i64), 5000000000, phase);
    assert.equal(byId[1].b, true, phase);
    for (const id of [2, 3]) for (const f of fields) assert.equal(byId[id][f], null, `${phase}: row ${id} field ${f}`);
    assert.equal(byId[4].j, null, phase);
    assert.equal(byId[4].s, null, phase);
    assert.equal(byId[4].f, 1.5, phase);
    const isNull = await client.query({ collection_name: name, filter: 'j is null', output_fields: ['id'], consistency_level: STRONG });
    assert.deepEqual(isNull.data.map(r => Number(r.id)).sort(), [2, 3, 4], phase);
    const notNull = await client.query({ collection_name: name, filter: 's is not null', output_fields: ['id'], consistency_level: STRONG });
    assert.deepEqual(notNull.data.map(r => Number(r.id)), [1], phase);
  };
  await check('growing');
  assert.ok(ok((await client.flush({ collection_names: [name] })).status));
  await check('flushed');

  // A non-nullable JSON field refuses a null value instead of storing something else.
  assert.ok(ok(await client.createCollection({
    collection_name: 'json_required', fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 4 },
      { name: 'j', data_type: DataType.JSON },
    ],
  })));
  const bad = await client.insert({ collection_name: 'json_required', data: [{ id: 1, v: vec(4), j: null }] });
  assert.equal(code(bad), 1100);
  assert.match(reason(bad), /not nullable/);
});

test('JSON values are capped at 64 KiB and 1,024 levels', async () => {
  const name = 'json_limits';
  assert.ok(ok(await client.createCollection({
    collection_name: name, enable_dynamic_field: true, fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 4 },
      { name: 'j', data_type: DataType.JSON },
    ],
  })));
  const fits = { s: 'x'.repeat(65536 - 8) };  // JSON.stringify adds {"s":""} = 8 bytes
  assert.equal(JSON.stringify(fits).length, 65536);
  const okRes = await client.insert({ collection_name: name, data: [{ id: 1, v: vec(4), j: fits }] });
  assert.ok(ok(okRes.status), reason(okRes));
  const tooBig = await client.insert({ collection_name: name, data: [{ id: 2, v: vec(4), j: { s: 'x'.repeat(65536) } }] });
  assert.equal(code(tooBig), 1100);
  assert.match(reason(tooBig), /exceeds max length \(65536\)/);
  // The dynamic field is a JSON value too.
  const bigDynamic = await client.insert({ collection_name: name, data: [{ id: 3, v: vec(4), j: {}, extra: 'y'.repeat(70000) }] });
  assert.equal(code(bigDynamic), 1100);
  let nested = 1;
  for (let i = 0; i < 2000; i++) nested = [nested];
  const deep = await client.insert({ collection_name: name, data: [{ id: 4, v: vec(4), j: { deep: nested } }] });
  assert.equal(code(deep), 1100);
  assert.match(reason(deep), /nested deeper/);
  await alive();
});

test('sparse vectors: duplicates and non-finite values refused; unsorted rows score the same growing, flushed and indexed', async () => {
  const name = 'sparse_rules';
  assert.ok(ok(await client.createCollection({
    collection_name: name, consistency_level: 'Strong', fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'sp', data_type: DataType.SparseFloatVector },
    ],
  })));
  assert.ok(ok(await client.createIndex({
    collection_name: name, field_name: 'sp', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'IP', params: { drop_ratio_build: 0 },
  })));
  assert.ok(ok(await client.loadCollection({ collection_name: name })));
  const dup = await client.insert({ collection_name: name, data: [{ id: 1, sp: [{ index: 3, value: 1 }, { index: 3, value: 2 }] }] });
  assert.equal(code(dup), 1100);
  assert.match(reason(dup), /more than once/);
  const nan = await client.insert({ collection_name: name, data: [{ id: 1, sp: { indices: [1, 2], values: [0.5, NaN] } }] });
  assert.equal(code(nan), 1100);
  assert.match(reason(nan), /non-finite/);
  const inf = await client.insert({ collection_name: name, data: [{ id: 1, sp: { indices: [1], values: [Infinity] } }] });
  assert.equal(code(inf), 1100);

  // Rows in COO form with their indices out of order.
  const rows = Array.from({ length: 200 }, (_, i) => {
    const entries = [];
    for (let k = 0; k < 6; k++) entries.push({ index: ((i * 7 + k * 13) % 50) * 3 + k, value: 0.1 + ((i + k) % 9) / 10 });
    return { id: i, sp: entries.reverse() };
  });
  const ins = await client.insert({ collection_name: name, data: rows });
  assert.ok(ok(ins.status), reason(ins));
  const query = [{ index: 40, value: 0.7 }, { index: 3, value: 0.5 }, { index: 91, value: 0.9 }, { index: 12, value: 0.3 }];
  const search = async () => {
    const s = await client.search({ collection_name: name, anns_field: 'sp', data: [query], limit: 10, consistency_level: STRONG });
    assert.ok(ok(s.status), reason(s));
    return s.results.map(h => [Number(h.id), Math.round(h.score * 1e5)]);
  };
  // Expected by brute force in JS.
  const q = new Map(query.map(e => [e.index, e.value]));
  const expected = rows.map(r => [r.id, r.sp.reduce((acc, e) => acc + (q.get(e.index) || 0) * e.value, 0)])
    .filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10);
  const growing = await search();
  assert.deepEqual(growing.map(([, s]) => s), expected.map(([, s]) => Math.round(Math.fround(s) * 1e5)));
  assert.ok(ok((await client.flush({ collection_names: [name] })).status));
  const flushed = await search();
  assert.deepEqual(flushed.map(([, s]) => s), growing.map(([, s]) => s), 'scores must not change at flush');
  const dupQuery = await client.search({ collection_name: name, anns_field: 'sp', data: [[{ index: 1, value: 1 }, { index: 1, value: 1 }]], limit: 3 });
  assert.equal(code(dupQuery), 1100);
});

test('bad search parameters get Milvus status 1100, never a bare gRPC error or non-finite scores', async () => {
  await plainCollection('bad_params', 50);
  const q = vec(4);
  const cases = [
    ['negative offset', { offset: -1 }],
    ['huge offset', { offset: 9007199254740991 }, 1102],
    ['offset past the window', { offset: 16384 }, 1102],
    ['radius NaN', { params: { radius: NaN } }],
    ['radius string', { params: { radius: 'abc' } }],
    ['radius overflow', { params: { radius: '1e999' } }],
    ['range_filter inf string', { params: { radius: 1, range_filter: 'inf' } }],
    ['ef not a number', { params: { ef: 'many' } }],
    ['nprobe overflowing', { params: { nprobe: 1e300 } }],
    // The SDK rounds a top-level round_decimal itself; inside params it reaches the server.
    ['round_decimal huge', { params: { round_decimal: 1000000 } }],
    ['round_decimal negative', { params: { round_decimal: -5 } }],
    ['a search param the index does not use', { params: { ef: 64 } }],
    ['an unknown search param', { params: { warp_speed: 9 } }],
    ['ignore_growing', { ignore_growing: true }, 10],
    ['grouping', { group_by_field: 'id' }, 10],
  ];
  for (const [what, extra, expected = 1100] of cases) {
    const res = await client.search({ collection_name: 'bad_params', data: q, limit: 5, ...extra });
    assert.equal(code(res), expected, `${what}: ${JSON.stringify(res.status)}`);
  }
  const good = await client.search({ collection_name: 'bad_params', data: q, limit: 5, params: { round_decimal: 2 }, offset: 2 });
  assert.ok(ok(good.status), reason(good));
  assert.equal(good.results.length, 5);
  for (const hit of good.results) {
    assert.ok(Number.isFinite(hit.score));
    assert.ok(Math.abs(hit.score * 100 - Math.round(hit.score * 100)) < 1e-3, `score ${hit.score} rounded to 2 decimals`);
  }
  const hybrid = await client.hybridSearch({
    collection_name: 'bad_params', data: [{ data: q, anns_field: 'v' }], limit: 3, params: { round_decimal: 99 },
  });
  assert.equal(code(hybrid), 1100, JSON.stringify(hybrid.status));
  const query = await client.query({ collection_name: 'bad_params', filter: 'id >= 0', limit: 10, offset: 9007199254740991 });
  assert.equal(code(query), 1102);
  await alive();
});
