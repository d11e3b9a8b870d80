'use strict';
// Distributed roles for the cluster tests (tests/e2e/cluster/*.cluster.js, `make test-cluster`):
// etcd, NATS JetStream and Ceph radosgw started by the repository's scripts on free ports, the
// roles spawned as `quiver run <role>` processes, and a client of the internal gRPC protocol
// (proto/internal/*.proto) loaded with @grpc/proto-loader.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { freePort, sleep } = require('./server');

const ROOT = path.resolve(__dirname, '../../..');
const BIN = process.env.QUIVER_BIN || path.join(ROOT, 'build/release/apps/quiver/quiver');
const ACCESS = 'QUIVERTESTACCESSKEY';
const SECRET = 'quiver-test-secret-key-0123456789';

const have = bins => bins.every(bin => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);
const missing = !have(['etcd', 'nats-server', 'ceph-mon', 'ceph-osd', 'radosgw']) &&
  'etcd, nats-server or Ceph is not installed (scripts/install-deps.sh installs them)';

function script(name, args) {
  const run = spawnSync(path.join(ROOT, 'scripts', name), [...args.map(String), String(process.pid)],
    { encoding: 'utf8', timeout: 180000 });
  if (run.status !== 0) throw new Error(`${name} ${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout.trim().split(/\s+/).map(Number);
}

// The same without blocking the event loop, for faults injected while client load runs in this
// process: a synchronous wait would stall the load and be reported as the server's gap (a killed
// process lingers until PID 1 reaps it, about a second here).
function scriptAsync(name, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'scripts', name), [...args.map(String), String(process.pid)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', d => { out += d; });
    child.stderr.on('data', d => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180000);
    child.on('exit', code => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${name} ${args.join(' ')} failed:\n${err}`));
      else resolve(out.trim().split(/\s+/).map(Number));
    });
  });
}

async function killPidAsync(pid) {
  try { process.kill(pid, 'SIGKILL'); } catch (e) { return; }
  for (let i = 0; i < 300; i++) {
    try { process.kill(pid, 0); } catch (e) { return; }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

function stopPid(pid, signal = 'SIGTERM') {
  try { process.kill(pid, signal); } catch (e) { return; }
  for (let i = 0; i < 300; i++) {
    try { process.kill(pid, 0); } catch (e) { return; }
    spawnSync('sleep', ['0.05']);
  }
  try { process.kill(pid, 'SIGKILL'); } catch (e) { /* gone */ }
}

// etcd, NATS JetStream and radosgw, each on free loopback ports: one etcd member and one NATS
// server, or with `ha` three etcd members and a three-node NATS cluster (WAL streams R3), the
// layout a production deployment has and the storage drills kill members of.
class Storage {
  constructor({ ha = false } = {}) { this.ha = ha; }

  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-cluster-'));
    this.rgwPort = await freePort();
    this.pids = [];
    if (this.ha) {
      const etcdPorts = [];
      for (let i = 0; i < 6; i++) etcdPorts.push(await freePort());
      this.etcdPorts = [etcdPorts[0], etcdPorts[2], etcdPorts[4]];
      this.etcd = script('etcd-test.sh', ['cluster', path.join(this.dir, 'etcd'), ...etcdPorts]);
      const natsPorts = [];
      for (let i = 0; i < 9; i++) natsPorts.push(await freePort());
      this.natsPorts = [natsPorts[0], natsPorts[3], natsPorts[6]];
      this.nats = script('nats-test.sh', ['cluster', path.join(this.dir, 'nats'), ...natsPorts]);
    } else {
      this.etcdPorts = [await freePort()];
      this.etcd = script('etcd-test.sh', ['start', path.join(this.dir, 'etcd'), this.etcdPorts[0], await freePort()]);
      this.natsPorts = [await freePort()];
      this.nats = script('nats-test.sh', ['start', path.join(this.dir, 'nats'), this.natsPorts[0], await freePort()]);
    }
    this.pids.push(...this.etcd, ...this.nats);
    this.ceph = script('ceph-test.sh', ['start', path.join(this.dir, 'ceph'), await freePort(), this.rgwPort]);
    this.pids.push(...this.ceph);
    return this;
  }

  // The environment a role of deployment `root` reads its storage settings from.
  env(root) {
    return {
      QUIVER_ETCD_ENDPOINTS: this.etcdPorts.map(p => `127.0.0.1:${p}`).join(','), QUIVER_ETCD_ROOTPATH: root,
      QUIVER_NATS_SERVERS: this.natsPorts.map(p => `127.0.0.1:${p}`).join(','),
      QUIVER_NATS_STREAMPREFIX: root.replace(/[^A-Za-z0-9]/g, ''), QUIVER_NATS_REPLICAS: this.ha ? '3' : '1',
      QUIVER_MINIO_ADDRESS: `127.0.0.1:${this.rgwPort}`, QUIVER_MINIO_ACCESSKEYID: ACCESS,
      QUIVER_MINIO_SECRETACCESSKEY: SECRET, QUIVER_MINIO_BUCKETNAME: 'quiver-cluster', QUIVER_MINIO_ROOTPATH: root,
    };
  }

  // kill -9 of one storage process (waits until it is gone); `restart*` start it again from
  // what it left on disk.
  // Faults and restarts for drills: they never block the event loop (see scriptAsync).
  async kill9(pid) { await killPidAsync(pid); }

  async restartEtcd(member) {
    const [pid] = await scriptAsync('etcd-test.sh', ['restart', path.join(this.dir, 'etcd'), member]);
    this.etcd[member] = pid;
    this.pids.push(pid);
    return pid;
  }

  // The index of the etcd member that leads the raft group.
  async etcdLeader() {
    for (const port of this.etcdPorts) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/v3/maintenance/status`, { method: 'POST', body: '{}' });
        const body = await r.json();
        if (body.leader && body.header.member_id === body.leader) return this.etcdPorts.indexOf(port);
      } catch (e) { /* down or not answering: ask the next */ }
    }
    throw new Error('no etcd member reports itself as the leader');
  }

  // The index of the NATS node that leads most of the streams whose names start with `prefix`.
  async natsStreamLeader(prefix) {
    const monitor = Number(fs.readFileSync(path.join(this.dir, 'nats', 'n0.monitor'), 'utf8'));
    const r = await fetch(`http://127.0.0.1:${monitor}/jsz?accounts=true&streams=true`);
    const body = await r.json();
    const count = new Map();
    for (const account of body.account_details || []) {
      for (const stream of account.stream_detail || []) {
        if (!stream.name.startsWith(prefix) || !stream.cluster || !stream.cluster.leader) continue;
        count.set(stream.cluster.leader, (count.get(stream.cluster.leader) || 0) + 1);
      }
    }
    if (count.size === 0) throw new Error(`no stream ${prefix}* has a leader`);
    const [name] = [...count].sort((a, b) => b[1] - a[1])[0];
    return Number(name.slice(1));  // n0..n2
  }

  async restartNats(node) {
    const [pid] = await scriptAsync('nats-test.sh', ['restart', path.join(this.dir, 'nats'), this.ha ? node : 'single']);
    this.nats[this.ha ? node : 0] = pid;
    this.pids.push(pid);
    return pid;
  }

  async restartRgw() {
    const [pid] = await scriptAsync('ceph-test.sh', ['restart-rgw', path.join(this.dir, 'ceph')]);
    this.ceph[2] = pid;
    this.pids.push(pid);
    return pid;
  }

  stop() {
    for (const pid of [...(this.pids || [])].reverse()) stopPid(pid);
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const running = new Set();
process.on('exit', () => { for (const p of running) { try { p.kill('SIGKILL'); } catch (e) { /* gone */ } } });

// One `quiver run <role>` process. Its stdout and stderr are kept in `log`.
class Role {
  constructor(role, env = {}, args = []) {
    this.role = role;
    this.env = env;
    this.args = args;
    this.log = '';
  }

  async start() {
    this.statusPort = await freePort();
    // The proxy serves the Milvus API; the others their internal port.
    if (this.role === 'proxy') {
      this.port = await freePort();
    } else {
      this.internalPort = await freePort();
    }
    return this.spawn();
  }

  // The same role again on the same ports (after a kill: clients reconnect to the address they
  // know), as a new process with a fresh log.
  restart() {
    const again = new Role(this.role, this.env, this.args);
    Object.assign(again, { statusPort: this.statusPort, port: this.port, internalPort: this.internalPort });
    return again.spawn();
  }

  spawn() {
    const ports = this.role === 'proxy' ? ['--port', String(this.port)] : ['--internal-port', String(this.internalPort)];
    this.proc = spawn(BIN, ['run', this.role, '--status-port', String(this.statusPort), ...ports, ...this.args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    const append = d => { this.log += d.toString(); if (this.log.length > 1 << 20) this.log = this.log.slice(-(1 << 19)); };
    this.proc.stdout.on('data', append);
    this.proc.stderr.on('data', append);
    running.add(this.proc);
    const proc = this.proc;
    this.exited = new Promise(resolve => proc.on('exit', (code, signal) => { running.delete(proc); resolve({ code, signal }); }));
    return this;
  }

  get internal() { return `127.0.0.1:${this.internalPort}`; }
  get address() { return `127.0.0.1:${this.port}`; }

  // Waits until the log matches `re` (or the process exits: an error with its log).
  async waitLog(re, what, ms = 60000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (re.test(this.log)) return;
      if (this.proc.exitCode !== null || this.proc.signalCode) throw new Error(`${this.role} exited before ${what}:\n${this.log}`);
      await sleep(20);
    }
    throw new Error(`${this.role}: no ${what} within ${ms} ms:\n${this.log}`);
  }

  async status(page) {
    const r = await fetch(`http://127.0.0.1:${this.statusPort}${page}`);
    return { status: r.status, text: await r.text() };
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 60000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  async kill9() {
    if (this.proc.exitCode !== null || this.proc.signalCode) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

let packageDefinition;
function internalProto() {
  if (!packageDefinition) {
    packageDefinition = protoLoader.loadSync(['internal/coord.proto', 'internal/node.proto'],
      { includeDirs: [path.join(ROOT, 'proto')], longs: String, enums: Number, defaults: true });
  }
  return grpc.loadPackageDefinition(packageDefinition).quiver.internal;
}

// A client of one internal service at `address`; call(method, request) resolves to the reply.
function internalClient(service, address) {
  const Service = internalProto()[service];
  // Its own subchannels (grpc-js shares them by default, with their reconnect backoff), and calls
  // wait for the connection until their deadline: a role that just started is reached.
  const client = new Service(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  return {
    call(method, request = {}, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        client[method](request, { deadline: new Date(Date.now() + timeoutMs), waitForReady: true }, (err, reply) => (err ? reject(err) : resolve(reply)));
      });
    },
    close() { client.close(); },
  };
}

// Starts every role of a deployment into `roles` (and `all`): `standbys` extra coordinators,
// datanodes, querynodes and indexnodes beside the active ones, then one proxy.
async function startRoles(roles, all, roleEnv, standbys) {
  for (const name of ['coord', 'datanode', 'querynode', 'indexnode']) {
    roles[name] = [];
    for (let i = 0; i <= standbys; i++) {
      const role = await new Role(name, roleEnv).start();
      all.push(role);
      roles[name].push(role);
      // Query nodes and datanodes are all active (replicas and channels are placed on them);
      // the other roles elect one.
      const allActive = name === 'querynode' || name === 'datanode';
      const ready = allActive ? new RegExp(`${name} \\| node`) : i === 0 ? new RegExp(`${name} leading`) : new RegExp(`${name} standby`);
      await role.waitLog(ready, `${name} ${i}`);
    }
  }
  const proxy = await new Role('proxy', roleEnv).start();
  all.push(proxy);
  roles.proxy = [proxy];
  await proxy.waitLog(/proxy \| node/, 'proxy');
}

// A whole deployment on its own storage (see startRoles). Looks like a QuiverServer to the suite
// (address, port, log, metrics, stop, start again, cleanup), so files written for standalone run
// against the proxy.
async function startCluster({ env = {}, standbys = 0, ttlSeconds = 2, ha = false } = {}) {
  const storage = await new Storage({ ha }).start();
  const root = `c${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const roleEnv = { ...storage.env(root), QUIVER_SESSION_TTLSECONDS: String(ttlSeconds), ...env };
  const roles = {};
  let all = [];
  try {
    await startRoles(roles, all, roleEnv, standbys);
  } catch (e) {
    for (const r of all) await r.kill9();
    storage.stop();
    throw e;
  }
  return {
    storage, roles, env: roleEnv,
    get address() { return roles.proxy[0].address; },
    get port() { return roles.proxy[0].port; },
    // Where its objects are (lib/objects.js lists them).
    s3: { address: roleEnv.QUIVER_MINIO_ADDRESS, access: ACCESS, secret: SECRET, bucket: roleEnv.QUIVER_MINIO_BUCKETNAME, root },
    // The whole deployment again after stop(), on the same storage (the proxy on a new port).
    async start() {
      all = [];
      await startRoles(roles, all, roleEnv, standbys);
      return this;
    },
    // The suite's status pages, over the whole deployment: /healthz fails if any active role's
    // does; /metrics sums each sample over the active roles (comment lines from the first): every
    // query node and datanode, and the first coordinator and indexnode (the leaders, unless a
    // drill moved them).
    get statusPort() { return roles.proxy[0].statusPort; },
    async statusGet(page) {
      const active = ['proxy', 'coord', 'indexnode'].map(n => roles[n][0]).concat(roles.querynode, roles.datanode);
      const pages = await Promise.all(active.map(r => r.status(page)));
      if (page !== '/metrics') return pages.find(p => p.status !== 200) || pages[0];
      const samples = new Map();
      const comments = [];
      for (const p of pages) {
        for (const line of p.text.split('\n')) {
          if (line.startsWith('#')) { if (!comments.includes(line)) comments.push(line); continue; }
          const cut = line.lastIndexOf(' ');
          if (cut <= 0) continue;
          const name = line.slice(0, cut);
          samples.set(name, (samples.get(name) || 0) + Number(line.slice(cut + 1)));
        }
      }
      return { status: 200, text: [...comments, ...[...samples].map(([n, v]) => `${n} ${v}`)].join('\n') + '\n' };
    },
    healthz() { return this.statusGet('/healthz'); },
    get log() { return all.map(r => `--- ${r.role}\n${r.log}`).join('\n'); },
    async metrics() { return (await this.statusGet('/metrics')).text; },
    // SIGTERM every role, proxies first; the first non-zero exit is returned.
    async stop() {
      let result = { code: 0 };
      for (const name of ['proxy', 'indexnode', 'querynode', 'datanode', 'coord']) {
        for (const r of roles[name] || []) {
          const exit = await r.stop();
          if (exit.code !== 0 && result.code === 0) result = { ...exit, role: name, log: r.log };
        }
      }
      return result;
    },
    cleanup() { storage.stop(); },
  };
}

// A deployment and an SDK client of its proxy for a file's tests: call in before(), and
// stopClusterClient in after(), which checks that every role stops cleanly on SIGTERM.
async function startClusterClient(options) {
  const { MilvusClient } = require('@zilliz/milvus2-sdk-node');
  const cluster = await startCluster(options);
  const client = new MilvusClient({ address: cluster.address, timeout: 60000, logLevel: 'error' });
  await client.connectPromise;
  return { cluster, client };
}

async function stopClusterClient(cluster, client) {
  if (client) client.closeConnection();
  if (!cluster) return;
  const exit = await cluster.stop();
  cluster.cleanup();
  require('node:assert/strict').equal(exit.code, 0,
    `${exit.role} should stop cleanly (signal ${exit.signal}):\n${(exit.log || '').slice(-3000)}`);
}

const isOk = r => (r.status ? r.status.error_code : r.error_code) === 'Success';

// The drills' 4-dimensional vector of row `id`: distinct for ids below 15,035 (97 · 31 · 5).
const drillVector = id => [id % 97, (id * 7) % 31, 1, id % 5];

// A client's continuous load on collection `name` for the drills: searches and inserts (20 rows a
// batch, ids from `firstId`, vectors from `vector(id)`) back to back until stop() (at most
// `limitMs`). Records every failed request, the acknowledged ids, the ids of inserts that failed
// (`uncertain`: a request lost with its server may have been applied) and the longest time between
// two successful searches, and between two acknowledged inserts, and when each longest gap began.
function clientLoad(client, name, firstId, vector, limitMs = 60000) {
  const state = { failures: [], acked: [], uncertain: [], searches: 0, longestGapMs: 0, gapFrom: 0, longestInsertGapMs: 0,
    insertGapFrom: 0, running: true };
  const started = Date.now();
  let lastOk = Date.now();
  let lastAck = Date.now();
  let nextId = firstId;
  const searching = (async () => {
    while (state.running && Date.now() - started < limitMs) {
      try {
        const r = await client.search({ collection_name: name, data: [vector(3)], limit: 3 });
        if (!isOk(r)) throw new Error(JSON.stringify(r.status));
        state.searches++;
        const now = Date.now();
        if (now - lastOk > state.longestGapMs) [state.longestGapMs, state.gapFrom] = [now - lastOk, lastOk];
        lastOk = now;
      } catch (e) { state.failures.push(`search: ${e.message}`); }
    }
  })();
  const inserting = (async () => {
    while (state.running && Date.now() - started < limitMs) {
      const ids = Array.from({ length: 20 }, () => nextId++);
      try {
        const r = await client.insert({ collection_name: name, data: ids.map(id => ({ id, vector: vector(id) })) });
        if (!isOk(r)) throw new Error(JSON.stringify(r.status));
        state.acked.push(...ids);
        const now = Date.now();
        if (now - lastAck > state.longestInsertGapMs) [state.longestInsertGapMs, state.insertGapFrom] = [now - lastAck, lastAck];
        lastAck = now;
      } catch (e) {
        state.failures.push(`insert: ${e.message}`);
        state.uncertain.push(...ids);
      }
    }
  })();
  state.stop = async () => { state.running = false; await Promise.all([searching, inserting]); };
  return state;
}

module.exports = { Storage, Role, internalClient, startCluster, startClusterClient, stopClusterClient, clientLoad, isOk,
  drillVector, missing, BIN };
