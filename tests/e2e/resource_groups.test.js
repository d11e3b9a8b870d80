'use strict';
// Resource groups through the Node SDK (issue 10 item 4), on a server with one query node
// (standalone, or a deployment with one query node in cluster mode): groups are created, listed,
// described with their nodes and loaded replicas, configured declaratively (requests/limits),
// the node moves between groups, loads name the group their replica goes to, replicas and nodes
// are transferred, and every refusal says why. The placement over several query nodes is in
// cluster/replicas.cluster.js.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { DataType } = require('@zilliz/milvus2-sdk-node');
const { startShared, stopShared, waitFor } = require('./lib/server');
const { vec, ok } = require('./lib/data');

const DEFAULT = '__default_resource_group';
let server;
let client;

// One query node in cluster mode too (the rest of the layout as usual).
before(async () => { ({ server, client } = await startShared({ cluster: { standbys: 0 } })); });
after(async () => { await stopShared(server, client); });

const status = res => (res.status ? res.status : res);
const reason = res => String(status(res).reason);
function refused(res, pattern, what) {
  assert.notEqual(status(res).error_code, 'Success', `${what} should be refused`);
  assert.match(reason(res), pattern, what);
}
const describe = async name => {
  const r = await client.describeResourceGroup({ resource_group: name });
  assert.ok(ok(r.status), JSON.stringify(r.status));
  return r.resource_group;
};
const until = (what, fn, ms) => waitFor(fn, what, ms);

test('resource groups: create, configure, load into, transfer, drop', async () => {
  let list = await client.listResourceGroups();
  assert.ok(ok(list.status), JSON.stringify(list.status));
  assert.deepEqual(list.resource_groups, [DEFAULT]);
  const initial = await describe(DEFAULT);
  assert.equal(initial.num_available_node, 1);
  assert.equal(initial.nodes.length, 1);

  assert.ok(ok(await client.createResourceGroup({ resource_group: 'rg1' })));
  assert.ok(ok(await client.createResourceGroup({ resource_group: 'rg1' })), 'the same configuration again is fine');
  refused(await client.createResourceGroup({ resource_group: 'rg1', config: { requests: { node_num: 1 }, limits: { node_num: 1 } } }),
    /already exists/, 'an existing group with another configuration');
  refused(await client.createResourceGroup({ resource_group: 'bad-name' }), /letters, digits and underscores/, 'a bad name');
  refused(await client.createResourceGroup({ resource_group: 'rg2', config: { requests: { node_num: 2 }, limits: { node_num: 1 } } }),
    /must not be below its requests/, 'limits below requests');
  // node_filter: the query node carries no labels, so a group asking for zone=a never gets it.
  const zoneA = { requests: { node_num: 1 }, limits: { node_num: 1 }, node_filter: { node_labels: [{ key: 'zone', value: 'a' }] } };
  assert.ok(ok(await client.createResourceGroup({ resource_group: 'rg_zone', config: zoneA })));
  const zone = await describe('rg_zone');
  assert.equal(zone.num_available_node, 0, 'an unlabelled node does not join a filtered group');
  assert.deepEqual(zone.config.node_filter.node_labels.map(l => [l.key, l.value]), [['zone', 'a']]);
  assert.equal((await describe(DEFAULT)).num_available_node, 1);
  refused(await client.createResourceGroup({ resource_group: 'rg2', config: { node_filter: { node_labels: [{ key: 'zone', value: 'a' }, { key: 'zone', value: 'b' }] } } }),
    /names label zone twice/, 'a label named twice');
  refused(await client.createResourceGroup({ resource_group: 'rg2', config: { node_filter: { node_labels: [{ key: '', value: 'a' }] } } }),
    /needs a key/, 'a label without a key');
  refused(await client.updateResourceGroups({ resource_groups: { [DEFAULT]: { requests: { node_num: 0 }, limits: { node_num: 1000000 }, node_filter: { node_labels: [{ key: 'zone', value: 'a' }] } } } }),
    /cannot have a node_filter/, 'a filter on the default group');
  assert.ok(ok(await client.updateResourceGroups({ resource_groups: { rg_zone: { requests: { node_num: 0 }, limits: { node_num: 0 } } } })));
  assert.ok(ok(await client.dropResourceGroup({ resource_group: 'rg_zone' })));
  list = await client.listResourceGroups();
  assert.deepEqual([...list.resource_groups].sort(), [DEFAULT, 'rg1']);
  let rg1 = await describe('rg1');
  assert.equal(rg1.num_available_node, 0);
  assert.equal(rg1.capacity, 0);
  refused(await client.describeResourceGroup({ resource_group: 'nope' }), /does not exist/, 'describing a missing group');

  // A collection loaded into an empty group is refused; once the group requests the node, it loads there.
  const fields = [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 4 },
  ];
  assert.ok(ok(await client.createCollection({ collection_name: 'rgc', fields, consistency_level: 'Strong' })));
  assert.ok(ok((await client.insert({ collection_name: 'rgc', data: [{ id: 1, v: vec(4) }, { id: 2, v: vec(4) }] })).status));
  assert.ok(ok(await client.createIndex({ collection_name: 'rgc', field_name: 'v', index_type: 'FLAT', metric_type: 'L2' })));
  refused(await client.loadCollectionAsync({ collection_name: 'rgc', resource_groups: ['rg1'] }), /fewer than its 1 replicas/, 'a group without nodes');
  refused(await client.loadCollectionAsync({ collection_name: 'rgc', resource_groups: ['nope'] }), /does not exist/, 'a missing group');
  refused(await client.loadCollectionAsync({ collection_name: 'rgc', replica_number: 1, resource_groups: ['rg1', DEFAULT] }),
    /as many groups as replicas/, 'more groups than replicas');

  assert.ok(ok(await client.updateResourceGroups({ resource_groups: { rg1: { requests: { node_num: 1 }, limits: { node_num: 1 } } } })));
  rg1 = await until('the node joins rg1', async () => { const g = await describe('rg1'); return g.num_available_node === 1 && g; });
  assert.equal(rg1.capacity, 1);
  assert.equal(rg1.config.requests.node_num, 1);
  assert.equal(rg1.config.limits.node_num, 1);
  assert.equal((await describe(DEFAULT)).num_available_node, 0);
  assert.ok(ok(await client.loadCollection({ collection_name: 'rgc', resource_groups: ['rg1'] })));
  const replicas = await until('the replica in rg1', async () => {
    const r = await client.getReplicas({ collectionID: (await client.describeCollection({ collection_name: 'rgc' })).collectionID });
    return r.replicas.length === 1 && r.replicas[0].resource_group_name === 'rg1' && r;
  });
  assert.equal(replicas.replicas.length, 1);
  assert.deepEqual((await describe('rg1')).num_loaded_replica, { rgc: 1 });
  const found = await client.search({ collection_name: 'rgc', data: vec(4), limit: 2 });
  assert.ok(ok(found.status), JSON.stringify(found.status));
  assert.equal(found.results.length, 2);

  // Dropping a group in use is refused with the reason; so is transferring into a group without nodes.
  refused(await client.dropResourceGroup({ resource_group: 'rg1' }), /requests and limits node_num to 0 first/, 'a group that requests nodes');
  refused(await client.dropResourceGroup({ resource_group: DEFAULT }), /default resource group cannot be dropped/, 'the default group');
  refused(await client.transferReplica({ source_resource_group: 'rg1', target_resource_group: DEFAULT, collection_name: 'rgc', num_replica: 1 }),
    /fewer than the 1 replicas/, 'a replica to a group without nodes');
  refused(await client.transferNode({ source_resource_group: 'rg1', target_resource_group: DEFAULT, num_node: 2 }),
    /fewer than the 2 to transfer/, 'more nodes than the group has');

  // The node back to the default group (the old imperative API), then the replica.
  assert.ok(ok(await client.transferNode({ source_resource_group: 'rg1', target_resource_group: DEFAULT, num_node: 1 })));
  await until('the node back in the default group', async () => (await describe(DEFAULT)).num_available_node === 1);
  rg1 = await describe('rg1');
  assert.equal(rg1.num_available_node, 0);
  assert.equal(rg1.config.requests.node_num, 0);
  // rg1's replica is now on a node of the default group: reported as such until it moves.
  assert.deepEqual(rg1.num_incoming_node, { rgc: 1 });
  assert.deepEqual((await describe(DEFAULT)).num_outgoing_node, { rgc: 1 });
  refused(await client.transferReplica({ source_resource_group: DEFAULT, target_resource_group: 'rg1', collection_name: 'rgc', num_replica: 1 }),
    /holds 0 replicas/, 'a replica the group does not hold');
  assert.ok(ok(await client.transferReplica({ source_resource_group: 'rg1', target_resource_group: DEFAULT, collection_name: 'rgc', num_replica: 1 })));
  await until('the replica in the default group', async () => {
    const r = await client.getReplicas({ collectionID: (await client.describeCollection({ collection_name: 'rgc' })).collectionID });
    return r.replicas.length === 1 && r.replicas[0].resource_group_name === DEFAULT;
  });
  assert.deepEqual((await describe(DEFAULT)).num_loaded_replica, { rgc: 1 });
  assert.deepEqual((await describe('rg1')).num_loaded_replica, {});
  assert.deepEqual((await describe(DEFAULT)).num_outgoing_node, {});
  const again = await client.search({ collection_name: 'rgc', data: vec(4), limit: 2 });
  assert.ok(ok(again.status), JSON.stringify(again.status));
  assert.equal(again.results.length, 2);

  // A group with limits 0, holding nothing, is dropped; dropping it again succeeds.
  assert.ok(ok(await client.updateResourceGroups({ resource_groups: { rg1: { requests: { node_num: 0 }, limits: { node_num: 0 } } } })));
  assert.ok(ok(await client.dropResourceGroup({ resource_group: 'rg1' })));
  assert.ok(ok(await client.dropResourceGroup({ resource_group: 'rg1' })));
  refused(await client.updateResourceGroups({ resource_groups: { rg1: { requests: { node_num: 0 }, limits: { node_num: 0 } } } }),
    /does not exist/, 'updating a dropped group');
  list = await client.listResourceGroups();
  assert.deepEqual(list.resource_groups, [DEFAULT]);
  assert.ok(ok(await client.releaseCollection({ collection_name: 'rgc' })));
  assert.ok(ok(await client.dropCollection({ collection_name: 'rgc' })));
});
