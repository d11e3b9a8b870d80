'use strict';
// Races between requests on one collection (issue 9 probe): loads, releases and partition
// creation racing a drop must never leave the server consuming the WAL channels of a dropped
// collection (which /healthz reports as stuck consumers), and every request gets an answer.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startShared, stopShared, metric, sleep } = require('./lib/server');
const { vec } = require('./lib/data');

let server;
let client;

before(async () => {
  ({ server, client } = await startShared({ env: { QUIVER_WAL_STALL_REPORT_SECONDS: '1' } }));
});

after(async () => { await stopShared(server, client); });

test('load, release and create partition racing drop leave no consumer of a dropped collection', async () => {
  const rounds = 20;  // bounded: each round is a handful of requests
  for (let round = 0; round < rounds; ++round) {
    const name = `race_${round}`;
    let r = await client.createCollection({ collection_name: name, dimension: 4, metric_type: 'L2' });
    assert.equal(r.error_code, 'Success', JSON.stringify(r));
    r = await client.insert({ collection_name: name, data: [{ id: 1, vector: vec(4) }, { id: 2, vector: vec(4) }] });
    assert.equal(r.status.error_code, 'Success', JSON.stringify(r.status));
    // Every request answers (success or a Milvus error); none hangs or fails at the transport.
    // (Some SDK helpers describe the collection first and throw the Milvus error they get.)
    const outcomes = await Promise.allSettled([
      client.loadCollection({ collection_name: name }),
      client.dropCollection({ collection_name: name }),
      client.loadCollection({ collection_name: name }),
      client.createPartition({ collection_name: name, partition_name: 'p' }),
      client.releaseCollection({ collection_name: name }),
    ]);
    for (const o of outcomes) {
      if (o.status === 'fulfilled') assert.ok(o.value.error_code !== undefined, JSON.stringify(o.value));
      else assert.match(String(o.reason), /ErrorCode: \w+\. Reason: collection not (found|loaded)/, String(o.reason));
    }
    assert.equal(outcomes[1].status, 'fulfilled');
    assert.equal(outcomes[1].value.error_code, 'Success', JSON.stringify(outcomes[1].value));
    const has = await client.hasCollection({ collection_name: name });
    assert.equal(has.value, false);
  }
  // Past the stall threshold (1 s here) a consumer of a dropped channel would turn /healthz 503.
  await sleep(2500);
  const health = await server.healthz();
  assert.equal(health.status, 200, health.text);
  const metrics = await server.statusGet('/metrics');
  assert.equal(metric(metrics.text, 'quiver_wal_consumers_failing'), 0);
  // The server still serves a fresh collection.
  const r = await client.createCollection({ collection_name: 'after_races', dimension: 4, metric_type: 'L2' });
  assert.equal(r.error_code, 'Success');
  await client.insert({ collection_name: 'after_races', data: [{ id: 7, vector: [1, 0, 0, 0] }] });
  await client.loadCollectionSync({ collection_name: 'after_races' });
  const found = await client.search({ collection_name: 'after_races', data: [[1, 0, 0, 0]], limit: 1, consistency_level: 'Strong' });
  assert.equal(String(found.results[0].id), '7');
});
