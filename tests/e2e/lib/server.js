'use strict';
// Starts a Quiver standalone server for a test on free ports with its own data directory,
// and stops (or kills) it. Every test file uses this; nothing assumes 19530/9091 are free.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const BIN = process.env.QUIVER_BIN || path.resolve(__dirname, '../../../build/release/apps/quiver/quiver');

// A free loopback port for a server a test starts. It is drawn below the kernel's ephemeral range
// (ip_local_port_range), never from it: a port the kernel hands out for port 0 is one it may hand
// out again a moment later as the local port of some outgoing connection (radosgw's own connections
// to its monitor took the port picked for its frontend once), while ports below that range are only
// ever taken by an explicit bind. No port is handed out twice, not even by two test processes
// running side by side: each one handed out is claimed by a file under os.tmpdir()/quiver-e2e-ports
// (created exclusively; claims older than a day are cleared), and it is checked free on every
// address, as the servers bind it.
const handedOut = new Set();
const claimDir = path.join(os.tmpdir(), 'quiver-e2e-ports');
let claimsSwept = false;
function claim(port) {
  if (!claimsSwept) {
    claimsSwept = true;
    fs.mkdirSync(claimDir, { recursive: true });
    const dayAgo = Date.now() - 24 * 3600 * 1000;
    for (const name of fs.readdirSync(claimDir)) {
      try {
        if (fs.statSync(path.join(claimDir, name)).mtimeMs < dayAgo) fs.unlinkSync(path.join(claimDir, name));
      } catch (e) { /* another process swept it */ }
    }
  }
  try {
    fs.closeSync(fs.openSync(path.join(claimDir, String(port)), 'wx'));
    return true;
  } catch (e) {
    return false;
  }
}
function ephemeralLow() {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch (e) {
    return 32768;
  }
}
function tryListen(port) {
  return new Promise(resolve => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', () => resolve(0));
    // No host: the wildcard address, which conflicts with a listener on any address.
    srv.listen(port, () => {
      const got = srv.address().port;
      srv.close(() => resolve(got));
    });
  });
}
async function freePort() {
  const low = 10000;
  const high = ephemeralLow() - 1;
  for (let attempt = 0; high - low > 1000 && attempt < 400; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    if (await tryListen(port) === port && claim(port)) {
      handedOut.add(port);
      return port;
    }
  }
  // No room below the ephemeral range: the kernel's choice, still never twice.
  for (;;) {
    const port = await tryListen(0);
    if (port && !handedOut.has(port) && claim(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

// With QUIVER_E2E_SHARED_STORAGE=1 (scripts/run-e2e-shared-storage.sh: the suite on etcd, NATS
// JetStream and S3), every server keeps its metadata, streams and objects under roots named after
// its data directory, so servers of different tests never see each other's data and a restarted
// one finds its own.
function sharedStorageRoots(dataDir) {
  if (process.env.QUIVER_E2E_SHARED_STORAGE !== '1') return {};
  const name = path.basename(dataDir).replace(/[^A-Za-z0-9]/g, '');
  return { QUIVER_ETCD_ROOTPATH: `e2e/${name}`, QUIVER_NATS_STREAMPREFIX: name, QUIVER_MINIO_ROOTPATH: `e2e/${name}` };
}

// Servers still running when the test process exits (a failed assertion skipped a stop) are
// killed, so a failing test never leaves a server behind or hangs the runner.
const running = new Set();
process.on('exit', () => { for (const p of running) { try { p.kill('SIGKILL'); } catch (e) { /* gone */ } } });

class QuiverServer {
  constructor(dataDir, extraArgs = [], env = {}) {
    this.dataDir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-e2e-'));
    this.ownsDir = !dataDir;
    this.extraArgs = extraArgs;
    this.env = env;
    this.proc = null;
    this.log = '';
  }

  get address() { return `127.0.0.1:${this.port}`; }

  // A port can still be taken between the check and the server's bind by a process that is not a
  // test's (the machine is shared): then the server is started again on new ports, up to 3 times.
  async start() {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (e) {
        if (attempt >= 3 || !/cannot bind|cannot listen/.test(e.message)) throw e;
        this.log = '';
      }
    }
  }

  async startOnce() {
    this.port = await freePort();
    this.statusPort = await freePort();
    const args = ['run', 'standalone', '--data-dir', this.dataDir, '--port', String(this.port),
      '--status-port', String(this.statusPort), ...this.extraArgs];
    this.proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...sharedStorageRoots(this.dataDir), ...this.env } });
    const append = d => { this.log += d.toString(); if (this.log.length > 1 << 20) this.log = this.log.slice(-(1 << 19)); };
    this.proc.stdout.on('data', append);
    this.proc.stderr.on('data', append);
    running.add(this.proc);
    const proc = this.proc;
    this.exited = new Promise(resolve => proc.on('exit', (code, signal) => {
      running.delete(proc);
      // QUIVER_E2E_LOG_DIR=DIR keeps every server's log there (one file per data directory).
      if (process.env.QUIVER_E2E_LOG_DIR) {
        fs.appendFileSync(path.join(process.env.QUIVER_E2E_LOG_DIR, `${path.basename(this.dataDir)}.log`),
          `--- exit ${code} ${signal || ''}\n${this.log}`);
      }
      resolve({ code, signal });
    }));
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`quiver exited early:\n${this.log}`);
      try {
        if ((await this.healthz()).status === 200) return this;
      } catch (e) { /* not up yet */ }
      await sleep(50);
    }
    // Never leave a server behind that did not come up: the test runner would wait for it.
    this.proc.kill('SIGKILL');
    await this.exited;
    throw new Error(`quiver did not become ready:\n${this.log}`);
  }

  // A GET on the status port: plain HTTP, or HTTPS trusting tls.caPemPath when server.status_tls is on.
  statusGet(page) {
    if (this.env.QUIVER_SERVER_STATUS_TLS !== 'true') {
      return fetch(`http://127.0.0.1:${this.statusPort}${page}`).then(async r => ({ status: r.status, text: await r.text() }));
    }
    const https = require('node:https');
    const tlsOptions = { ca: fs.readFileSync(this.env.QUIVER_TLS_CAPEMPATH), servername: 'localhost' };
    if (this.env.QUIVER_COMMON_SECURITY_TLSMODE === '2') {
      tlsOptions.cert = fs.readFileSync(this.env.STATUS_CLIENT_CERT);
      tlsOptions.key = fs.readFileSync(this.env.STATUS_CLIENT_KEY);
    }
    return new Promise((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: this.statusPort, path: page, ...tlsOptions }, res => {
        let text = '';
        res.on('data', d => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', reject);
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    });
  }

  healthz() { return this.statusGet('/healthz'); }

  async metrics() {
    return (await this.statusGet('/metrics')).text;
  }

  // SIGTERM and wait for a clean exit; returns the exit status.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 90000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  async kill9() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  cleanup() {
    if (this.ownsDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// The value of one Prometheus sample (`name` may carry labels), NaN when absent.
function metric(text, name) {
  const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, c => '\\' + c)} ([0-9.e+]+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

// Polls `fn` every 100 ms until it returns true; throws after `ms`.
// Polls `fn` every 100 ms until it returns a truthy value, which it returns.
async function waitFor(fn, what, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${ms} ms)`);
    await sleep(100);
  }
}

// One server and one SDK client shared by every test of a file: call in the file's before()
// hook; stopShared() in after() checks that the server stops cleanly on SIGTERM.
// With QUIVER_E2E_CLUSTER=1 (scripts/run-cluster-tests.sh) the server is a whole distributed
// deployment (startServer) and the client talks to its proxy.
async function startShared({ timeout = 30000, args = [], env = {}, cluster = {} } = {}) {
  const server = await startServer({ args, env, cluster });
  return { server, client: await connectClient(server, timeout) };
}

// A server for a test: a standalone QuiverServer on free ports, or with QUIVER_E2E_CLUSTER=1 a whole
// distributed deployment (lib/cluster.js) with the same interface (address, port, statusPort,
// metrics, stop, start again, cleanup). Settings as `env` (a deployment takes no arguments). The
// deployment has the layout issue 10 names (3 etcd members, 3 NATS nodes, radosgw, two of every
// role but the proxy); `cluster` changes it (e.g. { standbys: 0 }: one node of each role).
async function startServer({ args = [], env = {}, cluster = {} } = {}) {
  if (process.env.QUIVER_E2E_CLUSTER === '1') {
    if (args.length) throw new Error(`cluster mode takes settings as environment, not ${args.join(' ')}`);
    return require('./cluster').startCluster({ env, standbys: 1, ha: true, ...cluster });
  }
  return new QuiverServer(undefined, args, env).start();
}

// An SDK client connected to `server`.
async function connectClient(server, timeout = 60000) {
  const { MilvusClient } = require('@zilliz/milvus2-sdk-node');
  const client = new MilvusClient({ address: server.address, timeout, logLevel: 'error' });
  await client.connectPromise;
  return client;
}

async function stopShared(server, client) {
  if (client) client.closeConnection();
  if (!server) return;
  const exit = await server.stop();
  require('node:assert/strict').equal(exit.code, 0,
    `quiver${exit.role ? ` ${exit.role}` : ''} should stop cleanly on SIGTERM (exit ${exit.code}, signal ${exit.signal}):\n${(exit.log || server.log).slice(-3000)}`);
  server.cleanup();
}

module.exports = { sharedStorageRoots, QuiverServer, freePort, sleep, metric, waitFor, startServer, startShared, stopShared,
  connectClient };
