'use strict';
// The coordinator as its own process (issue 10): `quiver run coord` on etcd + NATS JetStream + S3.
// One of two coordinators leads and serves the catalog and access control on its internal port;
// the other stands by (not ready on /healthz, nothing served). Killed with -9, the leader is
// replaced once its lease expires, and the new one serves everything the old one wrote; stopped
// with SIGTERM, it resigns and the standby takes over at once. The takeover times are printed.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { Storage, Role, internalClient, missing, BIN } = require('../lib/cluster');
const { metric } = require('../lib/server');

const skip = missing;
let storage;

before(async () => { if (!skip) storage = await new Storage().start(); });
after(() => { if (storage) storage.stop(); });

const TTL = 2;  // seconds: the session and leadership lease

// The time of the first structured log line with msg="<msg>", in ms since the epoch.
function logTime(log, msg) {
  const line = log.split('\n').find(l => l.includes(`msg="${msg}"`));
  assert.ok(line, `no "${msg}" in the log:\n${log}`);
  return Date.parse(line.split(' ')[0]);
}

async function databases(address) {
  const client = internalClient('CoordService', address);
  try {
    const reply = await client.call('ListDatabases', {}, 30000);
    assert.equal(reply.status.code, 0, JSON.stringify(reply.status));
    return reply.records.map(r => JSON.parse(r.toString()).name).sort();
  } finally { client.close(); }
}

test('one coordinator leads, a standby takes over after kill -9 and after SIGTERM', { skip }, async () => {
  const env = { ...storage.env('coord-failover'), QUIVER_SESSION_TTLSECONDS: String(TTL) };
  const a = await new Role('coord', env).start();
  await a.waitLog(/coord leading/, 'leadership');
  const b = await new Role('coord', env).start();
  await b.waitLog(/coord standby/, 'standby');
  try {
    assert.equal((await a.status('/healthz')).status, 200);
    const standby = await b.status('/healthz');
    assert.equal(standby.status, 503, standby.text);
    assert.match(standby.text, /standby/);
    assert.equal(metric(await a.status('/metrics').then(r => r.text), 'quiver_coord_leader'), 1);
    assert.equal(metric(await b.status('/metrics').then(r => r.text), 'quiver_coord_leader'), 0);

    // The leader serves the catalog and access control; a standby serves nothing.
    const coord = internalClient('CoordService', a.internal);
    const created = await coord.call('CreateDatabase', { name: 'kept' });
    coord.close();
    assert.equal(created.status.code, 0, JSON.stringify(created.status));
    const access = internalClient('AccessService', a.internal);
    const user = await access.call('CreateUser', { name: 'alice', password: Buffer.from('secret123').toString('base64') });
    access.close();
    assert.equal(user.status.code, 0, JSON.stringify(user.status));
    assert.deepEqual(await databases(a.internal), ['default', 'kept']);
    await assert.rejects(internalClient('CoordService', b.internal).call('ListDatabases', {}, 500));

    // kill -9: the standby leads once the lease expires, with the catalog from etcd.
    const killed = Date.now();
    await a.kill9();
    await b.waitLog(/coord leading/, 'takeover after kill -9', 30000);
    const takeover = Date.now() - killed;
    assert.deepEqual(await databases(b.internal), ['default', 'kept']);
    const users = await internalClient('AccessService', b.internal).call('ListUsers');
    assert.deepEqual(users.users.map(u => u.name).sort(), ['alice', 'root']);
    const verified = await internalClient('AccessService', b.internal).call('VerifyPassword', { name: 'alice', password: 'secret123' });
    assert.equal(verified.status.code, 0, JSON.stringify(verified.status));
    assert.equal(metric(await b.status('/metrics').then(r => r.text), 'quiver_coord_leader'), 1);

    // The restarted one stands by; SIGTERM on the leader hands over without waiting for the TTL.
    const c = await new Role('coord', env).start();
    await c.waitLog(/coord standby/, 'standby after restart');
    assert.equal((await b.stop()).code, 0, b.log);
    await c.waitLog(/coord leading/, 'takeover after SIGTERM', 30000);
    // From the leader's SIGTERM to the successor serving, by the two processes' log clocks (the
    // old one's exit, after it resigned, is not part of the gap).
    const handover = logTime(c.log, 'leading') - logTime(b.log, 'shutting down');
    assert.deepEqual(await databases(c.internal), ['default', 'kept']);
    console.log(`# coordinator takeover: ${takeover} ms after kill -9 (lease ${TTL} s), ${handover} ms after SIGTERM`);
    assert.equal((await c.stop()).code, 0, c.log);
  } finally {
    await a.kill9();
    await b.kill9();
  }
});

test('a coordinator without shared storage or with a bad setting is refused with the reason', { skip }, () => {
  const run = (env, internalPort = '0') => spawnSync(BIN, ['run', 'coord', '--status-port', '0', '--internal-port', internalPort],
    { encoding: 'utf8', timeout: 30000, env: { ...process.env, ...env } });
  const alone = run({});
  assert.equal(alone.status, 1);
  assert.match(alone.stderr + alone.stdout, /needs etcd\.endpoints/);
  const env = storage.env('coord-refusals');
  const noPort = run(env);
  assert.equal(noPort.status, 1);
  assert.match(noPort.stderr + noPort.stdout, /internal\.port must be 1 to 65535/);
  const badTtl = run({ ...env, QUIVER_SESSION_TTLSECONDS: '0' }, '1');
  assert.equal(badTtl.status, 1);
  assert.match(badTtl.stderr + badTtl.stdout, /session\.ttlSeconds must be 1 to 600/);
  // A local data directory would be silently unused: refused.
  const dataDir = run({ ...env, QUIVER_SERVER_DATA_DIR: '/tmp/unused' }, '1');
  assert.equal(dataDir.status, 1);
  assert.match(dataDir.stderr + dataDir.stdout, /server\.data_dir is not used by distributed roles/);
});
