'use strict';
// Replicas on several query nodes (issue 10): every query node is active and the coordinator
// places each loaded collection's replicas on distinct nodes. With two replicas, kill -9 of one
// node costs searches nothing; with one, its replica is loaded elsewhere and searches wait, not
// fail; a new node gets the missing replica; SIGTERM drains a node (its replicas move first).
// The failed requests and the longest gap between two successful searches are printed per drill.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startClusterClient, stopClusterClient, Role, missing, isOk: ok, drillVector: vector } = require('../lib/cluster');
const { waitFor } = require('../lib/server');

const skip = missing;
const DIM = 4;
let cluster;
let client;

before(async () => {
  if (!skip) ({ cluster, client } = await startClusterClient({ standbys: 1, ttlSeconds: 2 }));  // two query nodes
});
after(() => stopClusterClient(cluster, client));

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function collection(name) {
  let r = await client.createCollection({ collection_name: name, dimension: DIM, metric_type: 'L2', auto_id: false });
  assert.ok(ok(r), JSON.stringify(r));
  r = await client.insert({ collection_name: name, data: Array.from({ length: 300 }, (_, i) => ({ id: i, vector: vector(i) })) });
  assert.ok(ok(r));
  await client.flushSync({ collection_names: [name] });
  r = await client.releaseCollection({ collection_name: name });
  assert.ok(ok(r), JSON.stringify(r));
  const described = await client.describeCollection({ collection_name: name });
  return described.collectionID;
}

async function replicas(collectionID) {
  const r = await client.getReplicas({ collectionID });
  assert.ok(ok(r), JSON.stringify(r.status));
  return r.replicas.map(x => ({ id: Number(x.replicaID), nodes: x.node_ids.map(Number), addr: x.shard_replicas[0]?.leader_addr }));
}

const until = (what, fn, ms) => waitFor(fn, what, ms);

// Searches `name` back to back until stop(); counts failures and the longest gap.
function searching(name) {
  const state = { failures: [], searches: 0, longestGapMs: 0, running: true };
  let lastOk = Date.now();
  const started = Date.now();
  const loop = (async () => {
    while (state.running && Date.now() - started < 60000) {
      try {
        const r = await client.search({ collection_name: name, data: [vector(3)], limit: 3 });
        if (!ok(r)) throw new Error(JSON.stringify(r.status));
        assert.equal(r.results.length, 3);
        state.searches++;
        const now = Date.now();
        state.longestGapMs = Math.max(state.longestGapMs, now - lastOk);
        lastOk = now;
      } catch (e) { state.failures.push(e.message); }
    }
  })();
  state.stop = async () => { state.running = false; await loop; };
  return state;
}

// The query node role whose internal address is `addr`.
const nodeAt = addr => cluster.roles.querynode.find(r => addr && addr.endsWith(`:${r.internalPort}`));

test('two replicas on two query nodes; kill -9 of one fails no search; a new node takes the lost replica', { skip }, async () => {
  const id = await collection('two');
  await assert.rejects(client.loadCollection({ collection_name: 'two', replica_number: 3 }),
    /replica number 3 exceeds the number of query nodes \(2\)/);
  let r = await client.loadCollectionSync({ collection_name: 'two', replica_number: 2 });
  assert.ok(ok(r), JSON.stringify(r));
  const placed = await until('two serving replicas', async () => { const x = await replicas(id); return x.length === 2 && x; });
  assert.notDeepEqual(placed[0].nodes, placed[1].nodes, 'each replica on its own node');

  const victim = nodeAt(placed[0].addr);
  assert.ok(victim, `a query node at ${placed[0].addr}`);
  const load = searching('two');
  await sleep(1000);
  await victim.kill9();
  cluster.roles.querynode = cluster.roles.querynode.filter(x => x !== victim);
  await sleep(4000);
  await load.stop();
  console.log(`# drill replicas=2 kill -9 querynode: ${load.searches} searches, ${load.failures.length} failed, longest gap ${load.longestGapMs} ms`);
  assert.deepEqual(load.failures, []);
  assert.ok(load.searches > 10);
  assert.equal((await replicas(id)).length, 1, 'one node left: one replica');

  const fresh = await new Role('querynode', cluster.env).start();
  cluster.roles.querynode.push(fresh);
  await fresh.waitLog(/querynode \| node/, 'a new query node');
  const again = await until('the lost replica on the new node', async () => { const x = await replicas(id); return x.length === 2 && x; });
  assert.ok(again.some(x => nodeAt(x.addr) === fresh), JSON.stringify(again));
  r = await client.releaseCollection({ collection_name: 'two' });
  assert.ok(ok(r));
});

test('one replica: kill -9 of its node moves it; searches wait, not fail; SIGTERM drains a node', { skip }, async () => {
  const id = await collection('one');
  let r = await client.loadCollectionSync({ collection_name: 'one' });
  assert.ok(ok(r), JSON.stringify(r));
  const [placed] = await until('one replica', async () => { const x = await replicas(id); return x.length === 1 && x; });
  const victim = nodeAt(placed.addr);
  assert.ok(victim);
  let load = searching('one');
  await sleep(1000);
  await victim.kill9();
  cluster.roles.querynode = cluster.roles.querynode.filter(x => x !== victim);
  const moved = await until('the replica elsewhere', async () => { const x = await replicas(id); return x.length === 1 && x[0].addr !== placed.addr && x; });
  await sleep(2000);
  await load.stop();
  console.log(`# drill replicas=1 kill -9 querynode: ${load.searches} searches, ${load.failures.length} failed, longest gap ${load.longestGapMs} ms`);
  assert.deepEqual(load.failures, []);

  // Drain: a second node to move to, then SIGTERM the one serving.
  const spare = await new Role('querynode', cluster.env).start();
  cluster.roles.querynode.push(spare);
  await spare.waitLog(/querynode \| node/, 'a spare query node');
  const serving = nodeAt(moved[0].addr);
  assert.ok(serving && serving !== spare);
  load = searching('one');
  await sleep(1000);
  const started = Date.now();
  const exit = await serving.stop();
  const drainMs = Date.now() - started;
  cluster.roles.querynode = cluster.roles.querynode.filter(x => x !== serving);
  await sleep(1000);
  await load.stop();
  console.log(`# drill replicas=1 SIGTERM (drain) querynode: exit after ${drainMs} ms, ${load.searches} searches, ${load.failures.length} failed, longest gap ${load.longestGapMs} ms`);
  assert.equal(exit.code, 0, serving.log.slice(-2000));
  assert.match(serving.log, /msg="draining"/);
  assert.deepEqual(load.failures, []);
  const now = await replicas(id);
  assert.equal(now.length, 1);
  assert.equal(nodeAt(now[0].addr), spare);
});

test('resource groups: a collection loaded into a group is served by its nodes only, and stays there when its node dies', { skip }, async () => {
  for (let i = 0; i < 2; i++) {  // three query nodes in all
    const q = await new Role('querynode', cluster.env).start();
    cluster.roles.querynode.push(q);
    await q.waitLog(/querynode \| node/, 'another query node');
  }
  const describe = async name => {
    const g = await client.describeResourceGroup({ resource_group: name });
    assert.ok(ok(g), JSON.stringify(g.status));
    return g.resource_group;
  };
  await until('three nodes in the default group', async () => (await describe('__default_resource_group')).num_available_node === 3);
  let r = await client.createResourceGroup({ resource_group: 'rg_a', config: { requests: { node_num: 1 }, limits: { node_num: 1 } } });
  assert.ok(ok(r), JSON.stringify(r));
  const first = await until('one node in rg_a', async () => { const g = await describe('rg_a'); return g.nodes.length === 1 && g.nodes[0]; });
  assert.equal((await describe('__default_resource_group')).num_available_node, 2);

  const a = await collection('iso_a');
  const b = await collection('iso_b');
  r = await client.loadCollectionSync({ collection_name: 'iso_a', resource_groups: ['rg_a'] });
  assert.ok(ok(r), JSON.stringify(r));
  r = await client.loadCollectionSync({ collection_name: 'iso_b', replica_number: 2 });
  assert.ok(ok(r), JSON.stringify(r));
  const placedA = await until('iso_a on the rg_a node', async () => { const x = await replicas(a); return x.length === 1 && x; });
  assert.deepEqual(placedA[0].nodes, [Number(first.node_id)]);
  const placedB = await until('iso_b on the two default nodes', async () => { const x = await replicas(b); return x.length === 2 && x; });
  for (const x of placedB) assert.notDeepEqual(x.nodes, [Number(first.node_id)], 'iso_b never on the rg_a node');
  const groupsOf = async id => (await client.getReplicas({ collectionID: id })).replicas.map(x => x.resource_group_name);
  assert.deepEqual(await groupsOf(a), ['rg_a']);
  assert.deepEqual(await groupsOf(b), ['__default_resource_group', '__default_resource_group']);
  assert.deepEqual((await describe('rg_a')).num_loaded_replica, { iso_a: 1 });

  // The rg_a node dies: rg_a takes a node from the default group and iso_a is loaded there.
  const victim = nodeAt(placedA[0].addr);
  assert.ok(victim);
  const load = searching('iso_a');
  await sleep(500);
  await victim.kill9();
  cluster.roles.querynode = cluster.roles.querynode.filter(x => x !== victim);
  const second = await until('another node in rg_a', async () => {
    const g = await describe('rg_a');
    return g.nodes.length === 1 && Number(g.nodes[0].node_id) !== Number(first.node_id) && g.nodes[0];
  });
  const movedA = await until('iso_a on the new rg_a node', async () => {
    const x = await replicas(a);
    return x.length === 1 && x[0].nodes[0] === Number(second.node_id) && x;
  });
  await sleep(1000);
  await load.stop();
  console.log(`# drill resource group rg_a node kill -9: ${load.searches} searches, ${load.failures.length} failed, longest gap ${load.longestGapMs} ms`);
  assert.deepEqual(load.failures, []);
  assert.equal(movedA.length, 1);
  // rg_a took a node that held an iso_b replica, and the default group has no other node for
  // it: it keeps serving there until one joins, reported as an outgoing / incoming node.
  const nowB = await replicas(b);
  assert.equal(nowB.length, 2);
  assert.ok(nowB.some(x => x.nodes[0] === Number(second.node_id)), JSON.stringify(nowB));
  assert.deepEqual((await describe('rg_a')).num_outgoing_node, { iso_b: 1 });
  assert.deepEqual((await describe('__default_resource_group')).num_incoming_node, { iso_b: 1 });
  const q = await new Role('querynode', cluster.env).start();
  cluster.roles.querynode.push(q);
  await q.waitLog(/querynode \| node/, 'a query node for the default group');
  await until('iso_b back on default nodes only', async () => {
    const x = await replicas(b);
    return x.length === 2 && x.every(y => y.nodes[0] !== Number(second.node_id));
  });
  assert.deepEqual((await describe('rg_a')).num_outgoing_node, {});

  for (const name of ['iso_a', 'iso_b']) assert.ok(ok(await client.releaseCollection({ collection_name: name })));
  assert.ok(ok(await client.updateResourceGroups({ resource_groups: { rg_a: { requests: { node_num: 0 }, limits: { node_num: 0 } } } })));
  assert.ok(ok(await client.dropResourceGroup({ resource_group: 'rg_a' })));
  await until('every node back in the default group', async () => (await describe('__default_resource_group')).num_available_node === 3);
});

test('resource groups: a node_filter group takes the query node labelled for it (MILVUS_SERVER_LABEL_<key>)', { skip }, async () => {
  const describe = async name => {
    const g = await client.describeResourceGroup({ resource_group: name });
    assert.ok(ok(g), JSON.stringify(g.status));
    return g.resource_group;
  };
  const config = { requests: { node_num: 1 }, limits: { node_num: 1 }, node_filter: { node_labels: [{ key: 'zone', value: 'b' }] } };
  let r = await client.createResourceGroup({ resource_group: 'rg_zone_b', config });
  assert.ok(ok(r), JSON.stringify(r));
  // Unlabelled nodes are up (earlier tests started them); none of them joins.
  assert.ok(cluster.roles.querynode.length >= 1);
  assert.equal((await describe('rg_zone_b')).nodes.length, 0, 'no unlabelled node joins a filtered group');

  const labelled = await new Role('querynode', { ...cluster.env, MILVUS_SERVER_LABEL_zone: 'b' }).start();
  cluster.roles.querynode.push(labelled);
  await labelled.waitLog(/querynode \| node/, 'a query node labelled zone=b');
  assert.match(labelled.log, /msg="node label" key=zone value=b/);
  const member = await until('the labelled node in rg_zone_b', async () => {
    const g = await describe('rg_zone_b');
    return g.nodes.length === 1 && g.nodes[0];
  });
  assert.equal(nodeAt(member.address), labelled);
  assert.deepEqual((await describe('rg_zone_b')).config.node_filter.node_labels.map(l => [l.key, l.value]), [['zone', 'b']]);

  const id = await collection('zoned');
  r = await client.loadCollectionSync({ collection_name: 'zoned', resource_groups: ['rg_zone_b'] });
  assert.ok(ok(r), JSON.stringify(r));
  const placed = await until('zoned on the labelled node', async () => { const x = await replicas(id); return x.length === 1 && x; });
  assert.equal(nodeAt(placed[0].addr), labelled);
  const s = await client.search({ collection_name: 'zoned', data: [vector(3)], limit: 3 });
  assert.ok(ok(s), JSON.stringify(s.status));
  assert.equal(s.results[0].id, '3');

  assert.ok(ok(await client.releaseCollection({ collection_name: 'zoned' })));
  assert.ok(ok(await client.updateResourceGroups({ resource_groups: { rg_zone_b: { requests: { node_num: 0 }, limits: { node_num: 0 } } } })));
  assert.ok(ok(await client.dropResourceGroup({ resource_group: 'rg_zone_b' })));
});
