'use strict';
// The shared acceptance script (../shared/acceptance/sdk-smoke.js) against a fresh server, when
// that script is present; the repository's own version of the flow is flow.test.js.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const { startServer } = require('./lib/server');

const SMOKE = path.resolve(__dirname, '../../../shared/acceptance/sdk-smoke.js');
// A plain clone has no ../shared next to it: skip (flow.test.js covers the same flow on its own).
const present = fs.existsSync(SMOKE);
const SKIP = 'skipped: ../shared/acceptance not present';
if (!present) console.log(`${SKIP} (looked for ${SMOKE})`);

async function smoke(env, token) {
  const server = await startServer({ env });
  try {
    const run = spawnSync(process.execPath, [SMOKE], {
      env: { ...process.env, MILVUS_ADDRESS: server.address, MILVUS_TOKEN: token || '',
        NODE_PATH: path.join(__dirname, 'node_modules') },
      encoding: 'utf8', timeout: 150000,
    });
    assert.equal(run.status, 0, `smoke failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /# all \d+ steps passed/);
    assert.match(run.stdout, /ok \d+ - RBAC: users and roles/);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

test('shared SDK smoke flow passes, users and roles included', { timeout: 180000, skip: present ? false : SKIP }, async () => {
  await smoke({});
});

test('shared SDK smoke flow passes with authorization on (root token)', { timeout: 180000, skip: present ? false : SKIP }, async () => {
  await smoke({ QUIVER_COMMON_SECURITY_AUTHORIZATIONENABLED: 'true' }, 'root:Milvus');
});
