'use strict';
// The access log (proxy.accessLog, issue 9): one line per gRPC and REST request with user,
// method, collection, code, latency and bytes; never a password.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { MilvusClient } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer, waitFor } = require('./lib/server');
const { vec, ok } = require('./lib/data');

test('every request leaves one access log line', async () => {
  const server = await new QuiverServer(undefined, [], {
    QUIVER_PROXY_ACCESSLOG_ENABLE: 'true', QUIVER_COMMON_SECURITY_AUTHORIZATIONENABLED: 'true',
  }).start();
  const clients = [];
  try {
    const root = new MilvusClient({ address: server.address, token: 'root:Milvus', timeout: 20000, logLevel: 'error' });
    clients.push(root);
    await root.connectPromise;
    assert.ok(ok(await root.createCollection({ collection_name: 'logged', dimension: 4 })));
    const ins = await root.insert({ collection_name: 'logged', data: [{ id: 1, vector: vec(4) }] });
    assert.ok(ok(ins.status));
    assert.ok(ok(await root.createUser({ username: 'alice', password: 'alice-secret-pw' })));
    const alice = new MilvusClient({ address: server.address, token: 'alice:alice-secret-pw', timeout: 20000, logLevel: 'error' });
    clients.push(alice);
    await alice.connectPromise;
    await assert.rejects(alice.insert({ collection_name: 'logged', data: [{ id: 2, vector: vec(4) }] }));
    const rest = await fetch(`http://${server.address}/v2/vectordb/collections/list`, {
      method: 'POST', headers: { Authorization: 'Bearer root:Milvus' }, body: '{}' });
    assert.equal(rest.status, 200);

    const file = path.join(server.dataDir, 'logs', 'milvus_access_log.log');
    let lines = [];
    await waitFor(() => {
      lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
      return lines.some(l => l.includes('interface=rest'));
    }, 'the REST access line');
    const insert = lines.find(l => / method=Insert user=root /.test(l));
    assert.ok(insert, lines.join('\n'));
    assert.match(insert, /interface=grpc .* db=default collection=logged code=0 transport=0 latency_ms=[0-9.]+ bytes_in=[1-9][0-9]* bytes_out=[1-9][0-9]* client=127\.0\.0\.1:[0-9]+$/);
    const denied = lines.find(l => / method=Insert user=alice /.test(l));
    assert.ok(denied, lines.join('\n'));
    assert.match(denied, /code=1401 transport=7/);
    const restLine = lines.find(l => l.includes('interface=rest'));
    assert.match(restLine, /method=collections\/list user=root db=default .*code=0 transport=200/);
    assert.ok(lines.some(l => / method=Connect /.test(l)));
    assert.ok(!lines.some(l => l.includes('alice-secret-pw') || l.includes('Milvus ')), 'no password in the access log');
  } finally {
    for (const c of clients) c.closeConnection();
    const exit = await server.stop();
    assert.equal(exit.code, 0, server.log.slice(-2000));
    server.cleanup();
  }
});
