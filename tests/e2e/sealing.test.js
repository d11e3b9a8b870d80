'use strict';
// Growing segments are sealed and flushed by size and by idle time without any Flush call, the
// WAL is truncated behind them, and large (> 4 MB) messages are accepted.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer, sleep, metric, waitFor } = require('./lib/server');
const { vec, ok } = require('./lib/data');


test('segments seal by size and by idle time; WAL shrinks; 20 MB inserts work', { timeout: 120000 }, async () => {
  const server = await new QuiverServer(null, [], { QUIVER_SEGMENT_SEAL_ROWS: '500', QUIVER_SEGMENT_SEAL_IDLE_SECONDS: '1', QUIVER_WAL_SEGMENT_BYTES: '1048576' }).start();
  const client = new MilvusClient({ address: server.address, timeout: 60000, logLevel: 'error' });
  await client.connectPromise;
  try {
    assert.ok(ok(await client.createCollection({ collection_name: 'seal', dimension: 128, metric_type: 'L2', consistency_level: 'Strong' })));
    // 40,000 x 128 floats: a ~20 MB message, beyond gRPC's 4 MB default.
    const big = Array.from({ length: 40000 }, (_, i) => ({ id: i, vector: vec(128) }));
    const res = await client.insert({ collection_name: 'seal', data: big });
    assert.ok(ok(res.status), JSON.stringify(res.status));
    assert.equal(Number(res.insert_cnt), 40000);
    // 40,000 rows > seal_rows: the datanode seals and flushes on its own.
    await waitFor(async () => metric(await server.metrics(), 'quiver_datanode_flushed_rows_total') >= 40000, 'size-based flush');
    // A small insert then idles past seal_idle_seconds and is flushed too.
    assert.ok(ok((await client.insert({ collection_name: 'seal', data: [{ id: 50000, vector: vec(128) }] })).status));
    await waitFor(async () => metric(await server.metrics(), 'quiver_datanode_flushed_rows_total') >= 40001, 'idle flush');
    const text = await server.metrics();
    assert.ok(metric(text, 'quiver_segments{state="flushed"}') >= 2);
    // Everything flushed: the WAL holds at most the current file.
    assert.ok(metric(text, 'quiver_wal_bytes') < 20e6, `WAL not truncated: ${metric(text, 'quiver_wal_bytes')}`);
    const c = await client.count({ collection_name: 'seal' });
    assert.equal(c.data, 40001);
    const s = await client.search({ collection_name: 'seal', data: big[123].vector, limit: 1, output_fields: ['id'], consistency_level: ConsistencyLevelEnum.Strong });
    assert.equal(String(s.results[0].id), '123');
  } finally {
    client.closeConnection();
    await server.stop();
    server.cleanup();
  }
});
