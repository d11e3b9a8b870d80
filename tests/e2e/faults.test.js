'use strict';
// Faults of files and disks (issue 8): one damaged collection never keeps the server from
// starting, index files are rebuilt, and a consumer that cannot write (the object store refuses
// new files) is reported by /healthz and Flush, recovers by itself, and does not block SIGTERM.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { DataType, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer, metric, waitFor, sleep, connectClient } = require('./lib/server');
const { vec, ok } = require('./lib/data');

const STRONG = ConsistencyLevelEnum.Strong;
const DIM = 8;


async function collection(client, name, { index = 'FLAT', rows = 300 } = {}) {
  assert.ok(ok(await client.createCollection({
    collection_name: name, consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
    ],
  })));
  const params = index === 'HNSW' ? { M: 8, efConstruction: 64 } : {};
  assert.ok(ok(await client.createIndex({ collection_name: name, field_name: 'v', index_type: index, metric_type: 'L2', params })));
  assert.ok(ok(await client.loadCollection({ collection_name: name })));
  const data = Array.from({ length: rows }, (_, i) => ({ id: i, v: vec(DIM) }));
  assert.ok(ok((await client.insert({ collection_name: name, data })).status));
  assert.ok(ok((await client.flush({ collection_names: [name] })).status));
  return data;
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

function flipMiddleByte(file) {
  const bytes = fs.readFileSync(file);
  bytes[bytes.length >> 1] ^= 0x5a;
  fs.writeFileSync(file, bytes);
}

async function health(server) {
  const res = await fetch(`http://127.0.0.1:${server.statusPort}/healthz`);
  return { status: res.status, body: await res.text() };
}

test('a damaged collection comes up not loaded with its error; index files are rebuilt; the rest serves', { timeout: 240000 }, async () => {
  const server = await new QuiverServer().start();
  let client = await connectClient(server);
  try {
    const good = await collection(client, 'good');
    await collection(client, 'damaged');
    const indexed = await collection(client, 'indexed', { index: 'HNSW' });
    await waitFor(async () => metric(await server.metrics(), 'quiver_querynode_segment_indexes') >= 1, 'the HNSW index', 60000);
    const ids = {};
    for (const name of ['damaged', 'indexed']) ids[name] = String((await client.describeCollection({ collection_name: name })).collectionID);
    client.closeConnection();
    assert.equal((await server.stop()).code, 0);

    const objects = path.join(server.dataDir, 'objects', 'collections');
    const segmentFiles = filesUnder(path.join(objects, ids.damaged, 'segments'));
    assert.ok(segmentFiles.length >= 1, 'the damaged collection has a segment file');
    flipMiddleByte(segmentFiles[0]);
    const indexFiles = filesUnder(path.join(objects, ids.indexed, 'index'));
    assert.equal(indexFiles.length, 1, 'one index file');
    flipMiddleByte(indexFiles[0]);

    await server.start();  // must start: before, one bad file kept the whole server down
    assert.match(server.log, /collection cannot be loaded/);
    client = await connectClient(server);
    const q = await client.query({ collection_name: 'good', filter: 'id >= 0', output_fields: ['id'], consistency_level: STRONG });
    assert.equal(q.data.length, good.length);

    const state = await client.getLoadState({ collection_name: 'damaged' });
    assert.equal(Number(state.status.code), 101, JSON.stringify(state.status));
    assert.match(state.status.reason, /loading failed/);
    assert.match(state.status.reason, /[Cc]orrupt|checksum|mismatch/);
    const search = await client.search({ collection_name: 'damaged', data: vec(DIM), limit: 3 });
    assert.equal(Number(search.status.code), 101);
    assert.match(search.status.reason, /loading failed/);
    const described = await client.describeCollection({ collection_name: 'damaged' });
    assert.ok(ok(described.status), 'the damaged collection is still described');

    // The damaged index file is discarded and built again; searches are exact meanwhile.
    const s = await client.search({ collection_name: 'indexed', data: indexed[17].v, limit: 1, consistency_level: STRONG });
    assert.ok(ok(s.status), s.status.reason);
    assert.equal(String(s.results[0].id), '17');
    await waitFor(async () => metric(await server.metrics(), 'quiver_indexnode_builds_total') >= 1, 'the index rebuild', 60000);
    await waitFor(async () => metric(await server.metrics(), 'quiver_querynode_segment_indexes') >= 1, 'the rebuilt index to be served', 60000);
    assert.match(server.log, /segment index discarded/);
    const again = await client.search({ collection_name: 'indexed', data: indexed[99].v, limit: 1, consistency_level: STRONG });
    assert.equal(String(again.results[0].id), '99');
  } finally {
    client.closeConnection();
    await server.stop();
    server.cleanup();
  }
});

// chattr +i makes a directory refuse new entries even for root: a real fault, no mock.
function chattr(flag, dir) {
  return spawnSync('chattr', [flag, dir], { encoding: 'utf8' });
}

function immutableWorks() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-chattr-'));
  try {
    if (chattr('+i', dir).status !== 0) return false;
    let refused = false;
    try { fs.writeFileSync(path.join(dir, 'probe'), 'x'); } catch (e) { refused = true; }
    chattr('-i', dir);
    return refused;
  } finally {
    chattr('-i', dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a consumer that cannot write is reported, recovers by itself, and does not block shutdown', { timeout: 240000 }, async (t) => {
  if (!immutableWorks()) {
    console.log('skipped: chattr +i is not available on this file system');
    t.skip('chattr +i is not available on this file system');
    return;
  }
  const server = await new QuiverServer(undefined, [], { QUIVER_WAL_STALL_REPORT_SECONDS: '2', QUIVER_SERVER_SHUTDOWN_FLUSH_SECONDS: '5' }).start();
  let client = await connectClient(server);
  const objects = path.join(server.dataDir, 'objects');
  fs.mkdirSync(objects, { recursive: true });
  try {
    assert.ok(ok(await client.createCollection({
      collection_name: 'stall', consistency_level: 'Strong',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      ],
    })));
    assert.ok(ok(await client.createIndex({ collection_name: 'stall', field_name: 'v', index_type: 'FLAT', metric_type: 'L2' })));
    assert.ok(ok(await client.loadCollection({ collection_name: 'stall' })));
    assert.ok(ok((await client.insert({ collection_name: 'stall', data: Array.from({ length: 100 }, (_, i) => ({ id: i, v: vec(DIM) })) })).status));
    assert.equal((await health(server)).status, 200);

    assert.equal(chattr('+i', objects).status, 0);
    const t0 = Date.now();
    const flush = await client.flush({ collection_names: ['stall'] });
    assert.notEqual(flush.status.error_code, 'Success', 'a flush that cannot write must fail, not hang');
    assert.match(flush.status.reason, /stuck|not permitted/i, flush.status.reason);
    assert.ok(Date.now() - t0 < 30000, `flush answered after ${Date.now() - t0} ms`);
    await waitFor(async () => (await health(server)).status === 503, '/healthz to report the stuck consumer', 20000);
    assert.match((await health(server)).body, /stuck/);
    assert.ok(metric(await server.metrics(), 'quiver_wal_consumers_failing') >= 1);
    // Writes and strong reads go on: the WAL and the querynode are fine.
    assert.ok(ok((await client.insert({ collection_name: 'stall', data: [{ id: 1000, v: vec(DIM) }] })).status));
    const q = await client.query({ collection_name: 'stall', filter: 'id >= 0', output_fields: ['id'], consistency_level: STRONG });
    assert.equal(q.data.length, 101);

    // The disk accepts files again: the consumer resumes by itself.
    assert.equal(chattr('-i', objects).status, 0);
    await waitFor(async () => (await health(server)).status === 200, '/healthz to recover', 30000);
    assert.ok(ok((await client.flush({ collection_names: ['stall'] })).status));
    assert.equal(metric(await server.metrics(), 'quiver_wal_consumers_failing'), 0);

    // Stuck again at SIGTERM: shutdown completes within its budget; the rows are replayed.
    assert.ok(ok((await client.insert({ collection_name: 'stall', data: [{ id: 2000, v: vec(DIM) }] })).status));
    assert.equal(chattr('+i', objects).status, 0);
    client.closeConnection();
    const t1 = Date.now();
    const exit = await server.stop();
    assert.equal(exit.code, 0, server.log.slice(-2000));
    assert.ok(Date.now() - t1 < 30000, `shutdown took ${Date.now() - t1} ms`);
    assert.equal(chattr('-i', objects).status, 0);
    await server.start();
    client = await connectClient(server);
    const after = await client.query({ collection_name: 'stall', filter: 'id >= 0', output_fields: ['id'], consistency_level: STRONG });
    assert.deepEqual(after.data.map(r => Number(r.id)).sort((a, b) => a - b),
      [...Array.from({ length: 100 }, (_, i) => i), 1000, 2000]);
  } finally {
    chattr('-i', objects);
    client.closeConnection();
    await server.stop();
    server.cleanup();
  }
});
