'use strict';
// The object keys a server stored under `prefix`, wherever its objects are: the data directory's
// objects/ tree, or (QUIVER_E2E_SHARED_STORAGE=1, or a distributed deployment's `s3`) the S3 bucket
// under the server's own root path, listed with curl's SigV4 signer. Keys are relative to the
// store's root.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { sharedStorageRoots } = require('./server');

function walk(dir, rel, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const key = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(path.join(dir, entry.name), key, out);
    else out.push(key);
  }
  return out;
}

function listObjects(server, prefix) {
  let s3 = server.s3;
  if (!s3) {
    const roots = sharedStorageRoots(server.dataDir);
    if (!roots.QUIVER_MINIO_ROOTPATH) {
      const base = path.join(server.dataDir, 'objects');
      return walk(path.join(base, prefix), prefix.replace(/\/$/, ''), []);
    }
    const env = process.env;
    s3 = { address: env.QUIVER_MINIO_ADDRESS, access: env.QUIVER_MINIO_ACCESSKEYID, secret: env.QUIVER_MINIO_SECRETACCESSKEY,
      bucket: env.QUIVER_MINIO_BUCKETNAME, root: roots.QUIVER_MINIO_ROOTPATH };
  }
  const root = `${s3.root}/`;
  // curl signs the query as written: sorted names, '/' encoded.
  const run = spawnSync('curl', ['-sS', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${s3.access}:${s3.secret}`,
    '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
    `http://${s3.address}/${s3.bucket}?list-type=2&max-keys=1000&prefix=${encodeURIComponent(root + prefix)}`],
  { encoding: 'utf8' });
  if (run.status !== 0 || !/<ListBucketResult/.test(run.stdout)) throw new Error(`listing the bucket failed: ${run.stderr}${run.stdout}`);
  if (/<IsTruncated>true</.test(run.stdout)) throw new Error(`more than 1,000 objects under ${prefix}: this helper reads one page`);
  return [...run.stdout.matchAll(/<Key>([^<]*)<\/Key>/g)].map(m => m[1].slice(root.length));
}

module.exports = { listObjects };
