'use strict';
// Segment, delta and index files in S3 (issue 10): a standalone server with minio.address keeps its
// objects in a bucket of a real Ceph radosgw (strict SigV4 checks), started by scripts/ceph-test.sh on
// free ports. Data flushed and indexed there is served after a restart and after kill -9; a gateway
// outage makes a flush wait, not fail; bad S3 settings are refused at startup with the reason.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { DataType } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer, freePort, connectClient, waitFor } = require('./lib/server');

const SCRIPT = path.resolve(__dirname, '../../scripts/ceph-test.sh');
const ACCESS = 'QUIVERTESTACCESSKEY';
const SECRET = 'quiver-test-secret-key-0123456789';
const haveCeph = ['ceph-mon', 'ceph-osd', 'radosgw'].every(bin =>
  spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0);
const skip = !haveCeph && 'Ceph is not installed (scripts/install-deps.sh installs ceph-mon, ceph-osd, radosgw)';
let cephDir;
let pids = [];
let rgwPort;

function cephScript(...args) {
  const run = spawnSync(SCRIPT, [...args.map(String), String(process.pid)], { encoding: 'utf8', timeout: 120000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim().split(/\s+/).map(Number);
}

function stop(pid, signal = 'SIGTERM') {
  try { process.kill(pid, signal); } catch (e) { return; }
  for (let i = 0; i < 200; i++) {
    try { process.kill(pid, 0); } catch (e) { return; }
    spawnSync('sleep', ['0.05']);
  }
}

before(async () => {
  if (!haveCeph) return;
  cephDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-ceph-'));
  rgwPort = await freePort();
  pids = cephScript('start', cephDir, await freePort(), rgwPort);
  assert.equal(pids.length, 3);
});

after(() => {
  for (const pid of [...pids].reverse()) stop(pid);
  if (cephDir) fs.rmSync(cephDir, { recursive: true, force: true });
});

// Keys under `prefix` in `bucket`, listed with curl's own SigV4 signer (not ours), which leaves
// x-amz-content-sha256 to the caller and signs the query as written (so it is written sorted).
function listBucket(bucket, prefix) {
  const run = spawnSync('curl', ['-sS', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${ACCESS}:${SECRET}`,
    '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
    `http://127.0.0.1:${rgwPort}/${bucket}?list-type=2&max-keys=1000&prefix=${encodeURIComponent(prefix)}`], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /<ListBucketResult/, run.stdout);
  assert.doesNotMatch(run.stdout, /<IsTruncated>true</, 'more than one page of keys: this helper reads one');
  return [...run.stdout.matchAll(/<Key>([^<]*)<\/Key>/g)].map(m => m[1]);
}

const s3env = (extra = {}) => ({
  QUIVER_MINIO_ADDRESS: `127.0.0.1:${rgwPort}`, QUIVER_MINIO_ACCESSKEYID: ACCESS, QUIVER_MINIO_SECRETACCESSKEY: SECRET,
  QUIVER_MINIO_BUCKETNAME: 'quiver-e2e', ...extra,
});

const rows = (from, n) => Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [from + i, (from + i) % 7, 1, 0] }));

async function indexed(client, collection) {
  await waitFor(async () => {
    const d = await client.describeIndex({ collection_name: collection });
    const desc = d.index_descriptions && d.index_descriptions[0];
    return desc && desc.state === 'Finished' && Number(desc.pending_index_rows) === 0;
  }, 'index build', 60000);
}

test('segments and indexes live in the bucket and are served after restart and kill -9', { skip }, async () => {
  const env = s3env({ QUIVER_MINIO_ROOTPATH: 'e2e-a' });
  let server = await new QuiverServer(undefined, [], env).start();
  let client = await connectClient(server);
  let r = await client.createCollection({
    collection_name: 'docs',
    fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'vector', data_type: DataType.FloatVector, dim: 4 }],
  });
  assert.equal(r.error_code, 'Success', JSON.stringify(r));
  for (let batch = 0; batch < 4; batch++) {
    r = await client.insert({ collection_name: 'docs', data: rows(batch * 500, 500) });
    assert.equal(r.status.error_code, 'Success', JSON.stringify(r.status));
  }
  await client.flushSync({ collection_names: ['docs'] });
  r = await client.createIndex({ collection_name: 'docs', field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } });
  assert.equal(r.error_code, 'Success', JSON.stringify(r));
  await indexed(client, 'docs');
  r = await client.delete({ collection_name: 'docs', filter: 'id in [10, 11]' });
  assert.equal(r.status.error_code, 'Success');
  await client.flushSync({ collection_names: ['docs'] });

  const keys = listBucket('quiver-e2e', 'e2e-a/');
  assert.ok(keys.length >= 2, `segment and index files are in the bucket: ${JSON.stringify(keys)}`);
  assert.ok(keys.every(k => k.startsWith('e2e-a/')), 'under minio.rootPath');
  const local = path.join(server.dataDir, 'objects');
  assert.ok(!fs.existsSync(local) || fs.readdirSync(local).length === 0, 'nothing in the local objects directory');

  const probe = async () => {
    await client.loadCollectionSync({ collection_name: 'docs' });
    const count = await client.query({ collection_name: 'docs', filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' });
    assert.equal(Number(count.data[0]['count(*)']), 1998);
    const found = await client.search({ collection_name: 'docs', data: [[1234, 2, 1, 0]], limit: 1, consistency_level: 'Strong' });
    assert.equal(String(found.results[0].id), '1234');
    const gone = await client.query({ collection_name: 'docs', filter: 'id in [10, 11]', output_fields: ['id'], consistency_level: 'Strong' });
    assert.deepEqual(gone.data, []);
  };
  await probe();
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);

  server = await new QuiverServer(server.dataDir, [], env).start();
  client = await connectClient(server);
  await probe();
  const idx = await client.describeIndex({ collection_name: 'docs' });
  assert.equal(idx.index_descriptions[0].state, 'Finished', 'the index came back from the bucket, not rebuilt');
  client.closeConnection();
  await server.kill9();

  server = await new QuiverServer(server.dataDir, [], env).start();
  client = await connectClient(server);
  await probe();
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);
  server.cleanup();
});

test('a radosgw outage makes a flush wait, and it completes once the gateway is back', { skip }, async () => {
  const env = s3env({ QUIVER_MINIO_ROOTPATH: 'e2e-b' });
  const server = await new QuiverServer(undefined, [], env).start();
  const client = await connectClient(server);
  let r = await client.createCollection({ collection_name: 'c', dimension: 4, metric_type: 'L2' });
  assert.equal(r.error_code, 'Success');
  r = await client.insert({ collection_name: 'c', data: rows(0, 300) });
  assert.equal(r.status.error_code, 'Success');

  stop(pids[2], 'SIGKILL');
  const restarted = new Promise(resolve => setTimeout(() => {
    [pids[2]] = cephScript('restart-rgw', cephDir);
    resolve();
  }, 3000));
  const started = Date.now();
  await client.flushSync({ collection_names: ['c'] });
  const waited = Date.now() - started;
  await restarted;
  assert.ok(waited >= 2000, `the flush waited for the gateway (${waited} ms)`);
  assert.ok(listBucket('quiver-e2e', 'e2e-b/').length >= 1, 'the flushed segment reached the bucket');
  await client.loadCollectionSync({ collection_name: 'c' });
  const q = await client.query({ collection_name: 'c', filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' });
  assert.equal(Number(q.data[0]['count(*)']), 300);
  client.closeConnection();
  assert.equal((await server.stop()).code, 0);
  server.cleanup();
});

test('S3 settings are checked at startup: refused, not ignored', { skip }, async () => {
  const refused = async (env, pattern) => {
    const server = new QuiverServer(undefined, [], env);
    await assert.rejects(server.start(), pattern);
    server.cleanup();
  };
  await refused({ QUIVER_MINIO_BUCKETNAME: 'other' }, /quiver exited early[\s\S]*minio\.bucketName needs minio\.address/);
  await refused(s3env({ QUIVER_MINIO_SECRETACCESSKEY: 'wrong' }), /quiver exited early[\s\S]*SignatureDoesNotMatch/);
  await refused(s3env({ QUIVER_MINIO_ACCESSKEYID: 'NOSUCHKEY' }), /quiver exited early[\s\S]*InvalidAccessKeyId/);
  await refused(s3env({ QUIVER_MINIO_PORT: '9001' }), /quiver exited early[\s\S]*minio\.port conflicts with the port in minio\.address/);
  await refused(s3env({ QUIVER_MINIO_USEIAM: 'true' }), /quiver exited early[\s\S]*minio\.useIAM is not supported/);
  await refused(s3env({ QUIVER_MINIO_CLOUDPROVIDER: 'gcp' }), /quiver exited early[\s\S]*cloudProvider gcp is not supported/);
  await refused(s3env({ QUIVER_MINIO_BUCKETNAME: 'Bad_Bucket' }), /quiver exited early[\s\S]*bucket names/);
  await refused(s3env({ QUIVER_MINIO_ADDRESS: `127.0.0.1:${await freePort()}`, QUIVER_MINIO_RETRYTIMEOUTSECONDS: '1' }),
    /quiver exited early[\s\S]*cannot reach S3/);
});
