'use strict';
// Outages of the shared storage under load (issue 10), on the production layout: three etcd
// members, a three-node NATS JetStream cluster with the WAL streams at R3, radosgw, and every role
// with a standby (two query nodes). A client searches and inserts through the proxy while, in turn,
// the etcd leader is killed -9 (and restarted), the NATS node leading most WAL streams is killed -9
// (and restarted), and radosgw is down for 10 s. The failed requests and the longest gap between
// two successful searches are printed per drill; afterwards every acknowledged row is present
// exactly once, also after a flush (which needs the object store back).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startClusterClient, stopClusterClient, clientLoad, missing, BIN, isOk: ok, drillVector: vector } = require('../lib/cluster');

const skip = missing;
const DIM = 4;
const NAME = 'outages';
let cluster;
let client;

before(async () => {
  if (!skip) ({ cluster, client } = await startClusterClient({ standbys: 1, ttlSeconds: 2, ha: true }));
});
after(() => stopClusterClient(cluster, client));

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function countRange(from, to) {
  const r = await client.query({ collection_name: NAME, filter: `id >= ${from} and id < ${to}`,
    output_fields: ['count(*)'], consistency_level: 'Strong' });
  assert.ok(ok(r), JSON.stringify(r.status));
  return Number(r.data[0]['count(*)']);
}

test('etcd leader, NATS stream leader and radosgw outages under load: every acknowledged row once', { skip, timeout: 300000 }, async () => {
  const storage = cluster.storage;
  let r = await client.createCollection({ collection_name: NAME, dimension: DIM, metric_type: 'L2', auto_id: false });
  assert.ok(ok(r), JSON.stringify(r));
  r = await client.insert({ collection_name: NAME, data: Array.from({ length: 200 }, (_, i) => ({ id: i, vector: vector(i) })) });
  assert.ok(ok(r));
  await client.flushSync({ collection_names: [NAME] });
  await client.loadCollectionSync({ collection_name: NAME, replica_number: 2 });
  const ranges = [{ from: 0, to: 200, acked: 200 }];
  const report = [];
  const prefix = cluster.env.QUIVER_NATS_STREAMPREFIX;

  const drills = [
    { name: 'etcd leader kill -9', async fault() {
      const m = await storage.etcdLeader();
      await storage.kill9(storage.etcd[m]);
      await sleep(5000);
      await storage.restartEtcd(m);
      return `member m${m}`;
    } },
    { name: 'NATS stream leader kill -9', async fault() {
      const n = await storage.natsStreamLeader(prefix);
      await storage.kill9(storage.nats[n]);
      await sleep(5000);
      await storage.restartNats(n);
      return `node n${n}`;
    } },
    { name: 'radosgw down 10 s', async fault() {
      await storage.kill9(storage.ceph[2]);
      await sleep(10000);
      await storage.restartRgw();
      return 'radosgw';
    } },
  ];
  let base = 100000;
  for (const drill of drills) {
    const state = clientLoad(client, NAME, base, vector, 120000);
    await sleep(1000);  // load running before the fault
    const faultAt = Date.now();
    const what = await drill.fault();
    await sleep(2000);  // and after the recovery
    await state.stop();
    ranges.push({ from: base, to: base + 100000, acked: state.acked.length });
    report.push(`${drill.name} (${what}): ${state.searches} searches, ${state.acked.length} rows acked, ` +
      `${state.failures.length} failed requests, longest search gap ${state.longestGapMs} ms ` +
      `(from ${state.gapFrom - faultAt} ms after the fault), longest insert gap ${state.longestInsertGapMs} ms ` +
      `(from ${state.insertGapFrom - faultAt} ms)`);
    if (state.failures.length) console.log(`# ${drill.name} failures: ${state.failures.slice(0, 3).join(' | ')}`);
    base += 100000;
  }
  for (const line of report) console.log(`# drill ${line}`);

  // Every acknowledged row exactly once: ids are never reused, so a lost row lowers a range's count
  // and a duplicated one raises it. Again after a flush, which writes segments to the object store.
  for (const range of ranges) assert.equal(await countRange(range.from, range.to), range.acked, `ids from ${range.from}`);
  const flushed = await client.flushSync({ collection_names: [NAME] });
  assert.ok(ok(flushed), JSON.stringify(flushed.status));
  for (const range of ranges) assert.equal(await countRange(range.from, range.to), range.acked, `ids from ${range.from} after flush`);
  // Every role is still up: none lost its session or its leadership for good in the outages.
  for (const [role, list] of Object.entries(cluster.roles)) {
    for (const p of list) assert.equal(p.proc.exitCode, null, `${role} exited:\n${p.log.slice(-2000)}`);
  }
});

// `quiver meta snapshot` (Maintenance.Snapshot) against the three-member etcd after the outages:
// progress up to 100%, and a file etcdctl reads (it checks the hash) holding the cluster's keys.
test('quiver meta snapshot writes an etcd snapshot etcdctl reads', { skip, timeout: 120000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-meta-snapshot-'));
  try {
    const out = path.join(dir, 'meta.snapshot');
    const r = spawnSync(BIN, ['meta', 'snapshot', out], { env: { ...process.env, ...cluster.env }, encoding: 'utf8', timeout: 100000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /etcd snapshot 100%/);
    const size = fs.statSync(out).size;
    assert.match(r.stdout, new RegExp(`: ${size} bytes in `));
    assert.ok(!fs.existsSync(`${out}.partial`));
    const status = spawnSync('etcdctl', ['snapshot', 'status', out, '-w', 'json'],
      { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8', timeout: 30000 });
    assert.equal(status.status, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.ok(s.totalKey > 10, status.stdout);  // sessions, the catalog, segments, checkpoints
    assert.ok(s.revision > 0, status.stdout);
    console.log(`# meta snapshot: ${size} bytes, ${s.totalKey} keys at revision ${s.revision}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
