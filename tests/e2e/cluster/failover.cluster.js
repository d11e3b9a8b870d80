'use strict';
// Roles as separate processes, two of each (issue 10): under a continuous search and insert load
// through the proxy, kill -9 the active coordinator (its standby takes over), then a datanode (the
// other resumes its channel); the killed datanode comes back and takes a channel again, then
// SIGTERM drains one; then kill -9 of the indexnode during a build and of the proxy. The client's
// failed requests and longest gap are printed per drill, and
// afterwards every acknowledged row is present exactly once.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startClusterClient, stopClusterClient, clientLoad, missing, isOk: ok, drillVector: vector } = require('../lib/cluster');
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

// Counts of `ids` present, by `id in [...]` filters of at most 1000 keys.
async function present(ids) {
  let n = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const r = await client.query({ collection_name: NAME, filter: `id in [${ids.slice(i, i + 1000).join(',')}]`,
      output_fields: ['count(*)'], consistency_level: 'Strong' });
    assert.ok(ok(r), JSON.stringify(r.status));
    n += Number(r.data[0]['count(*)']);
  }
  return n;
}

test('kill -9 of the indexnode during a build (the standby builds it again) and of the proxy (back on its port) under load', { skip, timeout: 300000 }, async () => {
  // A collection whose HNSW build takes seconds: one segment of 20,000 × 64.
  const BIG = 'built';
  const ROWS = 20000;
  let r = await client.createCollection({
    collection_name: BIG, fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vector', data_type: DataType.FloatVector, dim: 64 },
    ],
  });
  assert.ok(ok(r), JSON.stringify(r));
  let seed = 7;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let first = 0; first < ROWS; first += 5000) {
    r = await client.insert({ collection_name: BIG,
      data: Array.from({ length: 5000 }, (_, i) => ({ id: first + i, vector: Array.from({ length: 64 }, random) })) });
    assert.ok(ok(r));
  }
  await client.flushSync({ collection_names: [BIG] });
  const report = [];
  const [active, standby] = cluster.roles.indexnode;
  assert.match(active.log, /indexnode leading/);

  let state = load(300000);
  r = await client.createIndex({ collection_name: BIG, field_name: 'vector', index_type: 'HNSW', metric_type: 'L2',
    params: { M: 16, efConstruction: 200 } });
  assert.ok(ok(r), JSON.stringify(r));
  await active.waitLog(/segment index build started/, 'the build', 60000);
  const killed = Date.now();
  await active.kill9();
  assert.doesNotMatch(active.log, /segment index built/, 'killed during the build');
  await standby.waitLog(/indexnode leading/, 'indexnode takeover', 30000);
  const takeover = Date.now() - killed;
  await waitFor(async () => {
    const d = await client.describeIndex({ collection_name: BIG });
    const x = d.index_descriptions && d.index_descriptions[0];
    return x && x.state === 'Finished' && Number(x.indexed_rows) === ROWS;
  }, 'the index built by the standby', 120000);
  const built = Date.now() - killed;
  assert.match(standby.log, /segment index built/);
  await state.stop();
  report.push(`indexnode (during a build of ${ROWS} × 64 HNSW): takeover ${takeover} ms, index finished ${built} ms after the kill, ` +
    `${state.searches} searches, ${state.failures.length} failed requests, longest search gap ${state.longestGapMs} ms`);
  assert.deepEqual(state.failures, []);
  const acked = [...state.acked];
  const again = await restart(active);
  await again.waitLog(/indexnode standby/, 'indexnode back as standby');
  cluster.roles.indexnode = [standby, again];
  r = await client.loadCollectionSync({ collection_name: BIG });
  assert.ok(ok(r));
  const hit = await client.search({ collection_name: BIG, data: [Array.from({ length: 64 }, () => 0.5)], limit: 3 });
  assert.ok(ok(hit) && hit.results.length === 3, JSON.stringify(hit.status));

  // The proxy: the only one, so requests fail while it is down; it comes back on the same port and
  // the client reconnects. Inserts that failed may have been applied (their answer was lost):
  // they may be present once, never twice; every acknowledged one is present exactly once.
  const proxy = cluster.roles.proxy[0];
  state = load(400000);
  await sleep(1000);
  const stopped = Date.now();
  await proxy.kill9();
  await sleep(1000);
  const back = await proxy.restart();
  cluster.roles.proxy = [back];
  await back.waitLog(/proxy \| node/, 'the proxy back');
  const restarted = Date.now() - stopped;
  const before = state.searches;
  await waitFor(() => state.searches > before + 10, 'searches through the restarted proxy', 60000);
  const resumed = Date.now() - stopped;
  await state.stop();
  report.push(`proxy: back on its port ${restarted} ms after the kill, searches resumed after ${resumed} ms, ` +
    `${state.searches} searches, ${state.failures.length} failed requests (one proxy), longest search gap ${state.longestGapMs} ms, ` +
    `${state.uncertain.length} rows of failed inserts`);
  for (const line of report) console.log(`# drill ${line}`);
  assert.ok(state.failures.length > 0, 'requests to a dead proxy fail');

  await client.flushSync({ collection_names: [NAME] });
  for (const [base, ids, maybe] of [[300000, acked, []], [400000, state.acked, state.uncertain]]) {
    assert.equal(await present(ids), ids.length, `every acknowledged row from ${base} exactly once`);
    assert.ok(await present(maybe) <= maybe.length);
    r = await client.query({ collection_name: NAME, filter: `id >= ${base} and id < ${base + 100000}`,
      output_fields: ['count(*)'], consistency_level: 'Strong' });
    const total = Number(r.data[0]['count(*)']);
    assert.ok(total >= ids.length && total <= ids.length + maybe.length, `ids from ${base}: ${total}`);
  }
});
