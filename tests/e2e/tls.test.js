'use strict';
// TLS on the Milvus port (issue 9): one-way and mutual, for gRPC (Node SDK) and REST (curl,
// HttpClient) alike, with certificates the test makes with openssl.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { MilvusClient } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer } = require('./lib/server');
const { ok } = require('./lib/data');

let dir;
const servers = [];

function openssl(...args) {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, `openssl ${args.join(' ')}:\n${run.stderr}`);
}

// A CA, and a certificate it signs for `name` (with the SANs a client checks).
function makeCa(name) {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.pem`);
}
function makeCert(name, ca) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
}
const file = name => path.join(dir, name);

async function tlsServer(mode, extra = {}) {
  const s = await new QuiverServer(undefined, [], {
    QUIVER_COMMON_SECURITY_TLSMODE: String(mode),
    QUIVER_TLS_SERVERPEMPATH: file('server.pem'),
    QUIVER_TLS_SERVERKEYPATH: file('server.key'),
    QUIVER_TLS_CAPEMPATH: file('ca.pem'),
    ...extra,
  }).start();
  servers.push(s);
  return s;
}

function curl(srv, endpoint, extra) {
  const run = spawnSync('curl', ['-s', '-S', '-X', 'POST', `https://127.0.0.1:${srv.port}/v2/vectordb/${endpoint}`,
    '-d', '{}', ...extra], { encoding: 'utf8', timeout: 20000 });
  return { exit: run.status, body: run.stdout, error: run.stderr };
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-tls-'));
  makeCa('ca');
  makeCa('otherca');
  makeCert('server', 'ca');
  makeCert('client', 'ca');
  makeCert('stranger', 'otherca');
});

after(async () => {
  for (const s of servers) {
    const exit = await s.stop();
    assert.equal(exit.code, 0, s.log.slice(-2000));
    s.cleanup();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('one-way TLS: gRPC and REST with the right CA; a wrong CA and plain text are refused', async () => {
  const s = await tlsServer(1, { QUIVER_PROXY_ACCESSLOG_ENABLE: 'true' });
  const client = new MilvusClient({ address: s.address, ssl: true, tls: { rootCertPath: file('ca.pem'), serverName: 'localhost' },
    timeout: 15000, logLevel: 'error' });
  await client.connectPromise;
  const created = await client.createCollection({ collection_name: 'secure', dimension: 4 });
  assert.ok(ok(created), JSON.stringify(created));
  const listed = await client.showCollections();
  assert.deepEqual(listed.data.map(c => c.name), ['secure']);
  client.closeConnection();

  const rest = curl(s, 'collections/list', ['--cacert', file('ca.pem')]);
  assert.equal(rest.exit, 0, rest.error);
  assert.deepEqual(JSON.parse(rest.body), { code: 0, data: ['secure'] });

  // The Node SDK's HttpClient over https (Node's fetch takes the CA from NODE_EXTRA_CA_CERTS).
  const script = `const { HttpClient } = require('@zilliz/milvus2-sdk-node');
    new HttpClient({ endpoint: 'https://127.0.0.1:${s.port}' }).listCollections()
      .then(r => { console.log(JSON.stringify(r)); }, e => { console.error(e.message); process.exit(1); });`;
  const http = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: file('ca.pem'), NODE_PATH: path.join(__dirname, 'node_modules') } });
  assert.equal(http.status, 0, http.stderr);
  assert.deepEqual(JSON.parse(http.stdout).data, ['secure']);

  // A client that trusts another CA.
  const wrong = curl(s, 'collections/list', ['--cacert', file('otherca.pem')]);
  assert.equal(wrong.exit, 60, `curl should fail certificate verification: ${wrong.error}`);
  const wrongSdk = new MilvusClient({ address: s.address, ssl: true, tls: { rootCertPath: file('otherca.pem'), serverName: 'localhost' },
    timeout: 5000, logLevel: 'error' });
  await assert.rejects(wrongSdk.connectPromise);
  wrongSdk.closeConnection();
  // Plain text against the TLS port gets nothing.
  const plain = spawnSync('curl', ['-s', '-X', 'POST', `http://127.0.0.1:${s.port}/v2/vectordb/collections/list`, '-d', '{}'],
    { encoding: 'utf8', timeout: 20000 });
  assert.notEqual(plain.status, 0);
  const text = await s.metrics();
  assert.match(text, /quiver_front_door_tls_failures_total [1-9]/);
  // The access log names the client of a TLS gRPC call by its address, as for plain gRPC.
  const logFile = path.join(s.dataDir, 'logs', 'milvus_access_log.log');
  const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
  const create = lines.find(l => / method=CreateCollection /.test(l));
  assert.ok(create, lines.join('\n'));
  assert.match(create, /interface=grpc .* client=127\.0\.0\.1:[0-9]+$/);
});

test('mutual TLS: a client certificate from the CA is required', async () => {
  const s = await tlsServer(2);
  const client = new MilvusClient({ address: s.address, tls: { rootCertPath: file('ca.pem'), privateKeyPath: file('client.key'),
    certChainPath: file('client.pem'), serverName: 'localhost' }, timeout: 15000, logLevel: 'error' });
  await client.connectPromise;
  const res = await client.listCollections();
  assert.ok(ok(res.status));
  client.closeConnection();

  const withCert = curl(s, 'collections/list', ['--cacert', file('ca.pem'), '--cert', file('client.pem'), '--key', file('client.key')]);
  assert.equal(withCert.exit, 0, withCert.error);
  assert.equal(JSON.parse(withCert.body).code, 0);
  const noCert = curl(s, 'collections/list', ['--cacert', file('ca.pem')]);
  assert.notEqual(noCert.exit, 0, 'a client without a certificate must be refused');
  const stranger = curl(s, 'collections/list', ['--cacert', file('ca.pem'), '--cert', file('stranger.pem'), '--key', file('stranger.key')]);
  assert.notEqual(stranger.exit, 0, 'a certificate from another CA must be refused');
  const noCertSdk = new MilvusClient({ address: s.address, ssl: true, tls: { rootCertPath: file('ca.pem'), serverName: 'localhost' },
    timeout: 5000, logLevel: 'error' });
  await assert.rejects(noCertSdk.connectPromise);
  noCertSdk.closeConnection();
});

test('the status port over HTTPS (server.status_tls), with client certificates under tlsMode 2', async () => {
  const s = await tlsServer(2, { QUIVER_SERVER_STATUS_TLS: 'true', STATUS_CLIENT_CERT: file('client.pem'),
    STATUS_CLIENT_KEY: file('client.key') });
  const health = await s.healthz();  // the helper trusts ca.pem and presents client.pem
  assert.equal(health.status, 200);
  assert.match(await s.metrics(), /process_resident_memory_bytes/);
  const plain = spawnSync('curl', ['-s', `http://127.0.0.1:${s.statusPort}/healthz`], { encoding: 'utf8', timeout: 10000 });
  assert.ok(plain.status !== 0 || !plain.stdout.includes('ok'), 'plain HTTP must not be served');
  const noCert = spawnSync('curl', ['-s', '--cacert', file('ca.pem'), `https://localhost:${s.statusPort}/healthz`,
    '--resolve', `localhost:${s.statusPort}:127.0.0.1`], { encoding: 'utf8', timeout: 10000 });
  assert.notEqual(noCert.status, 0, 'mutual TLS: no client certificate, no answer');
});

test('a bad TLS setting stops the server at start with a clear error', async () => {
  const s = new QuiverServer(undefined, [], { QUIVER_COMMON_SECURITY_TLSMODE: '1', QUIVER_TLS_SERVERPEMPATH: file('missing.pem'),
    QUIVER_TLS_SERVERKEYPATH: file('server.key') });
  await assert.rejects(s.start(), /cannot load tls.serverPemPath/);
  s.cleanup();
  const m = new QuiverServer(undefined, [], { QUIVER_COMMON_SECURITY_TLSMODE: '2', QUIVER_TLS_SERVERPEMPATH: file('server.pem'),
    QUIVER_TLS_SERVERKEYPATH: file('server.key') });
  await assert.rejects(m.start(), /needs tls.caPemPath/);
  m.cleanup();
});
