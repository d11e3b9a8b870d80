'use strict';
// The WAL in a real NATS JetStream (issue 10): a standalone server with nats.servers appends every
// write to a JetStream stream per shard channel, so rows acknowledged but not yet flushed survive
// kill -9 from NATS, not from local files; an outage of NATS makes writes wait and then fail
// clearly, and writes work again once it is back. NATS is started by scripts/nats-test.sh on free
// ports.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { DataType } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer, freePort, connectClient } = require('./lib/server');

const SCRIPT = path.resolve(__dirname, '../../scripts/nats-test.sh');
const haveNats = fs.existsSync('/usr/sbin/nats-server') ||
  spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).status === 0;
const skip = !haveNats && 'nats-server is not installed (scripts/install-deps.sh installs it)';
let natsDir;
let natsPid = 0;
let clientPort;
let monitorPort;

function startNats(command, ...args) {
  const run = spawnSync(SCRIPT, [command, natsDir, ...args.map(String), String(process.pid)], { encoding: 'utf8', timeout: 30000 });
  assert.equal(run.status, 0, run.stderr);
  natsPid = Number(run.stdout.trim());
}

function stopNats() {
  if (!natsPid) return;
  try { process.kill(natsPid, 'SIGTERM'); } catch (e) { /* gone */ }
  for (let i = 0; i < 100; i++) {
    try { process.kill(natsPid, 0); } catch (e) { break; }
    spawnSync('sleep', ['0.05']);
  }
  natsPid = 0;
}

before(async () => {
  if (!haveNats) return;
  natsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-nats-'));
  clientPort = await freePort();
  monitorPort = await freePort();
  startNats('start', clientPort, monitorPort);
});

after(() => {
  stopNats();
  if (natsDir) fs.rmSync(natsDir, { recursive: true, force: true });
});

async function streams() {
  const r = await fetch(`http://127.0.0.1:${monitorPort}/jsz?streams=true`);
  const body = await r.json();
  const out = {};
  for (const account of body.account_details || []) {
    for (const s of account.stream_detail || []) out[s.name] = s.state.messages;
  }
  return out;
}

const rows = (from, n) => Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [from + i, 1, 0, 0] }));

test('rows acknowledged into the JetStream WAL survive kill -9 before any flush', { skip }, async () => {
  const env = { QUIVER_NATS_SERVERS: `nats://127.0.0.1:${clientPort}`, QUIVER_NATS_STREAMPREFIX: 'e2e-a' };
  let server = await new QuiverServer(undefined, [], env).start();
  let client = await connectClient(server);
  // The full form: the SDK's `dimension` shortcut does not pass shards_num on.
  let r = await client.createCollection({
    collection_name: 'logs', shards_num: 2,
    fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'vector', data_type: DataType.FloatVector, dim: 4 }],
    index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' }],
  });
  assert.equal(r.error_code, 'Success', JSON.stringify(r));
  for (let batch = 0; batch < 5; batch++) {
    r = await client.insert({ collection_name: 'logs', data: rows(batch * 100, 100) });
    assert.equal(r.status.error_code, 'Success', JSON.stringify(r.status));
  }
  r = await client.delete({ collection_name: 'logs', filter: 'id in [0, 1, 2]' });
  assert.equal(r.status.error_code, 'Success');
  const held = await streams();
  const ours = Object.keys(held).filter(name => name.startsWith('e2e-a_wal_'));
  assert.equal(ours.length, 2, `one stream per shard channel: ${JSON.stringify(held)}`);
  assert.ok(ours.reduce((n, name) => n + held[name], 0) >= 6, `the writes are in JetStream: ${JSON.stringify(held)}`);
  assert.ok(!fs.existsSync(path.join(server.dataDir, 'wal')), 'no local WAL files');
  client.closeConnection();
  await server.kill9();

  // Nothing was flushed: the rows come back from the streams.
  server = await new QuiverServer(server.dataDir, [], env).start();
  client = await connectClient(server);
  await client.loadCollectionSync({ collection_name: 'logs' });
  const count = await client.query({ collection_name: 'logs', filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' });
  assert.equal(Number(count.data[0]['count(*)']), 497);
  const found = await client.search({ collection_name: 'logs', data: [[250, 1, 0, 0]], limit: 1, consistency_level: 'Strong' });
  assert.equal(String(found.results[0].id), '250');
  const gone = await client.query({ collection_name: 'logs', filter: 'id < 3', output_fields: ['id'], consistency_level: 'Strong' });
  assert.deepEqual(gone.data, [], 'deletes replayed too');
  // A flush moves the rows into segments and truncates the streams.
  await client.flushSync({ collection_names: ['logs'] });
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);
  server.cleanup();
});

test('a NATS outage makes writes wait and fail clearly; they work again once NATS is back', { skip }, async () => {
  const env = {
    QUIVER_NATS_SERVERS: `127.0.0.1:${clientPort}`, QUIVER_NATS_STREAMPREFIX: 'e2e-b', QUIVER_NATS_APPENDTIMEOUTSECONDS: '3',
  };
  const server = await new QuiverServer(undefined, [], env).start();
  const client = await connectClient(server);
  let r = await client.createCollection({ collection_name: 'c', dimension: 4, metric_type: 'L2' });
  assert.equal(r.error_code, 'Success');
  r = await client.insert({ collection_name: 'c', data: rows(1, 10) });
  assert.equal(r.status.error_code, 'Success');

  stopNats();
  const started = Date.now();
  r = await client.insert({ collection_name: 'c', data: rows(100, 10) });
  const waited = Date.now() - started;
  assert.notEqual(r.status.error_code, 'Success', 'a write NATS never acknowledged is not acknowledged');
  assert.match(r.status.reason, /WAL|JetStream|NATS/i, r.status.reason);
  assert.ok(waited >= 2000, `the write waited for NATS (${waited} ms)`);

  startNats('restart', 'single');
  let back = null;
  for (let i = 0; i < 100 && !back; i++) {
    r = await client.insert({ collection_name: 'c', data: rows(200, 10) });
    if (r.status.error_code === 'Success') back = r;
    else await new Promise(resolve => setTimeout(resolve, 200));
  }
  assert.ok(back, `writes resume after NATS restarts: ${JSON.stringify(r.status)}`);
  await client.loadCollectionSync({ collection_name: 'c' });
  const q = await client.query({ collection_name: 'c', filter: 'id < 100 or id >= 200', output_fields: ['count(*)'], consistency_level: 'Strong' });
  assert.equal(q.status.error_code, 'Success', JSON.stringify(q.status));
  assert.equal(Number(q.data[0]['count(*)']), 20, 'the rows before and after the outage');
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);
  server.cleanup();
});

test('local WAL settings are refused with nats.servers, and NATS settings without it', { skip }, async () => {
  let server = new QuiverServer(undefined, [], { QUIVER_NATS_SERVERS: `127.0.0.1:${clientPort}`, QUIVER_WAL_SYNC: 'false' });
  await assert.rejects(server.start(), /quiver exited early[\s\S]*wal\.sync applies to the local WAL files/);
  server.cleanup();
  server = new QuiverServer(undefined, [], { QUIVER_NATS_REPLICAS: '3' });
  await assert.rejects(server.start(), /quiver exited early[\s\S]*nats\.replicas needs nats\.servers/);
  server.cleanup();
  // Three copies on a single server cannot be placed: creating a collection says why.
  server = await new QuiverServer(undefined, [], { QUIVER_NATS_SERVERS: `127.0.0.1:${clientPort}`, QUIVER_NATS_STREAMPREFIX: 'e2e-c', QUIVER_NATS_REPLICAS: '3' }).start();
  const client = await connectClient(server);
  let r;
  try { r = await client.createCollection({ collection_name: 'r3', dimension: 4 }); } catch (e) { r = e; }
  assert.notEqual(r.error_code, 'Success');
  assert.match(r.reason, /replicas > 1 not supported/, r.reason);
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);
  server.cleanup();
});

test('an unreachable NATS is a clear startup error, not a hang', { skip }, async () => {
  const dead = await freePort();
  const server = new QuiverServer(undefined, [], { QUIVER_NATS_SERVERS: `127.0.0.1:${dead}` });
  await assert.rejects(server.start(), /quiver exited early[\s\S]*cannot connect to NATS/);
  server.cleanup();
});
