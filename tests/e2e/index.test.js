'use strict';
// Vector indexes through the Node SDK: the indexnode builds HNSW / IVF / binary / sparse indexes
// for flushed segments, DescribeIndex reports progress, the querynode swaps them in and searches
// through them (proved by its metrics), filtered recall is checked against a brute force computed
// here, a restart loads the index files instead of rebuilding, and DropIndex deletes the files.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { startServer, sleep, metric, waitFor } = require('./lib/server');
const { rnd, l2, ok } = require('./lib/data');
const { listObjects } = require('./lib/objects');

const STRONG = ConsistencyLevelEnum.Strong;


// Clustered float vectors (a Gaussian-ish mixture from sums of uniforms).
function clustered(n, dim, centers) {
  return Array.from({ length: n }, () => {
    const c = centers[Math.floor(rnd() * centers.length)];
    return c.map(x => x + (rnd() + rnd() + rnd() - 1.5) * 0.5);
  });
}

function bruteForce(base, query, k, allowed, distance, higher) {
  const scored = [];
  for (let i = 0; i < base.length; i++) if (allowed(i)) scored.push([distance(query, base[i]), i]);
  scored.sort((a, b) => (higher ? b[0] - a[0] : a[0] - b[0]) || a[1] - b[1]);
  return scored.slice(0, k).map(s => s[1]);
}

function recall(results, truths) {
  let found = 0, total = 0;
  results.forEach((hits, q) => {
    const want = new Set(truths[q]);
    total += want.size;
    for (const h of hits) if (want.has(Number(h.id))) found++;
  });
  return total ? found / total : 1;
}

async function waitIndexed(client, collection, indexName, rows) {
  await waitFor(async () => {
    const d = await client.describeIndex({ collection_name: collection, index_name: indexName });
    const desc = d.index_descriptions[0];
    return desc && Number(desc.indexed_rows) === rows && Number(desc.pending_index_rows) === 0 && desc.state === 'Finished';
  }, `index ${indexName} of ${collection} to be built`, 120000);
}

test('HNSW and IVF indexes are built, swapped in, searched with filters, kept over a restart and dropped', { timeout: 300000 }, async () => {
  const server = await startServer();
  let client = new MilvusClient({ address: server.address, timeout: 60000, logLevel: 'error' });
  await client.connectPromise;
  const N = 3000, DIM = 32;
  const centers = Array.from({ length: 12 }, () => Array.from({ length: DIM }, () => (rnd() * 2 - 1) * 3));
  const base = clustered(N, DIM, centers);
  const queries = clustered(20, DIM, centers);
  try {
    for (const [name, indexType, params] of [['hnsw_c', 'HNSW', { M: 16, efConstruction: 100 }],
      ['ivf_c', 'IVF_FLAT', { nlist: 32 }]]) {
      assert.ok(ok(await client.createCollection({
        collection_name: name, consistency_level: 'Strong',
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'tag', data_type: DataType.Int64 },
          { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
        ],
      })));
      const rows = base.map((v, i) => ({ id: i, tag: i % 100, vector: v }));
      for (let i = 0; i < N; i += 1000) {
        assert.ok(ok((await client.insert({ collection_name: name, data: rows.slice(i, i + 1000) })).status));
      }
      assert.ok(ok((await client.flushSync({ collection_names: [name] })).status));
      assert.ok(ok(await client.createIndex({ collection_name: name, field_name: 'vector', index_name: 'vidx', index_type: indexType, metric_type: 'L2', params })));
      // A scalar index on the filtered field: the filter engine answers from it (same results).
      assert.ok(ok(await client.createIndex({ collection_name: name, field_name: 'tag', index_name: 'tidx', index_type: name === 'hnsw_c' ? 'STL_SORT' : 'INVERTED' })));
      await waitIndexed(client, name, 'vidx', N);
      const progress = await client.getIndexBuildProgress({ collection_name: name, index_name: 'vidx' });
      assert.equal(Number(progress.indexed_rows), N);
      assert.equal(Number(progress.total_rows), N);
      assert.equal((await client.getIndexState({ collection_name: name, index_name: 'vidx' })).state, 'Finished');
      assert.ok(ok(await client.loadCollectionSync({ collection_name: name })));
    }
    const text = await server.metrics();
    assert.ok(metric(text, 'quiver_indexnode_builds_total') >= 2, 'the indexnode built the segment indexes');
    assert.ok(metric(text, 'quiver_querynode_segment_indexes') >= 2, 'the querynode loaded them');

    // Filtered searches at 1%, 10%, 90% and none, against brute force over the same rows.
    const searchParams = { hnsw_c: { ef: 128 }, ivf_c: { nprobe: 16 } };
    for (const name of ['hnsw_c', 'ivf_c']) {
      for (const [filter, allowed] of [['', () => true], ['tag < 1', i => i % 100 < 1], ['tag < 10', i => i % 100 < 10],
        ['tag < 90', i => i % 100 < 90], ['tag in [3, 50, 97]', i => [3, 50, 97].includes(i % 100)],
        ['tag >= 20 and tag != 25', i => i % 100 >= 20 && i % 100 !== 25]]) {
        const before = metric(await server.metrics(), 'quiver_querynode_indexed_segment_searches_total');
        const res = await client.search({
          collection_name: name, data: queries, limit: 10, filter, params: searchParams[name],
          output_fields: ['tag'], consistency_level: STRONG,
        });
        assert.ok(ok(res.status), JSON.stringify(res.status));
        const after = metric(await server.metrics(), 'quiver_querynode_indexed_segment_searches_total');
        assert.ok(after > before, `${name} "${filter}" was not served by the index`);
        const truths = queries.map(q => bruteForce(base, q, 10, allowed, l2, false));
        for (const hits of res.results) {
          assert.equal(hits.length, 10);
          for (const h of hits) assert.ok(allowed(Number(h.id)), `${name} returned row ${h.id} outside "${filter}"`);
        }
        const r = recall(res.results, truths);
        assert.ok(r >= 0.9, `${name} recall ${r} with filter "${filter}"`);
      }
    }
    // Bad search parameters of the index family are rejected with a clear message.
    const bad = await client.search({ collection_name: 'hnsw_c', data: queries[0], limit: 5, params: { ef: 0 } });
    assert.notEqual(bad.status.error_code, 'Success');
    assert.match(bad.status.reason, /ef/);

    // Restart: the index files are loaded, nothing is rebuilt, searches still use them.
    client.closeConnection();
    assert.equal((await server.stop()).code, 0);
    await server.start();
    client = new MilvusClient({ address: server.address, timeout: 60000, logLevel: 'error' });
    await client.connectPromise;
    const s = await client.search({ collection_name: 'hnsw_c', data: base[42], limit: 1, consistency_level: STRONG });
    assert.equal(String(s.results[0].id), '42');
    const restarted = await server.metrics();
    assert.ok(metric(restarted, 'quiver_querynode_indexed_segment_searches_total') >= 1);
    assert.ok(metric(restarted, 'quiver_querynode_segment_indexes') >= 2);
    await sleep(1000);
    assert.equal(metric(await server.metrics(), 'quiver_indexnode_builds_total'), 0, 'an index was rebuilt after the restart');

    // DropIndex (after release) removes the index files.
    const described = await client.describeCollection({ collection_name: 'hnsw_c' });
    const indexPrefix = `collections/${described.collectionID}/index/`;
    assert.ok(listObjects(server, indexPrefix).length > 0, 'index files exist before the drop');
    const refused = await client.dropIndex({ collection_name: 'hnsw_c', index_name: 'vidx' });
    assert.notEqual(refused.error_code, 'Success', 'a loaded collection keeps its index');
    assert.ok(ok(await client.releaseCollection({ collection_name: 'hnsw_c' })));
    assert.ok(ok(await client.dropIndex({ collection_name: 'hnsw_c', index_name: 'vidx' })));
    assert.deepEqual(listObjects(server, indexPrefix), [], 'index files left after DropIndex');
  } finally {
    client.closeConnection();
    await server.stop();
    server.cleanup();
  }
});

test('binary, sparse and float16 vectors are indexed and searched through the SDK', { timeout: 300000 }, async () => {
  const server = await startServer();
  const client = new MilvusClient({ address: server.address, timeout: 60000, logLevel: 'error' });
  await client.connectPromise;
  const N = 2000;
  try {
    assert.ok(ok(await client.createCollection({
      collection_name: 'kinds', consistency_level: 'Strong',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'bin', data_type: DataType.BinaryVector, dim: 64 },
        { name: 'sparse', data_type: DataType.SparseFloatVector },
        { name: 'half', data_type: DataType.Float16Vector, dim: 16 },
      ],
    })));
    const protos = Array.from({ length: 8 }, () => Array.from({ length: 8 }, () => Math.floor(rnd() * 256)));
    const rows = Array.from({ length: N }, (_, i) => {
      const p = protos[i % 8];
      const bin = p.map(b => b ^ (rnd() < 0.3 ? 1 << Math.floor(rnd() * 8) : 0));
      const sparse = {};
      for (let j = 0; j < 6; j++) sparse[Math.floor(rnd() * 200)] = Math.round(rnd() * 1000) / 1000 + 0.001;
      const half = Array.from({ length: 16 }, () => Math.round((rnd() * 2 - 1) * 256) / 256);
      return { id: i, bin, sparse, half };
    });
    assert.ok(ok(await client.createIndex({ collection_name: 'kinds', field_name: 'bin', index_name: 'bidx', index_type: 'BIN_IVF_FLAT', metric_type: 'HAMMING', params: { nlist: 16 } })));
    assert.ok(ok(await client.createIndex({ collection_name: 'kinds', field_name: 'sparse', index_name: 'sidx', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'IP' })));
    assert.ok(ok(await client.createIndex({ collection_name: 'kinds', field_name: 'half', index_name: 'hidx', index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 100 } })));
    const wrongMetric = await client.createIndex({ collection_name: 'kinds', field_name: 'bin', index_name: 'x', index_type: 'BIN_FLAT', metric_type: 'L2' });
    assert.notEqual(wrongMetric.error_code, 'Success');
    assert.ok(ok(await client.loadCollectionSync({ collection_name: 'kinds' })));
    for (let i = 0; i < N; i += 1000) {
      const res = await client.insert({ collection_name: 'kinds', data: rows.slice(i, i + 1000) });
      assert.ok(ok(res.status), JSON.stringify(res.status));
    }

    const hamming = (a, b) => a.reduce((s, x, i) => { let v = x ^ b[i], c = 0; while (v) { c += v & 1; v >>= 1; } return s + c; }, 0);
    const sparseIp = (a, b) => Object.entries(a).reduce((s, [k, v]) => s + (b[k] !== undefined ? v * b[k] : 0), 0);
    const qs = [3, 77, 512, 1999];
    const verify = async (when) => {
      // Binary: HAMMING distances equal the brute force's at every rank.
      let res = await client.search({ collection_name: 'kinds', anns_field: 'bin', data: qs.map(i => rows[i].bin), limit: 5, params: { nprobe: 16 }, consistency_level: STRONG });
      assert.ok(ok(res.status), JSON.stringify(res.status));
      qs.forEach((qi, q) => {
        const want = rows.map(r => hamming(rows[qi].bin, r.bin)).sort((a, b) => a - b).slice(0, 5);
        assert.deepEqual(res.results[q].map(h => h.score), want, `binary hamming distances (${when})`);
      });
      // Sparse: IP scores equal the brute force's.
      res = await client.search({ collection_name: 'kinds', anns_field: 'sparse', data: qs.map(i => rows[i].sparse), limit: 5, consistency_level: STRONG });
      assert.ok(ok(res.status), JSON.stringify(res.status));
      qs.forEach((qi, q) => {
        const want = rows.map(r => sparseIp(rows[qi].sparse, r.sparse)).filter(s => s > 0).sort((a, b) => b - a).slice(0, 5);
        assert.equal(res.results[q].length, want.length);
        res.results[q].forEach((h, i) => assert.ok(Math.abs(h.score - want[i]) < 1e-3, `sparse score ${h.score} vs ${want[i]} (${when})`));
      });
      // Float16: a stored vector finds itself — always when searched exactly, and for at least 48
      // of 50 rows within the top 3 through HNSW (an approximate index may miss a node).
      const selves = Array.from({ length: 50 }, (_, i) => (i * 37) % N);
      res = await client.search({ collection_name: 'kinds', anns_field: 'half', data: selves.map(i => rows[i].half), limit: 3, params: { ef: 64 }, consistency_level: STRONG });
      assert.ok(ok(res.status), JSON.stringify(res.status));
      const exact = selves.filter((qi, q) => String(res.results[q][0].id) === String(qi)).length;
      const top3 = selves.filter((qi, q) => res.results[q].some(h => String(h.id) === String(qi))).length;
      if (when.includes('exact')) {
        assert.equal(exact, selves.length, `float16 self match (${when})`);
      } else {
        assert.ok(top3 >= 48, `float16 self match in the top 3 for ${top3}/50 rows (${when})`);
      }
    };
    // Growing data: searched exactly.
    await verify('growing, exact');
    assert.equal(metric(await server.metrics(), 'quiver_querynode_indexed_segment_searches_total'), 0);
    // Flushed: the indexnode builds the three indexes, the querynode swaps them in.
    assert.ok(ok((await client.flushSync({ collection_names: ['kinds'] })).status));
    for (const idx of ['bidx', 'sidx', 'hidx']) await waitIndexed(client, 'kinds', idx, N);
    await waitFor(async () => metric(await server.metrics(), 'quiver_querynode_segment_indexes') >= 3, 'indexes swapped in', 60000);
    await verify('sealed, indexed');
    assert.ok(metric(await server.metrics(), 'quiver_querynode_indexed_segment_searches_total') >= 3);
    // A binary query of the wrong size is refused.
    const wrong = await client.search({ collection_name: 'kinds', anns_field: 'bin', data: [[1, 2, 3]], limit: 5 });
    assert.notEqual(wrong.status.error_code, 'Success');
  } finally {
    client.closeConnection();
    await server.stop();
    server.cleanup();
  }
});
