'use strict';
// Restart recovery: after kill -9 (and after a clean stop) every acknowledged row, delete,
// collection, index, partition and alias is back, loaded collections are loaded again, and no row
// appears twice — for data that was flushed, data still only in the WAL, and a mix.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { DataType, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer, connectClient } = require('./lib/server');
const { vec, ok } = require('./lib/data');

const STRONG = ConsistencyLevelEnum.Strong;
const DIM = 8;


function rows(from, count) {
  return Array.from({ length: count }, (_, i) => ({ id: from + i, vector: vec(DIM), tag: `t${(from + i) % 3}`, extra: from + i }));
}

async function setup(client) {
  assert.ok(ok(await client.createCollection({
    collection_name: 'rec', enable_dynamic_field: true, consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
      { name: 'tag', data_type: DataType.VarChar, max_length: 8 },
    ],
  })));
  assert.ok(ok(await client.createIndex({ collection_name: 'rec', field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 32 } })));
  assert.ok(ok(await client.createPartition({ collection_name: 'rec', partition_name: 'p1' })));
  assert.ok(ok(await client.createAlias({ collection_name: 'rec', alias: 'rec_alias' })));
  assert.ok(ok(await client.loadCollection({ collection_name: 'rec' })));
  assert.ok(ok(await client.createCollection({ collection_name: 'unloaded', dimension: 4 })));
  assert.ok(ok(await client.releaseCollection({ collection_name: 'unloaded' })));
}

async function count(client, name = 'rec') {
  const res = await client.query({ collection_name: name, output_fields: ['count(*)'], consistency_level: STRONG });
  assert.ok(ok(res.status), JSON.stringify(res.status));
  return Number(res.data[0]['count(*)']);
}

async function verify(client, expectedIds) {
  assert.equal((await client.getLoadState({ collection_name: 'rec' })).state, 'LoadStateLoaded');
  assert.equal((await client.getLoadState({ collection_name: 'unloaded' })).state, 'LoadStateNotLoad');
  assert.equal((await client.hasPartition({ collection_name: 'rec', partition_name: 'p1' })).value, true);
  assert.equal((await client.describeAlias({ collection_name: 'rec', alias: 'rec_alias' })).collection, 'rec');
  const idx = await client.describeIndex({ collection_name: 'rec', index_name: 'vector' });
  assert.ok(ok(idx.status));
  assert.equal(Object.fromEntries(idx.index_descriptions[0].params.map(p => [p.key, p.value])).index_type, 'HNSW');
  assert.equal(await count(client), expectedIds.size);
  // Every expected id is there exactly once.
  const all = await client.query({ collection_name: 'rec', filter: 'id >= 0', output_fields: ['id', 'tag', 'extra'], limit: 16384, consistency_level: STRONG });
  assert.ok(ok(all.status));
  const seen = all.data.map(r => Number(r.id));
  assert.equal(new Set(seen).size, seen.length, 'a row appears twice');
  assert.deepEqual(new Set(seen), expectedIds);
  // Dynamic fields survived too.
  for (const r of all.data.slice(0, 20)) assert.equal(Number(r.$meta ? r.$meta.extra : r.extra), Number(r.id));
}

for (const mode of ['kill9', 'sigterm']) {
  test(`everything acknowledged survives a restart (${mode})`, { timeout: 180000 }, async () => {
    let server = await new QuiverServer().start();
    const dataDir = server.dataDir;
    try {
      let client = await connectClient(server, 30000);
      await setup(client);
      const expected = new Set();
      // 1) flushed data
      let r = await client.insert({ collection_name: 'rec', data: rows(0, 300) });
      assert.equal(Number(r.insert_cnt), 300);
      for (let i = 0; i < 300; i++) expected.add(i);
      assert.ok(ok((await client.flush({ collection_names: ['rec'] })).status));
      // 2) deletes of flushed rows, then more rows only in the WAL, one batch into p1
      r = await client.delete({ collection_name: 'rec', filter: 'id in [0, 1, 2, 150]' });
      assert.equal(Number(r.delete_cnt), 4);
      for (const id of [0, 1, 2, 150]) expected.delete(id);
      r = await client.insert({ collection_name: 'rec', data: rows(1000, 200) });
      for (let i = 1000; i < 1200; i++) expected.add(i);
      r = await client.insert({ collection_name: 'rec', partition_name: 'p1', data: rows(5000, 10) });
      for (let i = 5000; i < 5010; i++) expected.add(i);
      // 3) an upsert of a flushed row and a delete of an unflushed one
      r = await client.upsert({ collection_name: 'rec', data: [{ id: 10, vector: vec(DIM), tag: 'new', extra: 10 }] });
      assert.equal(Number(r.upsert_cnt), 1);
      r = await client.delete({ collection_name: 'rec', ids: [1005] });
      expected.delete(1005);
      await verify(client, expected);
      client.closeConnection();

      if (mode === 'kill9') await server.kill9();
      else {
        const exit = await server.stop();
        assert.equal(exit.code, 0, `clean shutdown expected, got ${JSON.stringify(exit)}:\n${server.log.slice(-2000)}`);
      }
      server = await new QuiverServer(dataDir).start();
      client = await connectClient(server, 30000);
      await verify(client, expected);
      const upserted = await client.get({ collection_name: 'rec', ids: [10], output_fields: ['tag'], consistency_level: STRONG });
      assert.deepEqual(upserted.data.map(x => x.tag), ['new']);
      // The restarted server keeps working: write, flush, search.
      await client.insert({ collection_name: 'rec', data: rows(9000, 5) });
      for (let i = 9000; i < 9005; i++) expected.add(i);
      assert.ok(ok((await client.flush({ collection_names: ['rec'] })).status));
      await verify(client, expected);
      const s = await client.search({ collection_name: 'rec', data: vec(DIM), limit: 5, consistency_level: STRONG });
      assert.equal(s.results.length, 5);
      // A second restart after more flushes and WAL truncation.
      client.closeConnection();
      await server.kill9();
      server = await new QuiverServer(dataDir).start();
      client = await connectClient(server, 30000);
      await verify(client, expected);
      client.closeConnection();
    } finally {
      await server.stop();
      require('node:fs').rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
