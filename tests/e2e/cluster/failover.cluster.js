'use strict';
// Roles as separate processes, two of each (issue 10): under a continuous search and insert load
// through the proxy, kill -9 the active coordinator (its standby takes over), then a datanode (the
// other resumes its channel); the killed datanode comes back and takes a channel again, then
// SIGTERM drains one. The client's failed requests and longest gap are printed per drill, and
// afterwards every acknowledged row is present exactly once.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startClusterClient, stopClusterClient, clientLoad, missing } = require('../lib/cluster');
const { metric, sleep, waitFor } = require('../lib/server');
const { DataType } = require('@zilliz/milvus2-sdk-node');

const skip = missing;
const DIM = 4;
const NAME = 'failover';
let cluster;
let client;

before(async () => {
  if (!skip) ({ cluster, client } = await startClusterClient({ standbys: 1, ttlSeconds: 2 }));
});
after(() => stopClusterClient(cluster, client));

const vector = id => [id % 97, (id * 7) % 31, 1, id % 5];
const ok = r => (r.status ? r.status.error_code : r.error_code) === 'Success';

const load = firstId => clientLoad(client, NAME, firstId, vector);

async function count() {
  const r = await client.query({ collection_name: NAME, filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' });
  assert.ok(ok(r), JSON.stringify(r.status));
  return Number(r.data[0]['count(*)']);
}

const channels = async role => metric((await role.status('/metrics')).text, 'quiver_datanode_channels');

// A role process like `role`, started again (a new node: a new session id).
async function restart(role) {
  const again = Object.assign(Object.create(Object.getPrototypeOf(role)), { role: role.role, env: role.env, args: role.args, log: '' });
  return again.start();
}

test('kill -9 of the coordinator and of a datanode under load; a new datanode takes channels; SIGTERM drains one', { skip }, async () => {
  // Two shards: two WAL channels, one per datanode (the SDK's simple form has no shards_num).
  let r = await client.createCollection({
    collection_name: NAME, shards_num: 2, fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
    ],
  });
  assert.ok(ok(r), JSON.stringify(r));
  r = await client.createIndex({ collection_name: NAME, field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' });
  assert.ok(ok(r), JSON.stringify(r));
  r = await client.insert({ collection_name: NAME, data: Array.from({ length: 200 }, (_, i) => ({ id: i, vector: vector(i) })) });
  assert.ok(ok(r));
  await client.flushSync({ collection_names: [NAME] });
  await client.loadCollectionSync({ collection_name: NAME });
  const acked = Array.from({ length: 200 }, (_, i) => i);
  let nextId = 1000;
  const report = [];
  const [d0, d1] = cluster.roles.datanode;
  await waitFor(async () => await channels(d0) === 1 && await channels(d1) === 1, 'one channel per datanode');

  // Query nodes: their kill -9 and drain drills are in replicas.cluster.js.
  for (const role of ['coord', 'datanode']) {
    const [victim, other] = cluster.roles[role];
    const state = load(nextId);
    await sleep(1000);  // load running before the kill
    const killed = Date.now();
    await victim.kill9();
    if (role === 'coord') {
      await other.waitLog(/coord leading/, 'coord takeover', 30000);
    } else {
      // The other datanode resumes the dead one's channel from its checkpoint once its session expires.
      await waitFor(async () => await channels(other) === 2, 'the dead datanode\'s channel taken over', 30000);
    }
    const takeover = Date.now() - killed;
    await sleep(1500);  // load running after the takeover
    await state.stop();
    nextId += 100000;
    acked.push(...state.acked);
    report.push(`${role}: takeover ${takeover} ms, ${state.searches} searches, ${state.acked.length} rows acked, ` +
      `${state.failures.length} failed requests, longest search gap ${state.longestGapMs} ms`);
    if (state.failures.length) console.log(`# ${role} failures: ${state.failures.slice(0, 3).join(' | ')}`);
    // The killed one comes back: a standby coordinator, or a new datanode that takes a channel
    // back (scale-out).
    const again = await restart(victim);
    if (role === 'coord') {
      await again.waitLog(/coord standby/, 'coord back as standby');
    } else {
      await again.waitLog(/datanode \| node/, 'datanode back');
      const started = Date.now();
      await waitFor(async () => await channels(again) === 1 && await channels(other) === 1, 'a channel moved to the new datanode', 30000);
      report.push(`datanode scale-out: a channel moved to the new datanode in ${Date.now() - started} ms`);
    }
    cluster.roles[role] = [other, again];
  }

  // Flushes are committed by both datanodes (one channel each) after the moves.
  await client.flushSync({ collection_names: [NAME] });

  // SIGTERM drains a datanode: it flushes, its channel moves, then it exits cleanly.
  const [stay, leave] = cluster.roles.datanode;
  const state = load(nextId);
  await sleep(1000);
  const signalled = Date.now();
  const exit = await leave.stop();
  const drained = Date.now() - signalled;
  assert.equal(exit.code, 0, leave.log.slice(-2000));
  assert.match(leave.log, /channels_left=0/);
  assert.equal(await channels(stay), 2);
  await sleep(1000);
  await state.stop();
  acked.push(...state.acked);
  report.push(`datanode SIGTERM drain: ${drained} ms to exit, ${state.failures.length} failed requests, longest search gap ${state.longestGapMs} ms`);
  cluster.roles.datanode = [stay];
  for (const line of report) console.log(`# drill ${line}`);

  // Every acknowledged row exactly once: ids are never reused, so a lost row lowers the count and
  // a duplicated one raises it; each drill's id range is counted on its own.
  await client.flushSync({ collection_names: [NAME] });
  assert.equal(await count(), acked.length);
  for (const base of [1000, 101000, 201000]) {
    const r = await client.query({ collection_name: NAME, filter: `id >= ${base} and id < ${base + 100000}`,
      output_fields: ['count(*)'], consistency_level: 'Strong' });
    assert.ok(ok(r));
    assert.equal(Number(r.data[0]['count(*)']), acked.filter(id => id >= base && id < base + 100000).length, `ids from ${base}`);
  }
  const stats = await client.getCollectionStatistics({ collection_name: NAME });
  assert.equal(Number(stats.data.row_count), acked.length, 'row count after the flush');
});
