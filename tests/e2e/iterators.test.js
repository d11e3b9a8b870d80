'use strict';
// Query and search iterators as the Node SDK drives them (client.queryIterator: pages of
// `pk > last && filter` with a limit; client.searchIterator: search iterator v2 with a token, a
// last bound and a pinned snapshot). A query iterator exports every row exactly once, with Int64
// and VarChar keys, over sealed and growing segments, after deletes and upserts, with a filter,
// and while another client keeps inserting. A search iterator's pages concatenate to the exact
// brute-force order (FLAT, L2 / IP / COSINE), do not shift when rows are inserted between pages,
// and reach a high recall without repeats through HNSW.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { waitFor, startShared, stopShared } = require('./lib/server');
const { vec, l2, ip, cosine, ok } = require('./lib/data');

const STRONG = ConsistencyLevelEnum.Strong;
const DIM = 4;
const ROWS = 100000;       // query iterator export
const SEARCH_ROWS = 20000;  // search iterator collections
const TOP = 2000;          // search iterator: hits taken in total

let server;
let client;

before(async () => { ({ server, client } = await startShared({ timeout: 120000 })); });
after(() => stopShared(server, client));

function expectOk(res, what) {
  const st = res && res.status ? res.status : res;
  assert.ok(ok(st), `${what}: ${JSON.stringify(st)}`);
  return res;
}
const fvec = d => vec(d).map(Math.fround);

async function createCollection(name, pkType, extraFields = [], indexType = 'FLAT', metric = 'L2', params = {}) {
  expectOk(await client.createCollection({
    collection_name: name, consistency_level: 'Strong',
    fields: [
      pkType === DataType.VarChar
        ? { name: 'id', data_type: DataType.VarChar, is_primary_key: true, max_length: 32 }
        : { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      ...extraFields,
      { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
    ],
  }), `create ${name}`);
  expectOk(await client.createIndex({ collection_name: name, field_name: 'vector', index_type: indexType, metric_type: metric, params }), `index ${name}`);
  expectOk(await client.loadCollectionSync({ collection_name: name }), `load ${name}`);
}

async function insertAll(name, rows, batch = 10000) {
  for (let i = 0; i < rows.length; i += batch) {
    const res = await client.insert({ collection_name: name, data: rows.slice(i, i + batch) });
    expectOk(res.status, `insert into ${name}`);
  }
}

// Every page of a query iterator, concatenated (ids as strings).
async function exportIds(name, batchSize, filter, someClient = client) {
  const iterator = await someClient.queryIterator({
    collection_name: name, batchSize, output_fields: ['id'], filter, consistency_level: STRONG,
  });
  const ids = [];
  let pages = 0;
  for await (const page of iterator) {
    pages++;
    for (const row of page) ids.push(String(row.id));
  }
  return { ids, pages };
}

function assertExactlyOnce(got, want, what) {
  const seen = new Set();
  const twice = [];
  for (const id of got) {
    if (seen.has(id)) twice.push(id);
    seen.add(id);
  }
  assert.deepEqual(twice.slice(0, 5), [], `${what}: ids returned twice`);
  const missing = [...want].filter(id => !seen.has(id));
  assert.deepEqual(missing.slice(0, 5), [], `${what}: ${missing.length} ids missing`);
  const extra = got.filter(id => !want.has(id));
  assert.deepEqual(extra.slice(0, 5), [], `${what}: ids that should not be there`);
}

// 100,000 rows per key type: 60,000 flushed (sealed), 40,000 growing; every 97th row deleted and
// every 89th upserted (its new version lives in the growing segment), so keys appear in several
// segments and the reduce must keep one version of each.
const kinds = [
  { name: 'qit_int', pkType: DataType.Int64, key: i => i },
  { name: 'qit_str', pkType: DataType.VarChar, key: i => `k${i}` },
];
const liveKeys = {};

test('query iterator: setup 100,000 rows per key type (sealed + growing, deletes, upserts)', { timeout: 120000 }, async () => {
  for (const kind of kinds) {
    await createCollection(kind.name, kind.pkType, [{ name: 'tag', data_type: DataType.Int64 }]);
    const rows = Array.from({ length: ROWS }, (_, i) => ({ id: kind.key(i), tag: i % 100, vector: vec(DIM) }));
    await insertAll(kind.name, rows.slice(0, 60000));
    expectOk(await client.flushSync({ collection_names: [kind.name] }), `flush ${kind.name}`);
    await insertAll(kind.name, rows.slice(60000));
    const deleted = rows.filter((_, i) => i % 97 === 0).map(r => r.id);
    expectOk(await client.delete({ collection_name: kind.name, ids: deleted }), `delete from ${kind.name}`);
    const upserts = rows.filter((_, i) => i % 89 === 0 && i % 97 !== 0).map(r => ({ ...r, vector: vec(DIM) }));
    expectOk(await client.upsert({ collection_name: kind.name, data: upserts }), `upsert into ${kind.name}`);
    liveKeys[kind.name] = { all: new Set(), low: new Set() };
    for (let i = 0; i < ROWS; i++) {
      if (i % 97 === 0) continue;
      liveKeys[kind.name].all.add(String(kind.key(i)));
      if (i % 100 < 30) liveKeys[kind.name].low.add(String(kind.key(i)));
    }
    const count = await client.count({ collection_name: kind.name });
    assert.equal(count.data, liveKeys[kind.name].all.size);
  }
});

for (const kind of kinds) {
  test(`query iterator exports every ${kind.name === 'qit_int' ? 'Int64' : 'VarChar'}-keyed row exactly once`, { timeout: 120000 }, async () => {
    const want = liveKeys[kind.name];
    for (const batchSize of [1000, 7777]) {
      const { ids, pages } = await exportIds(kind.name, batchSize);
      assertExactlyOnce(ids, want.all, `${kind.name} batch ${batchSize}`);
      assert.ok(pages >= Math.ceil(want.all.size / batchSize), `${pages} pages`);
    }
    const { ids } = await exportIds(kind.name, 1000, 'tag < 30');
    assertExactlyOnce(ids, want.low, `${kind.name} filtered`);
    // The pages are in primary-key order (what makes the cursor exact).
    const sorted = kind.pkType === DataType.Int64 ? [...ids].sort((a, b) => Number(a) - Number(b)) : [...ids].sort();
    assert.deepEqual(ids.slice(0, 50), sorted.slice(0, 50));
  });
}

test('query iterator during concurrent inserts: every earlier row once, none twice', { timeout: 300000 }, async () => {
  const name = 'qit_int';
  const before = new Set(liveKeys[name].all);
  // A second client appends new keys (above every existing one, like auto ids) until the export
  // ends, and flushes once in between so a growing segment is sealed and swapped mid-export.
  const writer = new MilvusClient({ address: server.address, timeout: 120000, logLevel: 'error' });
  await writer.connectPromise;
  let done = false;
  let inserted = 0;
  const insertLoop = (async () => {
    for (let batch = 0; batch < 400 && !done; batch++) {
      const rows = Array.from({ length: 500 }, (_, i) => ({ id: 1000000 + batch * 500 + i, tag: i % 100, vector: vec(DIM) }));
      expectOk((await writer.insert({ collection_name: name, data: rows })).status, 'concurrent insert');
      inserted += rows.length;
      if (batch === 5) expectOk(await writer.flushSync({ collection_names: [name] }), 'concurrent flush');
    }
  })();
  try {
    const { ids } = await exportIds(name, 1000);
    done = true;
    await insertLoop;
    assert.ok(inserted > 0, 'the writer inserted nothing during the export');
    const seen = new Set();
    for (const id of ids) {
      assert.ok(!seen.has(id), `id ${id} returned twice`);
      seen.add(id);
    }
    const missing = [...before].filter(id => !seen.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} earlier rows missing`);
  } finally {
    done = true;
    await insertLoop.catch(() => {});
    writer.closeConnection();
  }
});

// Search iterator collections: the same 20,000 vectors under L2, IP and COSINE.
const searchBase = Array.from({ length: SEARCH_ROWS }, () => fvec(DIM));
const searchQuery = fvec(DIM);
const distanceOf = { L2: l2, IP: ip, COSINE: cosine };
const higherIsBetter = { L2: false, IP: true, COSINE: true };

function bruteForce(metric, base = searchBase) {
  const scored = base.map((v, i) => [distanceOf[metric](searchQuery, v), i]);
  scored.sort((a, b) => (higherIsBetter[metric] ? b[0] - a[0] : a[0] - b[0]) || a[1] - b[1]);
  return scored;
}

async function searchPages(name, batchSize, extra = {}, betweenPages = async () => {}) {
  const iterator = await client.searchIterator({
    collection_name: name, data: searchQuery, batchSize, limit: TOP, output_fields: ['id'], ...extra,
  });
  const hits = [];
  const it = iterator[Symbol.asyncIterator]();
  for (let page = 0; ; page++) {
    const next = await it.next();
    if (next.done) break;
    assert.ok(next.value.length <= batchSize, `page ${page} has ${next.value.length} hits`);
    hits.push(...next.value.map(h => ({ id: Number(h.id), score: h.score })));
    await betweenPages(page);
  }
  return hits;
}

// Pages concatenated = the exact top-N: scores in order and equal to the brute force's position
// by position; ids equal except that near-equal distances may trade places (float32 vs double).
function assertExactOrder(hits, truth, metric, what) {
  assert.equal(hits.length, TOP, `${what}: ${hits.length} hits`);
  assert.equal(new Set(hits.map(h => h.id)).size, hits.length, `${what}: a hit came back twice`);
  const eps = 1e-5;
  for (let i = 0; i < hits.length; i++) {
    const want = truth[i][0];
    assert.ok(Math.abs(hits[i].score - want) <= eps * (1 + Math.abs(want)), `${what}: rank ${i} score ${hits[i].score} vs ${want}`);
    if (i > 0) {
      const prev = hits[i - 1].score;
      assert.ok(higherIsBetter[metric] ? hits[i].score <= prev : hits[i].score >= prev, `${what}: order broken at ${i}`);
    }
    const exact = truth[i][1];
    if (hits[i].id !== exact) {
      const d = distanceOf[metric](searchQuery, searchBase[hits[i].id]);
      assert.ok(Math.abs(d - want) <= eps * (1 + Math.abs(want)), `${what}: rank ${i} id ${hits[i].id} (d ${d}) instead of ${exact} (d ${want})`);
    }
  }
}

for (const metric of ['L2', 'IP', 'COSINE']) {
  test(`search iterator with a FLAT ${metric} index: pages concatenate to the exact top ${TOP}`, { timeout: 120000 }, async () => {
    const name = `sit_flat_${metric.toLowerCase()}`;
    await createCollection(name, DataType.Int64, [], 'FLAT', metric);
    const rows = searchBase.map((v, i) => ({ id: i, vector: v }));
    // 12,000 sealed (searched through the FLAT index), 8,000 growing (searched exactly).
    await insertAll(name, rows.slice(0, 12000));
    expectOk(await client.flushSync({ collection_names: [name] }), `flush ${name}`);
    await insertAll(name, rows.slice(12000));
    await waitFor(async () => {
      const d = await client.describeIndex({ collection_name: name, field_name: 'vector' });
      return d.index_descriptions[0] && Number(d.index_descriptions[0].indexed_rows) === 12000;
    }, `FLAT index of ${name}`, 60000);
    const truth = bruteForce(metric);
    for (const batchSize of [300, 1000]) {
      const hits = await searchPages(name, batchSize);
      assertExactOrder(hits, truth, metric, `${metric} batch ${batchSize}`);
    }
    if (metric !== 'L2') return;
    // Rows inserted between pages at distances the iterator has not reached yet stay out: every
    // page reads the first page's snapshot (guarantee_timestamp = its session_ts).
    const hits = await searchPages(name, 250, {}, async page => {
      if (page !== 0) return;
      const copies = truth.slice(1000, 1100).map(([, i], k) => ({ id: 5000000 + k, vector: searchBase[i] }));
      expectOk((await client.insert({ collection_name: name, data: copies })).status, 'insert between pages');
    });
    assert.deepEqual(hits.filter(h => h.id >= 5000000).map(h => h.id), [], 'rows inserted after the first page showed up');
    assertExactOrder(hits, truth, metric, 'L2 with inserts between pages');
  });
}

test(`search iterator with an HNSW index: no repeats, recall >= 0.9 of the top ${TOP}`, { timeout: 120000 }, async () => {
  for (const metric of ['L2', 'COSINE']) {
    const name = `sit_hnsw_${metric.toLowerCase()}`;
    await createCollection(name, DataType.Int64, [], 'HNSW', metric, { M: 16, efConstruction: 100 });
    await insertAll(name, searchBase.map((v, i) => ({ id: i, vector: v })));
    expectOk(await client.flushSync({ collection_names: [name] }), `flush ${name}`);
    await waitFor(async () => {
      const d = await client.describeIndex({ collection_name: name, field_name: 'vector' });
      const desc = d.index_descriptions[0];
      return desc && Number(desc.indexed_rows) === SEARCH_ROWS && desc.state === 'Finished';
    }, `HNSW index of ${name}`, 90000);
    const want = new Set(bruteForce(metric).slice(0, TOP).map(([, i]) => i));
    const hits = await searchPages(name, 400, { params: { ef: 64 } });
    assert.equal(new Set(hits.map(h => h.id)).size, hits.length, `${metric}: a hit came back twice`);
    assert.ok(hits.length >= TOP * 0.9, `${metric}: only ${hits.length} hits`);
    const found = hits.filter(h => want.has(h.id)).length;
    assert.ok(found / TOP >= 0.9, `${metric}: recall ${found / TOP}`);
  }
});
