'use strict';
// Crash test: a client inserts in batches (with occasional flushes and deletes) while the server
// is killed with SIGKILL at a random moment; after each restart every acknowledged row is present,
// no deleted-and-acknowledged row is back, nothing appears that was never sent, and no row appears
// twice. (A batch or a delete in flight at the kill may or may not have been persisted: it was
// never acknowledged, so both outcomes are correct.)
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MilvusClient, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');
const { QuiverServer, sleep } = require('./lib/server');
const { vec, ok } = require('./lib/data');

const DIM = 4;

// Every id present, read in id ranges so no single query exceeds the 16384-row window.
async function presentIds(client, maxId) {
  const ids = [];
  for (let from = 0; from <= maxId; from += 10000) {
    const res = await client.query({
      collection_name: 'crash', filter: `id >= ${from} and id < ${from + 10000}`, output_fields: ['id'],
      limit: 16384, consistency_level: ConsistencyLevelEnum.Strong,
    });
    assert.ok(ok(res.status), JSON.stringify(res.status));
    assert.ok(res.data.length <= 10000);
    for (const r of res.data) ids.push(Number(r.id));
  }
  return ids;
}
const ROUNDS = 5;
const BATCH = 40;

test('no acknowledged write is lost across SIGKILL at random moments', { timeout: 300000 }, async () => {
  const acked = new Set();
  const attempted = new Set();
  const deletedAcked = new Set();
  const deleteSent = new Set();  // a delete in flight at the kill may or may not have been persisted
  let nextId = 1;
  let dataDir = null;
  let random = 12345;
  const rand = () => { random = (random * 1103515245 + 12345) % 2147483648; return random / 2147483648; };
  for (let round = 0; round < ROUNDS; round++) {
    const server = await new QuiverServer(dataDir).start();
    try {
    dataDir = server.dataDir;
    const client = new MilvusClient({ address: server.address, timeout: 10000, logLevel: 'error' });
    await client.connectPromise;
    if (round === 0) {
      assert.ok(ok(await client.createCollection({ collection_name: 'crash', dimension: DIM, metric_type: 'L2', consistency_level: 'Strong' })));
    } else {
      // Verify the previous rounds before writing more.
      const present = await presentIds(client, nextId);
      assert.equal(new Set(present).size, present.length, `round ${round}: a row appears twice`);
      const presentSet = new Set(present);
      for (const id of acked) {
        if (!deleteSent.has(id)) assert.ok(presentSet.has(id), `round ${round}: acknowledged row ${id} lost`);
      }
      for (const id of present) {
        assert.ok(attempted.has(id), `round ${round}: row ${id} was never sent`);
        assert.ok(!deletedAcked.has(id), `round ${round}: row ${id} was deleted (acknowledged) but is back`);
      }
      const c = await client.query({ collection_name: 'crash', output_fields: ['count(*)'], consistency_level: ConsistencyLevelEnum.Strong });
      assert.equal(Number(c.data[0]['count(*)']), present.length);
    }
    // Write until the kill.
    const killAfter = 300 + Math.floor(rand() * 900);
    const killer = sleep(killAfter).then(() => server.kill9());
    let killed = false;
    killer.then(() => { killed = true; });
    let batches = 0;
    while (!killed && batches < 2000) {
      const ids = Array.from({ length: BATCH }, () => nextId++);
      ids.forEach(id => attempted.add(id));
      try {
        const res = await client.insert({ collection_name: 'crash', data: ids.map(id => ({ id, vector: vec(DIM) })) });
        if (ok(res.status)) ids.forEach(id => acked.add(id));
      } catch (e) { /* the server died mid-call: not acknowledged */ }
      batches++;
      if (batches % 7 === 0 && !killed) {
        const victim = ids[0];
        deleteSent.add(victim);
        try {
          const res = await client.delete({ collection_name: 'crash', ids: [victim] });
          if (ok(res.status)) deletedAcked.add(victim);
        } catch (e) { /* not acknowledged */ }
      }
      if (batches % 10 === 0 && !killed) {
        try { await client.flush({ collection_names: ['crash'] }); } catch (e) { /* ignore */ }
      }
    }
    await killer;
    client.closeConnection();
    assert.ok(batches > 0, 'no batch was written before the kill');
    } finally {
      await server.kill9();
    }
  }
  // Final check after the last kill.
  const server = await new QuiverServer(dataDir).start();
  try {
    const client = new MilvusClient({ address: server.address, timeout: 10000, logLevel: 'error' });
    await client.connectPromise;
    const list = await presentIds(client, nextId);
    const present = new Set(list);
    assert.equal(present.size, list.length, 'a row appears twice');
    let survivors = 0;
    for (const id of acked) {
      if (deleteSent.has(id)) continue;
      assert.ok(present.has(id), `acknowledged row ${id} lost`);
      survivors++;
    }
    for (const id of present) assert.ok(!deletedAcked.has(id) && attempted.has(id), `unexpected row ${id}`);
    assert.ok(survivors > 0);
    // Searches find the surviving rows.
    const s = await client.search({ collection_name: 'crash', data: vec(DIM), limit: 3, consistency_level: ConsistencyLevelEnum.Strong });
    assert.equal(s.results.length, 3);
    client.closeConnection();
  } finally {
    await server.stop();
    server.cleanup();
    require('node:fs').rmSync(dataDir, { recursive: true, force: true });
  }
});
