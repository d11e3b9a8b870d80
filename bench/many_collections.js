'use strict';
// Many collections on one standalone server: creates N collections (one shard each) through the
// Node SDK, inserts a row into each, loads a share of them, and reports threads, open file
// descriptors and resident memory (per collection) before and after a restart.
//
//   node bench/many_collections.js [N=10000] [LOADED_SHARE=0.1]
// Needs QUIVER_BIN (default build/release/apps/quiver/quiver) and tests/e2e/node_modules.
const path = require('node:path');
const { MilvusClient, DataType } = require(path.join(__dirname, '../tests/e2e/node_modules/@zilliz/milvus2-sdk-node'));
const { QuiverServer, metric, sleep } = require('../tests/e2e/lib/server');

const N = Number(process.argv[2] || 10000);
const LOADED = Number(process.argv[3] || 0.1);

async function usage(server) {
  const text = await server.metrics();
  return {
    threads: metric(text, 'process_threads'),
    fds: metric(text, 'process_open_fds'),
    rss_mb: metric(text, 'process_resident_memory_bytes') / 1048576,
    consumers: metric(text, 'quiver_wal_consumers'),
  };
}

function report(label, u, base) {
  const per = base ? ` | per collection: ${((u.rss_mb - base.rss_mb) * 1024 / N).toFixed(1)} KiB RSS, ` +
    `${((u.fds - base.fds) / N).toFixed(4)} fds, ${((u.threads - base.threads) / N).toFixed(4)} threads` : '';
  console.log(`${label}: threads ${u.threads}, open fds ${u.fds}, RSS ${u.rss_mb.toFixed(1)} MiB, WAL consumers ${u.consumers}${per}`);
}

async function main() {
  const server = await new QuiverServer(undefined, [], { QUIVER_LOG_LEVEL: 'warn' }).start();
  const client = new MilvusClient({ address: server.address, timeout: 60000, logLevel: 'error' });
  await client.connectPromise;
  const base = await usage(server);
  report('empty server', base);
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const name = `c${i}`;
    const created = await client.createCollection({
      collection_name: name, shards_num: 1,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: 4 },
      ],
    });
    if (created.error_code !== 'Success') throw new Error(`create ${name}: ${created.reason}`);
    const ins = await client.insert({ collection_name: name, data: [{ id: i, v: [i, 1, 2, 3] }] });
    if (ins.status.error_code !== 'Success') throw new Error(`insert ${name}: ${ins.status.reason}`);
    if (i < N * LOADED) {
      await client.createIndex({ collection_name: name, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' });
      const loaded = await client.loadCollection({ collection_name: name });
      if (loaded.error_code !== 'Success') throw new Error(`load ${name}: ${loaded.reason}`);
    }
    if ((i + 1) % 1000 === 0) {
      const u = await usage(server);
      console.log(`  ${i + 1} collections (${((Date.now() - t0) / 1000).toFixed(0)} s): threads ${u.threads}, fds ${u.fds}, RSS ${u.rss_mb.toFixed(0)} MiB`);
    }
  }
  await sleep(2000);
  report(`${N} collections`, await usage(server), base);
  const probe = await client.query({ collection_name: 'c0', filter: 'id >= 0', output_fields: ['id'], consistency_level: 'Strong' });
  console.log(`query of c0 after ${N} creates: ${probe.data.length} row(s)`);
  client.closeConnection();
  const t1 = Date.now();
  const stopped = await server.stop();
  console.log(`SIGTERM: exit code ${stopped.code} after ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const t2 = Date.now();
  await server.start();
  console.log(`restart: ready after ${((Date.now() - t2) / 1000).toFixed(1)} s`);
  await sleep(2000);
  report('after restart', await usage(server), base);
  const again = new MilvusClient({ address: server.address, timeout: 60000, logLevel: 'error' });
  const q = await again.query({ collection_name: 'c0', filter: 'id >= 0', output_fields: ['id'], consistency_level: 'Strong' });
  const count = (await again.listCollections()).data.length;
  console.log(`after restart: ${count} collections listed, c0 query ${q.data.length} row(s)`);
  again.closeConnection();
  await server.stop();
  server.cleanup();
}

main().catch(e => { console.error(e); process.exit(1); });
