'use strict';
// REST v2 on the Milvus port (issue 9): the same listener as gRPC, told apart per connection;
// driven with curl and with the Node SDK's HttpClient, auth off and on, plus a bounded fuzz run.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const net = require('node:net');
const { HttpClient, MilvusClient } = require('@zilliz/milvus2-sdk-node');
const { startServer } = require('./lib/server');
const { vec, ok } = require('./lib/data');

let server;
let secured;

// curl, as a user would run it; returns { status, body }.
function curl(srv, endpoint, body, headers = {}) {
  const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `http://${srv.address}/v2/vectordb/${endpoint}`,
    '-H', 'Content-Type: application/json'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push('--data-binary', '@-');  // the body on stdin: any bytes, any size
  const input = typeof body === 'string' ? body : JSON.stringify(body);
  const run = spawnSync('curl', args, { encoding: 'utf8', timeout: 30000, input, maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `curl failed: ${run.stderr}`);
  const lines = run.stdout.split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* checked by callers */ }
  return { status, body: json, text };
}

before(async () => {
  server = await startServer();
  secured = await startServer({ env: { QUIVER_COMMON_SECURITY_AUTHORIZATIONENABLED: 'true' } });
});

after(async () => {
  for (const s of [server, secured]) {
    if (!s) continue;
    const exit = await s.stop();
    assert.equal(exit.code, 0, s.log.slice(-2000));
    s.cleanup();
  }
});

test('curl: the quick-form collection flow, int64 as strings unless asked otherwise', () => {
  let r = curl(server, 'collections/create', { collectionName: 'quick', dimension: 4 });
  assert.deepEqual(r.body, { code: 0, data: {} });
  r = curl(server, 'collections/describe', { collectionName: 'quick' });
  assert.equal(r.body.code, 0);
  assert.equal(r.body.data.load, 'LoadStateLoaded');
  assert.deepEqual(r.body.data.fields.map(f => [f.name, f.type]), [['id', 'Int64'], ['vector', 'FloatVector']]);
  assert.equal(r.body.data.indexes[0].metricType, 'COSINE');
  assert.equal(typeof r.body.data.collectionID, 'string');
  const data = [1, 2, 3].map(i => ({ id: i, vector: vec(4), color: `c${i}` }));
  r = curl(server, 'entities/insert', { collectionName: 'quick', data });
  assert.equal(r.body.code, 0, r.text);
  assert.equal(r.body.data.insertCount, 3);
  assert.deepEqual(r.body.data.insertIds, ['1', '2', '3']);
  r = curl(server, 'entities/search', { collectionName: 'quick', data: [data[1].vector], limit: 2, outputFields: ['color'],
    consistencyLevel: 'Strong' }, { 'Accept-Type-Allow-Int64': 'true' });
  assert.equal(r.body.code, 0, r.text);
  assert.equal(r.body.data.length, 2);
  assert.equal(r.body.data[0].id, 2);
  assert.equal(r.body.data[0].color, 'c2');
  assert.ok(r.body.data[0].distance > 0.99);
  r = curl(server, 'entities/query', { collectionName: 'quick', filter: 'id >= 2', outputFields: ['id', 'color'],
    consistencyLevel: 'Strong' });
  assert.deepEqual(r.body.data.map(x => x.id).sort(), ['2', '3']);
  r = curl(server, 'entities/get', { collectionName: 'quick', id: [1, 3], outputFields: ['color'] });
  assert.deepEqual(r.body.data.map(x => x.color).sort(), ['c1', 'c3']);
  r = curl(server, 'entities/delete', { collectionName: 'quick', filter: 'id == 1' });
  assert.equal(r.body.code, 0, r.text);
  r = curl(server, 'entities/query', { collectionName: 'quick', filter: '', outputFields: ['count(*)'], consistencyLevel: 'Strong' },
    { 'Accept-Type-Allow-Int64': 'true' });
  assert.deepEqual(r.body.data, [{ 'count(*)': 2 }]);
  r = curl(server, 'collections/list', {});
  assert.deepEqual(r.body.data, ['quick']);
});

test('curl: the schema form, partitions, indexes, aliases and databases', () => {
  let r = curl(server, 'collections/create', {
    collectionName: 'books',
    schema: { autoID: false, enableDynamicField: false, fields: [
      { fieldName: 'book_id', dataType: 'Int64', isPrimary: true },
      { fieldName: 'title', dataType: 'VarChar', elementTypeParams: { max_length: 64 } },
      { fieldName: 'tags', dataType: 'Array', elementDataType: 'VarChar', elementTypeParams: { max_length: 16, max_capacity: 4 } },
      { fieldName: 'year', dataType: 'Int32', nullable: true },
      { fieldName: 'embedding', dataType: 'FloatVector', elementTypeParams: { dim: 4 } },
    ] },
    indexParams: [{ fieldName: 'embedding', indexName: 'emb', metricType: 'L2', indexType: 'HNSW', params: { M: 8, efConstruction: 64 } }],
  });
  assert.equal(r.body.code, 0, r.text);
  const rows = [
    { book_id: 1, title: 'Dune', tags: ['scifi'], year: 1965, embedding: [1, 0, 0, 0] },
    { book_id: 2, title: 'Emma', tags: [], year: null, embedding: [0, 1, 0, 0] },
  ];
  r = curl(server, 'entities/insert', { collectionName: 'books', data: rows });
  assert.equal(r.body.code, 0, r.text);
  r = curl(server, 'entities/query', { collectionName: 'books', filter: 'book_id > 0', outputFields: ['*'], consistencyLevel: 'Strong' },
    { 'Accept-Type-Allow-Int64': 'true' });
  const byId = Object.fromEntries(r.body.data.map(x => [x.book_id, x]));
  assert.deepEqual(byId[1].tags, ['scifi']);
  assert.equal(byId[2].year, null);
  assert.deepEqual(byId[2].tags, []);
  r = curl(server, 'indexes/describe', { collectionName: 'books', indexName: 'emb' });
  assert.equal(r.body.data[0].indexType, 'HNSW');
  assert.equal(r.body.data[0].metricType, 'L2');
  assert.deepEqual(curl(server, 'indexes/list', { collectionName: 'books' }).body.data, ['emb']);
  assert.equal(curl(server, 'partitions/create', { collectionName: 'books', partitionName: 'p1' }).body.code, 0);
  assert.deepEqual(curl(server, 'partitions/list', { collectionName: 'books' }).body.data.sort(), ['_default', 'p1']);
  assert.equal(curl(server, 'partitions/has', { collectionName: 'books', partitionName: 'p1' }).body.data.has, true);
  assert.equal(curl(server, 'aliases/create', { collectionName: 'books', aliasName: 'library' }).body.code, 0);
  assert.equal(curl(server, 'aliases/describe', { aliasName: 'library' }).body.data.collectionName, 'books');
  assert.equal(curl(server, 'collections/get_stats', { collectionName: 'library' }).body.code, 0);
  assert.equal(curl(server, 'databases/create', { dbName: 'archive' }).body.code, 0);
  assert.deepEqual(curl(server, 'databases/list', {}).body.data.sort(), ['archive', 'default']);
  assert.equal(curl(server, 'collections/create', { dbName: 'archive', collectionName: 'old', dimension: 2 }).body.code, 0);
  assert.deepEqual(curl(server, 'collections/list', { dbName: 'archive' }).body.data, ['old']);
  assert.deepEqual(curl(server, 'collections/list', {}, { 'DB-Name': 'archive' }).body.data, ['old']);
  r = curl(server, 'collections/get_load_state', { collectionName: 'books' });
  assert.equal(r.body.data.loadState, 'LoadStateLoaded');
});

test('curl: errors carry Milvus codes', () => {
  assert.equal(curl(server, 'collections/list', '{not json').body.code, 1801);
  assert.equal(curl(server, 'collections/describe', {}).body.code, 1802);
  assert.equal(curl(server, 'collections/describe', { collectionName: 'nope' }).body.code, 100);
  const bad = curl(server, 'entities/insert', { collectionName: 'quick', data: [{ id: 9, vector: [1, 2] }] });
  assert.equal(bad.body.code, 1804);
  assert.match(bad.body.message, /dim is 4/);
  assert.equal(curl(server, 'entities/get', { collectionName: 'quick', id: [{ x: 1 }] }).body.code, 1806);
  const unknown = curl(server, 'entities/search', { collectionName: 'quick', data: [[1, 2, 3, 4]], topK: 3 });
  assert.equal(unknown.body.code, 1100);
  assert.match(unknown.body.message, /unknown parameter topK/);
  // Out-of-range values are refused, never replaced by a default.
  assert.equal(curl(server, 'entities/query', { collectionName: 'quick', filter: 'id > 0', limit: -1 }).body.code, 1100);
  assert.equal(curl(server, 'entities/query', { collectionName: 'quick', filter: 'id > 0', offset: -5 }).body.code, 1100);
  assert.equal(curl(server, 'entities/query', '{"collectionName":"quick","filter":"id > 0","limit":18446744073709551615}').body.code, 1100);
  assert.equal(curl(server, 'collections/create', { collectionName: 'x1', dimension: 4, params: { shardsNum: -1 } }).body.code, 1100);
  assert.equal(curl(server, 'collections/create', { collectionName: 'x2', dimension: 4, params: { max_length: 5 } }).body.code, 1100);
  assert.equal(curl(server, 'collections/has', { collectionName: 'x1' }).body.data.has, false);
  assert.equal(curl(server, 'nothing/here', {}).status, 404);
  assert.equal(curl(server, 'collections/compact', { collectionName: 'quick' }).body.code, 10);
});

test('curl: resource groups (create, describe, alter, transfer_replica, drop) with Milvus bodies', () => {
  const DEFAULT = '__default_resource_group';
  const rg = (endpoint, body) => curl(server, `resource_groups/${endpoint}`, body);
  const describe = name => {
    const r = rg('describe', { name });
    assert.equal(r.body.code, 0, r.text);
    return r.body.resource_group;
  };
  assert.deepEqual(rg('list', {}).body, { code: 0, data: [DEFAULT] });
  const nodes = describe(DEFAULT).num_available_node;  // 1 standalone, more for a deployment's proxy
  assert.ok(nodes >= 1);
  const filtered = { requests: { node_num: 1 }, limits: { node_num: 1 }, node_filter: { node_labels: { zone: 'a' } } };
  let r = rg('create', { name: 'rg_rest', config: filtered });
  assert.equal(r.body.code, 0, r.text);
  let g = describe('rg_rest');
  assert.equal(g.num_available_node, 0, 'the unlabelled node stays out of a zone=a group');
  assert.deepEqual(g.config.node_filter.node_labels, [{ key: 'zone', value: 'a' }]);
  assert.equal(g.config.requests.node_num, 1);
  assert.deepEqual(rg('list', {}).body.data.sort(), [DEFAULT, 'rg_rest']);

  r = rg('alter', { resource_groups: { rg_rest: { requests: { node_num: 1 }, limits: { node_num: 1 } } } });
  assert.equal(r.body.code, 0, r.text);
  g = describe('rg_rest');
  assert.equal(g.num_available_node, 1);
  assert.equal(g.nodes.length, 1);
  assert.equal(g.capacity, 1);
  assert.equal(describe(DEFAULT).num_available_node, nodes - 1);

  // A loaded collection's replica moves into the group and back.
  r = curl(server, 'collections/create', { collectionName: 'rgq', dimension: 4 });  // the quick form loads it
  assert.equal(r.body.code, 0, r.text);
  r = rg('transfer_replica', { sourceRgName: DEFAULT, targetRgName: 'rg_rest', collectionName: 'rgq', replicaNum: 1 });
  assert.equal(r.body.code, 0, r.text);
  assert.deepEqual(describe('rg_rest').num_loaded_replica, { rgq: 1 });
  r = rg('transfer_replica', { sourceRgName: 'rg_rest', targetRgName: DEFAULT, collectionName: 'rgq', replicaNum: 1 });
  if (nodes === 1) {
    assert.match(r.body.message, /0 query nodes available/, 'the default group has no node left for it');
  } else {
    assert.equal(r.body.code, 0, r.text);
    assert.equal(describe(DEFAULT).num_loaded_replica.rgq, 1);
    r = rg('transfer_replica', { sourceRgName: DEFAULT, targetRgName: 'rg_rest', collectionName: 'rgq', replicaNum: 1 });
    assert.equal(r.body.code, 0, r.text);  // in the group again, for what follows
  }

  // Bad input: what is missing, unknown or wrong is named.
  assert.equal(rg('create', {}).body.code, 1802);
  r = rg('create', { name: 'x', config: { limits: { node_num: 1 } } });
  assert.equal(r.body.code, 1802);
  assert.match(r.body.message, /config.requests/);
  r = rg('create', { name: 'x', config: { requests: { node_num: 0 }, limits: { node_num: 0 }, nodeFilter: {} } });
  assert.notEqual(r.body.code, 0);
  assert.match(r.body.message, /nodeFilter/);
  r = rg('create', { name: 'x', config: { requests: { node_num: 0 }, limits: { node_num: 0 }, node_filter: { node_labels: [{ key: 'a', value: 'b' }] } } });
  assert.match(r.body.message, /node_labels must be an object/);
  r = rg('describe', { name: 'nope' });
  assert.notEqual(r.body.code, 0);
  assert.match(r.body.message, /does not exist/);
  r = rg('transfer_replica', { sourceRgName: DEFAULT, targetRgName: 'rg_rest', collectionName: 'rgq' });
  assert.equal(r.body.code, 1802);
  r = rg('drop', { name: 'rg_rest' });
  assert.match(r.body.message, /requests or may hold nodes/, 'a group that requests nodes is not dropped');

  assert.equal(rg('alter', { resource_groups: { rg_rest: { requests: { node_num: 0 }, limits: { node_num: 0 } } } }).body.code, 0);
  r = rg('drop', { name: 'rg_rest' });
  assert.match(r.body.message, /holds replicas/, 'a group holding a replica is not dropped');
  r = rg('transfer_replica', { sourceRgName: 'rg_rest', targetRgName: DEFAULT, collectionName: 'rgq', replicaNum: 1 });
  assert.equal(r.body.code, 0, r.text);
  assert.deepEqual(describe('rg_rest').num_loaded_replica, {});
  assert.equal(curl(server, 'collections/drop', { collectionName: 'rgq' }).body.code, 0);
  assert.equal(rg('drop', { name: 'rg_rest' }).body.code, 0);
  assert.deepEqual(rg('list', {}).body.data, [DEFAULT]);
  assert.equal(describe(DEFAULT).num_available_node, nodes);
});

test('HttpClient: the same flow through the Node SDK', async () => {
  const http = new HttpClient({ endpoint: `http://${server.address}` });
  let r = await http.createCollection({ collectionName: 'sdk', dimension: 4, metricType: 'L2' });
  assert.equal(r.code, 0, JSON.stringify(r));
  const data = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, vector: vec(4) }));
  r = await http.insert({ collectionName: 'sdk', data });
  assert.equal(r.code, 0, JSON.stringify(r));
  assert.equal(r.data.insertCount, 10);
  r = await http.search({ collectionName: 'sdk', data: [data[4].vector], limit: 3, consistencyLevel: 'Strong' });
  assert.equal(r.code, 0, JSON.stringify(r));
  assert.equal(String(r.data[0].id), '5');
  r = await http.query({ collectionName: 'sdk', filter: 'id in [1, 2]', outputFields: ['id'], consistencyLevel: 'Strong' });
  assert.equal(r.data.length, 2);
  r = await http.describeCollection({ collectionName: 'sdk' });
  assert.equal(r.data.collectionName, 'sdk');
  r = await http.listCollections();
  assert.ok(r.data.includes('sdk'));
  r = await http.dropCollection({ collectionName: 'sdk' });
  assert.equal(r.code, 0);
  assert.equal((await http.hasCollection({ collectionName: 'sdk' })).data.has, false);
});

test('gRPC and REST share the port, and the data', async () => {
  const grpc = new MilvusClient({ address: server.address, timeout: 20000, logLevel: 'error' });
  await grpc.connectPromise;
  const res = await grpc.query({ collection_name: 'quick', filter: 'id > 0', output_fields: ['color'], consistency_level: 'Strong' });
  assert.ok(ok(res.status), JSON.stringify(res.status));
  // The Node SDK leaves dynamic keys under $meta when they are named in output_fields.
  assert.deepEqual(res.data.map(x => x.color || x.$meta.color).sort(), ['c2', 'c3']);
  grpc.closeConnection();
});

test('auth on: no Bearer or a wrong one is 401/1800, a missing privilege 403, root works', async () => {
  const none = curl(secured, 'collections/list', {});
  assert.equal(none.status, 401);
  assert.deepEqual(none.body, { code: 1800, message: "user hasn't authenticated" });
  assert.equal(curl(secured, 'collections/list', {}, { Authorization: 'Bearer root:wrong' }).status, 401);
  const root = { Authorization: 'Bearer root:Milvus' };
  assert.equal(curl(secured, 'collections/create', { collectionName: 'guarded', dimension: 4 }, root).body.code, 0);
  assert.equal(curl(secured, 'users/create', { userName: 'reader', password: 'readerpw' }, root).body.code, 0);
  const reader = { Authorization: 'Bearer reader:readerpw' };
  const denied = curl(secured, 'entities/insert', { collectionName: 'guarded', data: [{ id: 1, vector: [1, 2, 3, 4] }] }, reader);
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, 65535);
  assert.match(denied.body.message, /PermissionDenied desc = PrivilegeInsert: permission deny to reader/);
  assert.equal(curl(secured, 'roles/create', { roleName: 'writers' }, root).body.code, 0);
  assert.equal(curl(secured, 'roles/grant_privilege_v2', { roleName: 'writers', privilege: 'CollectionReadWrite', collectionName: 'guarded' }, root).body.code, 0);
  assert.equal(curl(secured, 'users/grant_role', { userName: 'reader', roleName: 'writers' }, root).body.code, 0);
  const allowed = curl(secured, 'entities/insert', { collectionName: 'guarded', data: [{ id: 1, vector: [1, 2, 3, 4] }] }, reader);
  assert.equal(allowed.body.code, 0, allowed.text);
  const roles = curl(secured, 'users/describe', { userName: 'reader' }, reader);
  assert.deepEqual(roles.body.data, ['writers']);
  const grants = curl(secured, 'roles/describe', { roleName: 'writers' }, root);
  assert.equal(grants.body.data[0].privilege, 'CollectionReadWrite');
  // Rows are not even decoded for a caller without the privilege; too deep JSON is refused.
  assert.equal(curl(secured, 'collections/create', { collectionName: 'docs', schema: { fields: [
    { fieldName: 'id', dataType: 'Int64', isPrimary: true }, { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 4 } },
    { fieldName: 'meta', dataType: 'JSON' }] } }, root).body.code, 0);
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  const hostile = { collectionName: 'docs', data: [{ id: 1, v: [1, 2, 3, 4], meta: deep }] };
  assert.equal(curl(secured, 'entities/insert', hostile, { Authorization: 'Bearer nobody:nobodypw' }).status, 401);
  assert.equal(curl(secured, 'users/create', { userName: 'plain', password: 'plainpw1' }, root).body.code, 0);
  assert.equal(curl(secured, 'entities/insert', hostile, { Authorization: 'Bearer plain:plainpw1' }).status, 403);
  const refused = curl(secured, 'entities/insert', hostile, root);
  assert.equal(refused.body.code, 1804);
  assert.match(refused.body.message, /nested deeper than 1024 levels/);
  // A database-level grant never reaches cluster privileges, whatever dbName the body names.
  assert.equal(curl(secured, 'databases/create', { dbName: 'db9' }, root).body.code, 0);
  assert.equal(curl(secured, 'roles/create', { roleName: 'db9admin' }, root).body.code, 0);
  assert.equal(curl(secured, 'roles/grant_privilege', { roleName: 'db9admin', objectType: 'Global', objectName: '*', privilege: 'All', dbName: 'db9' }, root).body.code, 0);
  assert.equal(curl(secured, 'users/grant_role', { userName: 'plain', roleName: 'db9admin' }, root).body.code, 0);
  const plain = { Authorization: 'Bearer plain:plainpw1' };
  assert.equal(curl(secured, 'collections/create', { dbName: 'db9', collectionName: 'mine', dimension: 4 }, plain).body.code, 0);
  assert.equal(curl(secured, 'users/grant_role', { dbName: 'db9', userName: 'plain', roleName: 'admin' }, plain).status, 403);
  assert.equal(curl(secured, 'users/grant_role', { userName: 'plain', roleName: 'admin' }, plain).status, 403);
  // HTTP Basic works too.
  const basic = { Authorization: `Basic ${Buffer.from('root:Milvus').toString('base64')}` };
  assert.equal(curl(secured, 'collections/list', {}, basic).body.code, 0);
  // HttpClient with and without a token.
  const anonymous = new HttpClient({ endpoint: `http://${secured.address}` });
  await assert.rejects(anonymous.listCollections(), e => e.status === 401);
  const withToken = new HttpClient({ endpoint: `http://${secured.address}`, token: 'root:Milvus' });
  const listed = await withToken.listCollections();
  assert.deepEqual(listed.data.sort(), ['docs', 'guarded']);
  const user = new HttpClient({ endpoint: `http://${secured.address}`, username: 'reader', password: 'readerpw' });
  await assert.rejects(user.createCollection({ collectionName: 'x', dimension: 4 }), e => e.status === 403);
});

test('fuzz: malformed JSON, wrong types, huge and hostile bodies never crash the server', async () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const endpoints = ['collections/create', 'collections/describe', 'entities/insert', 'entities/search', 'entities/query',
    'entities/get', 'entities/delete', 'indexes/create', 'partitions/create', 'users/create', 'roles/grant_privilege_v2',
    'entities/hybrid_search', 'aliases/create', 'databases/create'];
  const values = [null, true, 0, -1, 1e308, 'x', '', [], {}, [[1, 2, 3, 4]], { a: { b: [] } }, '9'.repeat(40), [null], 'quick'];
  const keys = ['collectionName', 'data', 'filter', 'limit', 'outputFields', 'id', 'dimension', 'schema', 'indexParams',
    'search', 'rerank', 'searchParams', 'partitionName', 'userName', 'password', 'privilege', 'roleName', 'dbName'];
  const bodies = ['', '{', '[]', 'null', '"x"', '{"collectionName":', '\u0000\u0001', '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    JSON.stringify({ collectionName: 'quick', data: [{ id: 1, vector: Array(100000).fill(1) }] })];
  for (let i = 0; i < 120; i++) {
    const body = {};
    const n = Math.floor(rnd() * 5);
    for (let k = 0; k < n; k++) body[keys[Math.floor(rnd() * keys.length)]] = values[Math.floor(rnd() * values.length)];
    bodies.push(JSON.stringify(body));
  }
  for (let i = 0; i < bodies.length; i++) {
    const endpoint = endpoints[i % endpoints.length];
    const r = curl(server, endpoint, bodies[i]);
    assert.equal(r.status, 200, `${endpoint} ${bodies[i].slice(0, 80)} -> ${r.status} ${r.text.slice(0, 200)}`);
    assert.ok(r.body && typeof r.body.code === 'number', `${endpoint}: ${r.text.slice(0, 200)}`);
  }
  // Chunked: a wrapping chunk size, and a large body in tiny chunks (decoded in linear time).
  const raw = bytes => new Promise(resolve => {
    let got = '';
    const sock = net.connect(server.port, '127.0.0.1', () => sock.write(bytes));
    sock.on('data', d => { got += d; });
    sock.on('close', () => resolve(got));
    sock.on('error', () => resolve(got));
    setTimeout(() => { sock.destroy(); resolve(got); }, 5000);
  });
  const wrapped = await raw('POST /v2/vectordb/collections/list HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
    'fffffffffffffffe\r\nabc\r\n0\r\n\r\n');
  assert.match(wrapped, /^HTTP\/1\.1 413 /);
  // Over the message limit (server.max_message_bytes, 256 MiB by default): refused by size alone.
  const huge = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST',
    `http://${server.address}/v2/vectordb/entities/insert`, '-H', 'Content-Length: 999999999999', '--data-binary', '{}'],
  { encoding: 'utf8', timeout: 30000 });
  assert.equal(huge.stdout, '413');
  // Raw garbage and a half-sent request on the socket.
  for (const raw of ['GET\r\n\r\n', 'POST /v2/vectordb/collections/list HTTP/1.1\r\nContent-Length: 5\r\n\r\n{', '\x16\x03\x01garbage', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\ngarbage']) {
    await new Promise(resolve => {
      const sock = net.connect(server.port, '127.0.0.1', () => sock.end(raw));
      sock.on('error', resolve);
      sock.on('close', resolve);
      sock.resume();
      setTimeout(() => { sock.destroy(); resolve(); }, 2000);
    });
  }
  const health = await fetch(`http://127.0.0.1:${server.statusPort}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(curl(server, 'collections/has', { collectionName: 'quick' }).body.data.has, true);
});

test('auth on: bad credentials are refused from the headers, before the body is sent', async () => {
  // A client announcing a 64 MiB body with wrong credentials gets its 401 at once: the server
  // neither waits for nor invites (Expect: 100-continue) the body.
  const exchange = (head) => new Promise((resolve, reject) => {
    let got = '';
    const started = Date.now();
    const sock = net.connect(secured.port, '127.0.0.1', () => sock.write(head));
    sock.on('data', d => { got += d; });
    sock.on('close', () => resolve({ got, ms: Date.now() - started }));
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); resolve({ got, ms: Date.now() - started }); }, 10000);
  });
  for (const expect of ['', 'Expect: 100-continue\r\n']) {
    const { got } = await exchange('POST /v2/vectordb/entities/insert HTTP/1.1\r\nHost: x\r\n' +
      `Authorization: Bearer root:wrong\r\nContent-Length: 67108864\r\n${expect}\r\n`);
    assert.match(got, /^HTTP\/1\.1 401 /, got);
    assert.doesNotMatch(got, /100 Continue/);
    assert.match(got, /"code":1800/);
    assert.match(got, /Connection: close/);
  }
  // A client that sends a large body anyway (no 100-continue) still reads the 401: the server
  // half-closes after answering and drains what keeps arriving instead of resetting at once.
  const big = 'x'.repeat(8 << 20);
  for (const [endpoint, headers, want] of [['entities/insert', { Authorization: 'Bearer root:wrong' }, 401],
    ['no/such_endpoint', { Authorization: 'Bearer root:Milvus' }, 404]]) {
    const run = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST',
      `http://${secured.address}/v2/vectordb/${endpoint}`, '-H', 'Expect:', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
      '--data-binary', '@-'], { encoding: 'utf8', timeout: 30000, input: big, maxBuffer: 1 << 20 });
    assert.equal(run.stdout, String(want), `${endpoint}: ${run.stderr}`);
  }
  // Good credentials still get the body read and the request served, in pieces.
  const body = JSON.stringify({});
  const { got } = await exchange('POST /v2/vectordb/collections/list HTTP/1.1\r\nHost: x\r\n' +
    `Authorization: Bearer root:Milvus\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.match(got, /^HTTP\/1\.1 200 /, got);
  assert.match(got, /"code":0/);
});

test('collections/create: a failing index leaves no collection behind', () => {
  const schema = { fields: [{ fieldName: 'id', dataType: 'Int64', isPrimary: true },
    { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 4 } }] };
  const create = (M) => curl(server, 'collections/create', {
    collectionName: 'half_made', schema,
    indexParams: [{ fieldName: 'v', indexName: 'v_idx', metricType: 'L2', params: { index_type: 'HNSW', M } }],
  });
  const failed = create(100000);
  assert.notEqual(failed.body.code, 0, failed.text);
  assert.doesNotMatch(failed.body.message, /dropping it again failed/);
  assert.equal(curl(server, 'collections/has', { collectionName: 'half_made' }).body.data.has, false);
  // Index names or fields given twice are refused before anything is created, too.
  const twice = curl(server, 'collections/create', { collectionName: 'half_made', schema,
    indexParams: [{ fieldName: 'v', indexName: 'x', metricType: 'L2' }, { fieldName: 'id', indexName: 'x' }] });
  assert.match(twice.body.message, /index name x is given twice/);
  assert.equal(curl(server, 'collections/has', { collectionName: 'half_made' }).body.data.has, false);
  // The same request with valid parameters creates, indexes and loads it.
  const fixed = create(16);
  assert.equal(fixed.body.code, 0, fixed.text);
  assert.equal(curl(server, 'collections/get_load_state', { collectionName: 'half_made' }).body.data.loadState, 'LoadStateLoaded');
  // In the quick form, indexParams replace its own index of the vector field (Milvus ignores
  // them there); with a metricType too, the request is ambiguous and refused.
  const quick = curl(server, 'collections/create', { collectionName: 'quick_idx', dimension: 4,
    indexParams: [{ fieldName: 'vector', indexName: 'vhnsw', metricType: 'IP', indexType: 'HNSW', params: { M: 8 } }] });
  assert.equal(quick.body.code, 0, quick.text);
  const described = curl(server, 'indexes/describe', { collectionName: 'quick_idx', indexName: 'vhnsw' });
  assert.equal(described.body.code, 0, described.text);
  assert.equal(described.body.data[0].indexType, 'HNSW');
  assert.equal(described.body.data[0].metricType, 'IP');
  const both = curl(server, 'collections/create', { collectionName: 'quick_both', dimension: 4, metricType: 'L2',
    indexParams: [{ fieldName: 'vector', metricType: 'IP' }] });
  assert.notEqual(both.body.code, 0);
  assert.match(both.body.message, /indexParams or metricType, not both/);
  assert.equal(curl(server, 'collections/has', { collectionName: 'quick_both' }).body.data.has, false);
});

test('exprParams fill filter templates in query, search and delete; entities/get keys are typed values', () => {
  let r = curl(server, 'collections/create', { collectionName: 'tmpl', dimension: 4, idType: 'VarChar',
    params: { max_length: 16 }, indexParams: null });
  assert.equal(r.body.code, 0, r.text);
  // indexParams null is no indexParams: the quick form's own index is created and loaded.
  r = curl(server, 'collections/describe', { collectionName: 'tmpl' });
  assert.equal(r.body.data.load, 'LoadStateLoaded', r.text);
  assert.equal(r.body.data.indexes[0].metricType, 'COSINE');
  const data = ['a', 'b', "c'\"d", 'e'].map((id, i) => ({ id, vector: vec(4), n: i }));
  r = curl(server, 'entities/insert', { collectionName: 'tmpl', data });
  assert.equal(r.body.code, 0, r.text);
  r = curl(server, 'entities/query', { collectionName: 'tmpl', filter: 'n >= {low} and id in {ids}',
    exprParams: { low: 1, ids: ['a', 'b', 'e'] }, outputFields: ['id', 'n'], consistencyLevel: 'Strong' });
  assert.equal(r.body.code, 0, r.text);
  assert.deepEqual(r.body.data.map(x => x.id).sort(), ['b', 'e']);
  r = curl(server, 'entities/search', { collectionName: 'tmpl', data: [data[0].vector], limit: 4,
    filter: 'n < {high}', exprParams: { high: 2 }, outputFields: ['n'], consistencyLevel: 'Strong' });
  assert.equal(r.body.code, 0, r.text);
  assert.deepEqual(r.body.data.map(x => x.id).sort(), ['a', 'b']);
  // A template without its value, or a value of no JSON scalar type, is refused.
  r = curl(server, 'entities/query', { collectionName: 'tmpl', filter: 'n > {missing}', exprParams: {} });
  assert.notEqual(r.body.code, 0);
  r = curl(server, 'entities/query', { collectionName: 'tmpl', filter: 'n > {x}', exprParams: { x: { nested: 1 } } });
  assert.equal(r.body.code, 1100, r.text);
  // Keys with quotes are looked up as values, not spliced into the filter text.
  r = curl(server, 'entities/get', { collectionName: 'tmpl', id: ["c'\"d", 'zzz'], outputFields: ['n'] });
  assert.equal(r.body.code, 0, r.text);
  assert.deepEqual(r.body.data.map(x => x.n), [2]);
  r = curl(server, 'entities/delete', { collectionName: 'tmpl', filter: 'id in {gone}', exprParams: { gone: ['a', 'b'] } });
  assert.equal(r.body.code, 0, r.text);
  r = curl(server, 'entities/query', { collectionName: 'tmpl', filter: '', outputFields: ['count(*)'], consistencyLevel: 'Strong' },
    { 'Accept-Type-Allow-Int64': 'true' });
  assert.deepEqual(r.body.data, [{ 'count(*)': 2 }]);
  assert.equal(curl(server, 'collections/drop', { collectionName: 'tmpl' }).body.code, 0);
});

test('keys match case-insensitively, as Milvus decodes them; count(*) takes no pagination; weights are in [0, 1]', () => {
  let r = curl(server, 'collections/create', { CollectionName: 'casey', dimension: 4, autoId: true, dbname: 'default' });
  assert.equal(r.body.code, 0, r.text);
  r = curl(server, 'collections/describe', { collectionname: 'casey' });
  assert.equal(r.body.code, 0, r.text);
  assert.equal(r.body.data.autoId, true);
  r = curl(server, 'entities/insert', { collectionName: 'casey', data: [{ vector: vec(4) }, { vector: vec(4) }] });
  assert.equal(r.body.code, 0, r.text);
  assert.equal(r.body.data.insertCount, 2);
  // One key in two spellings is ambiguous: refused.
  r = curl(server, 'collections/describe', { collectionName: 'casey', COLLECTIONNAME: 'other' });
  assert.equal(r.body.code, 1100, r.text);
  assert.match(r.body.message, /given twice/);
  r = curl(server, 'entities/query', { collectionName: 'casey', filter: '', outputFields: ['count(*)'], limit: 1 });
  assert.equal(r.body.code, 1100, r.text);
  assert.match(r.body.message, /pagination/);
  const v = vec(4);
  r = curl(server, 'entities/hybrid_search', { collectionName: 'casey', search: [{ data: [v], limit: 2 }, { data: [v], limit: 2 }],
    rerank: { strategy: 'weighted', params: { weights: [1.5, 0.5] } }, limit: 2 });
  assert.equal(r.body.code, 1100, r.text);
  assert.match(r.body.message, /\[0, 1\]/);
  r = curl(server, 'entities/search', { collectionName: 'casey', data: [v], limit: 2, searchParams: { round_decimal: 1 },
    consistencyLevel: 'Strong' });
  assert.equal(r.body.code, 0, r.text);
  for (const hit of r.body.data) assert.equal(Math.round(hit.distance * 10) / 10, hit.distance);
  assert.equal(curl(server, 'collections/drop', { collectionName: 'casey' }).body.code, 0);
});
