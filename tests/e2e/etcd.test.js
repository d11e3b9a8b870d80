'use strict';
// Metadata in a real etcd (issue 10): a standalone server with etcd.endpoints keeps its catalog
// in etcd under etcd.rootPath, survives a restart from it, and two servers with different roots
// on one etcd do not see each other. etcd is started by scripts/etcd-test.sh on free ports.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { QuiverServer, freePort, connectClient } = require('./lib/server');

const SCRIPT = path.resolve(__dirname, '../../scripts/etcd-test.sh');
const haveEtcd = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).status === 0;
let etcdDir;
let etcdPid = 0;
let endpoint;

before(async () => {
  if (!haveEtcd) return;
  etcdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-etcd-'));
  const client = await freePort();
  const peer = await freePort();
  const run = spawnSync(SCRIPT, ['start', etcdDir, String(client), String(peer), String(process.pid)], { encoding: 'utf8', timeout: 30000 });
  assert.equal(run.status, 0, run.stderr);
  etcdPid = Number(run.stdout.trim());
  endpoint = `127.0.0.1:${client}`;
});

after(() => {
  if (etcdPid) {
    try { process.kill(etcdPid, 'SIGTERM'); } catch (e) { /* gone */ }
  }
  if (etcdDir) fs.rmSync(etcdDir, { recursive: true, force: true });
});

function etcdKeys(prefix) {
  const run = spawnSync('etcdctl', ['--endpoints', endpoint, 'get', '--prefix', '--keys-only', prefix], { encoding: 'utf8', timeout: 10000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter(Boolean);
}

test('a standalone server keeps its catalog in etcd, under its root, across a restart', { skip: !haveEtcd && 'etcd is not installed (scripts/install-deps.sh installs etcd-server)' }, async () => {
  const env = { QUIVER_ETCD_ENDPOINTS: `http://${endpoint}`, QUIVER_ETCD_ROOTPATH: 'team-a' };
  let server = await new QuiverServer(undefined, [], env).start();
  let client = await connectClient(server);
  let r = await client.createCollection({ collection_name: 'books', dimension: 4, metric_type: 'L2' });
  assert.equal(r.error_code, 'Success', JSON.stringify(r));
  r = await client.insert({ collection_name: 'books', data: [{ id: 1, vector: [1, 0, 0, 0] }, { id: 2, vector: [0, 1, 0, 0] }] });
  assert.equal(r.status.error_code, 'Success');
  await client.flushSync({ collection_names: ['books'] });
  assert.ok(etcdKeys('team-a/meta/').length > 0, 'the catalog is in etcd under the root');
  assert.ok(!fs.existsSync(path.join(server.dataDir, 'meta')), 'no local metadata store');
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);

  // Restarted from the same data directory: the catalog comes back from etcd.
  const dataDir = server.dataDir;
  server = await new QuiverServer(dataDir, [], env).start();
  client = await connectClient(server);
  const listed = await client.showCollections();
  assert.deepEqual(listed.data.map(c => c.name), ['books']);
  await client.loadCollectionSync({ collection_name: 'books' });
  const found = await client.search({ collection_name: 'books', data: [[0, 1, 0, 0]], limit: 1, consistency_level: 'Strong' });
  assert.equal(String(found.results[0].id), '2');

  // Another deployment on the same etcd, under another root, sees none of it.
  const other = await new QuiverServer(undefined, [], { ...env, QUIVER_ETCD_ROOTPATH: 'team-b' }).start();
  const otherClient = await connectClient(other);
  assert.deepEqual((await otherClient.showCollections()).data, []);
  otherClient.closeConnection();
  assert.equal((await other.stop()).code, 0);
  other.cleanup();
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('meta.history_* bounds, which etcd would not honour, are refused with etcd.endpoints', { skip: !haveEtcd && 'etcd is not installed' }, async () => {
  const server = new QuiverServer(undefined, [], { QUIVER_ETCD_ENDPOINTS: endpoint, QUIVER_META_HISTORY_MAX_REVISIONS: '50' });
  await assert.rejects(server.start(), /quiver exited early[\s\S]*meta\.history_max_revisions applies to the local metadata store/);
  server.cleanup();
});

test('an unreachable etcd is a clear startup error, not a hang', { skip: !haveEtcd && 'etcd is not installed' }, async () => {
  const dead = await freePort();
  const server = new QuiverServer(undefined, [], { QUIVER_ETCD_ENDPOINTS: `127.0.0.1:${dead}` });
  await assert.rejects(server.start(), /quiver exited early[\s\S]*etcd/);
  server.cleanup();
});
