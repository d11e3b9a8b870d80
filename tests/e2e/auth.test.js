'use strict';
// Authentication and RBAC with common.security.authorizationEnabled (issue 9), through the Node
// SDK: every refusal carries the gRPC code and message Milvus answers with.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');
const { startServer, metric } = require('./lib/server');
const { vec, ok } = require('./lib/data');

const AUTH_ON = { QUIVER_COMMON_SECURITY_AUTHORIZATIONENABLED: 'true' };
let server;
let first;  // the first server (owns the data directory, or the deployment's storage)
let root;
const clients = [];

// A client with `token` ("user:password", or anything else); connect errors are left to the caller.
function clientWith(options) {
  const c = new MilvusClient({ address: server.address, timeout: 20000, logLevel: 'error', ...options });
  clients.push(c);
  return c;
}

async function login(token, database) {
  const c = clientWith({ token, database });
  await c.connectPromise;
  return c;
}

const UNAUTHENTICATED = 16;
const PERMISSION_DENIED = 7;

async function rejectsWith(promise, grpcCode, message) {
  await assert.rejects(promise, e => {
    assert.equal(e.code, grpcCode, `gRPC code of: ${e.message}`);
    if (message) assert.match(e.details || e.message, message);
    return true;
  });
}

async function collection(client, name, db) {
  assert.ok(ok(await client.createCollection({
    collection_name: name, db_name: db, consistency_level: 'Strong',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 4 },
    ],
  })));
  assert.ok(ok(await client.createIndex({ collection_name: name, db_name: db, field_name: 'v', index_type: 'FLAT', metric_type: 'L2' })));
  assert.ok(ok(await client.loadCollection({ collection_name: name, db_name: db })));
  const ins = await client.insert({ collection_name: name, db_name: db, data: [{ id: 1, v: vec(4) }, { id: 2, v: vec(4) }] });
  assert.ok(ok(ins.status), JSON.stringify(ins.status));
}

before(async () => {
  server = first = await startServer({ env: AUTH_ON });
  root = await login('root:Milvus');
  await collection(root, 'books');
  await collection(root, 'films');
  assert.ok(ok(await root.createUser({ username: 'alice', password: 'alicepass' })));
  assert.ok(ok(await root.createUser({ username: 'bob', password: 'bobspass' })));
  assert.ok(ok(await root.createRole({ roleName: 'reader' })));
  assert.ok(ok(await root.addUserToRole({ username: 'alice', roleName: 'reader' })));
});

after(async () => {
  for (const c of clients) c.closeConnection();
  const exit = await server.stop();
  assert.equal(exit.code, 0, server.log.slice(-2000));
  first.cleanup();
});

test('the server warns at start: root still has the default password', () => {
  assert.match(server.log, /root still has the default password/);
  assert.doesNotMatch(server.log, /authorization is disabled/);
});

test('no credentials, a wrong password, an unknown user and an API key are UNAUTHENTICATED', async () => {
  const anonymous = clientWith({});
  await rejectsWith(anonymous.connectPromise, UNAUTHENTICATED, /missing authorization in header/);
  await rejectsWith(anonymous.listCollections(), UNAUTHENTICATED);
  await rejectsWith(anonymous.createCollection({ collection_name: 'x', dimension: 4 }), UNAUTHENTICATED);
  await rejectsWith(clientWith({ token: 'root:wrong-password' }).connectPromise, UNAUTHENTICATED,
    /auth check failure, please check username and password are correct/);
  await rejectsWith(clientWith({ username: 'mallory', password: 'alicepass' }).connectPromise, UNAUTHENTICATED);
  await rejectsWith(clientWith({ token: 'some-api-key' }).connectPromise, UNAUTHENTICATED, /api key/);
  // Health checks need a login too, as in Milvus.
  await rejectsWith(clientWith({ token: 'root:nope' }).checkHealth(), UNAUTHENTICATED);
  // Nothing was created by the refused calls.
  const has = await root.hasCollection({ collection_name: 'x' });
  assert.equal(has.value, false);
  // A metric and a log line per failure, never with the password.
  const text = await server.metrics();
  assert.ok(metric(text, 'quiver_proxy_failed_logins_total{reason="wrong password"}') >= 2, text);
  assert.ok(metric(text, 'quiver_proxy_failed_logins_total{reason="unknown user"}') >= 1);
  assert.ok(metric(text, 'quiver_proxy_failed_logins_total{reason="missing credentials"}') >= 1);
  assert.match(server.log, /authentication failed.*user=mallory/);
  assert.doesNotMatch(server.log, /wrong-password/);
});

test('a user without privileges is PERMISSION_DENIED; a granted privilege works until revoked', async () => {
  const alice = await login('alice:alicepass');
  await rejectsWith(alice.createCollection({ collection_name: 'mine', dimension: 4 }), PERMISSION_DENIED,
    /PrivilegeCreateCollection: permission deny to alice in the `default` database/);
  await rejectsWith(alice.search({ collection_name: 'books', data: [vec(4)], limit: 1 }), PERMISSION_DENIED, /PrivilegeSearch/);
  // describeCollection is granted to role public by default.
  assert.ok(ok((await alice.describeCollection({ collection_name: 'books' })).status));

  assert.ok(ok(await root.grantPrivilege({ roleName: 'reader', object: 'Collection', objectName: 'books', privilegeName: 'Search' })));
  const found = await alice.search({ collection_name: 'books', data: [vec(4)], limit: 2 });
  assert.ok(ok(found.status), JSON.stringify(found.status));
  assert.equal(found.results.length, 2);
  await rejectsWith(alice.search({ collection_name: 'films', data: [vec(4)], limit: 1 }), PERMISSION_DENIED);
  await rejectsWith(alice.query({ collection_name: 'books', filter: 'id > 0' }), PERMISSION_DENIED, /PrivilegeQuery/);
  await rejectsWith(alice.insert({ collection_name: 'books', data: [{ id: 9, v: vec(4) }] }), PERMISSION_DENIED, /PrivilegeInsert/);
  // Listings show only what alice holds grants on.
  const listed = await alice.showCollections();
  assert.deepEqual(listed.data.map(c => c.name), ['books']);

  assert.ok(ok(await root.revokePrivilege({ roleName: 'reader', object: 'Collection', objectName: 'books', privilegeName: 'Search' })));
  await rejectsWith(alice.search({ collection_name: 'books', data: [vec(4)], limit: 1 }), PERMISSION_DENIED);
  // A privilege that does not belong to the object type is refused.
  const bad = await root.grantPrivilege({ roleName: 'reader', object: 'Global', objectName: '*', privilegeName: 'Search' });
  assert.equal(bad.code, 1100, JSON.stringify(bad));
});

test('privilege groups: built-in through grantPrivilegeV2, custom through addPrivilegesToGroup', async () => {
  const bob = await login('bob:bobspass');
  assert.ok(ok(await root.createRole({ roleName: 'writer' })));
  assert.ok(ok(await root.addUserToRole({ username: 'bob', roleName: 'writer' })));
  await rejectsWith(bob.insert({ collection_name: 'films', data: [{ id: 7, v: vec(4) }] }), PERMISSION_DENIED);
  assert.ok(ok(await root.grantPrivilegeV2({ role: 'writer', privilege: 'CollectionReadWrite', db_name: 'default', collection_name: 'films' })));
  const ins = await bob.insert({ collection_name: 'films', data: [{ id: 7, v: vec(4) }] });
  assert.ok(ok(ins.status), JSON.stringify(ins.status));
  await rejectsWith(bob.insert({ collection_name: 'books', data: [{ id: 7, v: vec(4) }] }), PERMISSION_DENIED);
  // A cluster-level group needs db and collection "*".
  const wrongLevel = await root.grantPrivilegeV2({ role: 'writer', privilege: 'ClusterReadOnly', db_name: 'default', collection_name: '*' });
  assert.equal(wrongLevel.code, 1100, JSON.stringify(wrongLevel));

  assert.ok(ok(await root.createPrivilegeGroup({ group_name: 'querying' })));
  assert.ok(ok(await root.addPrivilegesToGroup({ group_name: 'querying', privileges: ['Query'] })));
  const groups = await root.listPrivilegeGroups();
  assert.ok(ok(groups.status));
  const mine = groups.privilege_groups.find(g => g.group_name === 'querying');
  assert.deepEqual(mine.privileges.map(p => p.name), ['Query']);
  assert.ok(groups.privilege_groups.some(g => g.group_name === 'ClusterAdmin'));
  await rejectsWith(bob.query({ collection_name: 'books', filter: 'id > 0' }), PERMISSION_DENIED);
  assert.ok(ok(await root.grantPrivilegeV2({ role: 'writer', privilege: 'querying', db_name: 'default', collection_name: 'books' })));
  const rows = await bob.query({ collection_name: 'books', filter: 'id > 0', output_fields: ['id'] });
  assert.ok(ok(rows.status), JSON.stringify(rows.status));
  assert.equal(rows.data.length, 2);
  // Removing the privilege from the group takes it away from every holder.
  assert.ok(ok(await root.removePrivilegesFromGroup({ group_name: 'querying', privileges: ['Query'] })));
  await rejectsWith(bob.query({ collection_name: 'books', filter: 'id > 0' }), PERMISSION_DENIED);
  // A granted group cannot be dropped.
  const dropGranted = await root.dropPrivilegeGroup({ group_name: 'querying' });
  assert.notEqual(dropGranted.error_code, 'Success');
});

test('a token with a database: grants are per database', async () => {
  assert.ok(ok(await root.createDatabase({ db_name: 'db1' })));
  await collection(root, 'books', 'db1');
  assert.ok(ok(await root.createRole({ roleName: 'db1reader' })));
  assert.ok(ok(await root.createUser({ username: 'carol', password: 'carolpass' })));
  assert.ok(ok(await root.addUserToRole({ username: 'carol', roleName: 'db1reader' })));
  assert.ok(ok(await root.grantPrivilegeV2({ role: 'db1reader', privilege: 'CollectionReadOnly', db_name: 'db1', collection_name: '*' })));
  const inDb1 = await login('carol:carolpass', 'db1');
  const found = await inDb1.search({ collection_name: 'books', data: [vec(4)], limit: 1 });
  assert.ok(ok(found.status), JSON.stringify(found.status));
  const inDefault = await login('carol:carolpass');
  await rejectsWith(inDefault.search({ collection_name: 'books', data: [vec(4)], limit: 1 }), PERMISSION_DENIED,
    /permission deny to carol in the `default` database/);
  const dbs = await inDefault.listDatabases();
  assert.deepEqual(dbs.db_names, ['db1']);
});

test('users change their own password; others need UpdateUser; root cannot be deleted', async () => {
  const alice = await login('alice:alicepass');
  const wrongOld = await alice.updateUser({ username: 'alice', oldPassword: 'not-it', newPassword: 'alicepass2' });
  assert.equal(wrongOld.code, 1400, JSON.stringify(wrongOld));
  assert.ok(ok(await alice.updateUser({ username: 'alice', oldPassword: 'alicepass', newPassword: 'alicepass2' })));
  await rejectsWith(clientWith({ token: 'alice:alicepass' }).connectPromise, UNAUTHENTICATED);
  const again = await login('alice:alicepass2');
  await rejectsWith(again.updateUser({ username: 'bob', oldPassword: 'bobspass', newPassword: 'stolen-pw' }), PERMISSION_DENIED,
    /PrivilegeUpdateUser/);
  const self = await again.describeUser({ username: 'alice' });
  assert.ok(ok(self.status));
  await rejectsWith(again.describeUser({ username: 'bob' }), PERMISSION_DENIED);
  await rejectsWith(again.createUser({ username: 'eve', password: 'evepass1' }), PERMISSION_DENIED, /PrivilegeCreateOwnership/);
  const dropRoot = await root.deleteUser({ username: 'root' });
  assert.equal(dropRoot.code, 1401, JSON.stringify(dropRoot));
});

test('an admin of one database cannot reach cluster privileges (no self-promotion)', async () => {
  assert.ok(ok(await root.createDatabase({ db_name: 'db2' })));
  assert.ok(ok(await root.createUser({ username: 'mallet', password: 'malletpw' })));
  assert.ok(ok(await root.createRole({ roleName: 'db2admin' })));
  assert.ok(ok(await root.addUserToRole({ username: 'mallet', roleName: 'db2admin' })));
  assert.ok(ok(await root.grantPrivilegeV2({ role: 'db2admin', privilege: 'All', db_name: 'db2', collection_name: '*' })));
  const inDb2 = await login('mallet:malletpw', 'db2');
  // Everything in db2...
  assert.ok(ok(await inDb2.createCollection({ collection_name: 'own', dimension: 4 })));
  // ...but not making itself admin, whatever database the call names.
  await rejectsWith(inDb2.addUserToRole({ username: 'mallet', roleName: 'admin' }), PERMISSION_DENIED, /PrivilegeManageOwnership/);
  await rejectsWith(inDb2.grantPrivilege({ roleName: 'db2admin', object: 'Global', objectName: '*', privilegeName: 'All', db_name: 'default' }),
    PERMISSION_DENIED);
  await rejectsWith(inDb2.createUser({ username: 'sock', password: 'sockpuppet' }), PERMISSION_DENIED);
  await rejectsWith(inDb2.search({ collection_name: 'books', db_name: 'default', data: [vec(4)], limit: 1 }), PERMISSION_DENIED);
});

test('deleting a user ends its access at once', async () => {
  assert.ok(ok(await root.createUser({ username: 'dave', password: 'davepass' })));
  const dave = await login('dave:davepass');
  assert.ok(ok((await dave.hasCollection({ collection_name: 'books' })).status));
  assert.ok(ok(await root.deleteUser({ username: 'dave' })));
  await rejectsWith(dave.hasCollection({ collection_name: 'books' }), UNAUTHENTICATED);
});

test('users, roles and grants survive a restart; the new password is required', async () => {
  for (const c of clients) c.closeConnection();
  clients.length = 0;
  assert.equal((await server.stop()).code, 0);
  server = await server.start();  // the same data directory (or deployment) again
  root = await login('root:Milvus');
  const bob = await login('bob:bobspass');
  const ins = await bob.insert({ collection_name: 'films', data: [{ id: 8, v: vec(4) }] });
  assert.ok(ok(ins.status), JSON.stringify(ins.status));
  await rejectsWith(bob.insert({ collection_name: 'books', data: [{ id: 8, v: vec(4) }] }), PERMISSION_DENIED);
  await rejectsWith(clientWith({ token: 'alice:alicepass' }).connectPromise, UNAUTHENTICATED);
  await login('alice:alicepass2');
});

test('with authorization off the server warns at start and ignores credentials', async () => {
  const open = await startServer();
  try {
    assert.match(open.log, /authorization is disabled/);
    const c = new MilvusClient({ address: open.address, token: 'nobody:whatever', timeout: 20000, logLevel: 'error' });
    await c.connectPromise;
    assert.ok(ok((await c.listCollections()).status));
    c.closeConnection();
  } finally {
    await open.stop();
    open.cleanup();
  }
});

test('common.security.superUsers change passwords without the old one; others still need it', async () => {
  const s = await startServer({ env: { ...AUTH_ON, QUIVER_COMMON_SECURITY_SUPERUSERS: 'boss, ops' } });
  const made = [];
  const on = async (token) => {
    const c = new MilvusClient({ address: s.address, token, timeout: 20000, logLevel: 'error' });
    made.push(c);
    await c.connectPromise;
    return c;
  };
  try {
    const admin = await on('root:Milvus');
    for (const [username, password] of [['boss', 'bosspass'], ['carol', 'carolpass']]) {
      assert.ok(ok(await admin.createUser({ username, password })));
    }
    assert.ok(ok(await admin.addUserToRole({ username: 'boss', roleName: 'admin' })));
    // Root is not a super user: a wrong old password is refused.
    const wrong = await admin.updateUser({ username: 'carol', oldPassword: 'not-it', newPassword: 'carolpass2' });
    assert.equal(wrong.code, 1400, JSON.stringify(wrong));
    const boss = await on('boss:bosspass');
    assert.ok(ok(await boss.updateUser({ username: 'carol', oldPassword: 'not-it', newPassword: 'carolpass3' })));
    const stale = new MilvusClient({ address: s.address, token: 'carol:carolpass', timeout: 5000, logLevel: 'error' });
    made.push(stale);
    await assert.rejects(stale.connectPromise);
    await on('carol:carolpass3');
    // A super user still needs the privilege: ops (no roles) cannot change carol's password.
    assert.ok(ok(await admin.createUser({ username: 'ops', password: 'opspass1' })));
    const ops = await on('ops:opspass1');
    await rejectsWith(ops.updateUser({ username: 'carol', oldPassword: 'x', newPassword: 'carolpass4' }), PERMISSION_DENIED, /PrivilegeUpdateUser/);
  } finally {
    for (const c of made) c.closeConnection();
    await s.stop();
    s.cleanup();
  }
});
