'use strict';
// The elected roles as separate processes, each with a standby (issue 10): under a continuous
// search and insert load through the proxy, kill -9 the active coordinator, then the active
// datanode. The standby takes over; the client's failed requests and longest gap are counted and
// printed per drill, and afterwards every acknowledged row is present exactly once.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startClusterClient, stopClusterClient, clientLoad, missing } = require('../lib/cluster');

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

test('kill -9 of each active role under load: the standby takes over, no acknowledged row is lost', { skip }, async () => {
  let r = await client.createCollection({ collection_name: NAME, dimension: DIM, metric_type: 'L2', auto_id: false });
  assert.ok(ok(r), JSON.stringify(r));
  r = await client.insert({ collection_name: NAME, data: Array.from({ length: 200 }, (_, i) => ({ id: i, vector: vector(i) })) });
  assert.ok(ok(r));
  await client.flushSync({ collection_names: [NAME] });
  await client.loadCollectionSync({ collection_name: NAME });
  const acked = Array.from({ length: 200 }, (_, i) => i);
  let nextId = 1000;
  const report = [];

  // Query nodes are not elected: their kill -9 and drain drills are in replicas.cluster.js.
  for (const role of ['coord', 'datanode']) {
    const [active, standby] = cluster.roles[role];
    const state = load(nextId);
    await new Promise(res => setTimeout(res, 1000));  // load running before the kill
    const killed = Date.now();
    await active.kill9();
    await standby.waitLog(new RegExp(`${role} leading`), `${role} takeover`, 30000);
    const takeover = Date.now() - killed;
    await new Promise(res => setTimeout(res, 1500));  // load running after the takeover
    await state.stop();
    nextId += 100000;
    acked.push(...state.acked);
    report.push(`${role}: takeover ${takeover} ms, ${state.searches} searches, ${state.acked.length} rows acked, ` +
      `${state.failures.length} failed requests, longest search gap ${state.longestGapMs} ms`);
    if (state.failures.length) console.log(`# ${role} failures: ${state.failures.slice(0, 3).join(' | ')}`);
    // The killed one comes back as the new standby.
    const again = await active.constructor.prototype.start.call(Object.assign(Object.create(Object.getPrototypeOf(active)),
      { role, env: active.env, args: active.args, log: '' }));
    await again.waitLog(new RegExp(`${role} standby`), `${role} back as standby`);
    cluster.roles[role] = [standby, again];
  }
  for (const line of report) console.log(`# drill ${line}`);

  // Every acknowledged row exactly once: ids are never reused, so a lost row lowers the count and
  // a duplicated one raises it; each drill's id range is counted on its own.
  assert.equal(await count(), acked.length);
  for (const base of [1000, 101000, 201000]) {
    const r = await client.query({ collection_name: NAME, filter: `id >= ${base} and id < ${base + 100000}`,
      output_fields: ['count(*)'], consistency_level: 'Strong' });
    assert.ok(ok(r));
    assert.equal(Number(r.data[0]['count(*)']), acked.filter(id => id >= base && id < base + 100000).length, `ids from ${base}`);
  }
});
