'use strict';
// The end-to-end mode of the ann harness: the same dataset, the same HNSW parameters, but through
// the Milvus Node SDK against a running Quiver server. It loads the dataset that bench/ann exported
// (cache/<dataset>.base.f32 / .query.f32 / .gt.i32), inserts it, flushes, builds HNSW (M=16,
// efConstruction=200), loads, then runs batched searches (nq = --batch per request, --concurrency
// requests in flight from one client, as an application with a few concurrent users would) at
// several ef values and prints recall@10 and QPS next to the in-process numbers of the same ef
// (1 search thread) from ann.csv, with their ratio. The query arrays are prepared before timing.
//
//   node bench/ann_e2e.js --address=127.0.0.1:19530 --dataset=synthetic-100k-128 \
//        [--cache=bench/results/cache] [--csv=bench/results/ann.csv] [--batch=100] [--out=FILE]
const fs = require('node:fs');
const path = require('node:path');

const args = Object.fromEntries(process.argv.slice(2).map(a => {
  const m = a.match(/^--([^=]+)=(.*)$/);
  return m ? [m[1], m[2]] : [a, true];
}));
const address = args.address || '127.0.0.1:19530';
const dataset = args.dataset || 'synthetic-100k-128';
const cache = args.cache || 'bench/results/cache';
const csvPath = args.csv || 'bench/results/ann.csv';
const batch = Number(args.batch || 100);
const concurrency = Number(args.concurrency || 2);
const efs = (args.ef || '16,24,32,48,64,96,128').split(',').map(Number);

const { MilvusClient, DataType, ConsistencyLevelEnum } = require('@zilliz/milvus2-sdk-node');

function readBlob(file, Type) {
  const buf = fs.readFileSync(file);
  const rows = buf.readUInt32LE(0), cols = buf.readUInt32LE(4);
  const data = new Type(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + buf.length));
  return { rows, cols, row: i => Array.from(data.subarray(i * cols, (i + 1) * cols)) };
}

// In-process points of Quiver HNSW (1 search thread) from ann.csv.
function inProcessPoints() {
  if (!fs.existsSync(csvPath)) return [];
  return fs.readFileSync(csvPath, 'utf8').split('\n').map(l => l.split(','))
    .filter(f => f[0] === dataset && f[1] === 'quiver-hnsw' && f[4] === '1')
    .map(f => ({ ef: Number(f[3]), recall: Number(f[5]), qps: Number(f[6]) }));
}
const bestAt = (points, target) => points.filter(p => p.recall >= target).reduce((m, p) => Math.max(m, p.qps), 0);

(async () => {
  const base = readBlob(path.join(cache, `${dataset}.base.f32`), Float32Array);
  const queries = readBlob(path.join(cache, `${dataset}.query.f32`), Float32Array);
  const truth = readBlob(path.join(cache, `${dataset}.gt.i32`), Int32Array);
  const client = new MilvusClient({ address, timeout: 600000, logLevel: 'error' });
  await client.connectPromise;
  const name = `ann_${dataset.replace(/[^A-Za-z0-9_]/g, '_')}`;
  await client.dropCollection({ collection_name: name });
  const check = (s, what) => {
    const status = s.status || s;
    if (status.error_code !== 'Success' && status.error_code !== 0) throw new Error(`${what}: ${JSON.stringify(status)}`);
    return s;
  };
  check(await client.createCollection({
    collection_name: name, consistency_level: 'Strong',
    fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: base.cols }],
  }), 'create');
  let t0 = Date.now();
  const chunk = Math.max(1, Math.floor((8 << 20) / (base.cols * 4)));  // ~8 MB per insert
  for (let i = 0; i < base.rows; i += chunk) {
    const rows = [];
    for (let j = i; j < Math.min(base.rows, i + chunk); j++) rows.push({ id: j, vector: base.row(j) });
    check(await client.insert({ collection_name: name, data: rows }), 'insert');
    process.stdout.write(`\rinsert ${Math.min(base.rows, i + chunk)}/${base.rows}`);
  }
  check(await client.flushSync({ collection_names: [name] }), 'flush');
  console.log(`\ninserted and flushed ${base.rows} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  t0 = Date.now();
  check(await client.createIndex({ collection_name: name, field_name: 'vector', index_type: 'HNSW', metric_type: 'L2',
    params: { M: 16, efConstruction: 200 } }), 'createIndex');
  for (;;) {
    const d = check(await client.describeIndex({ collection_name: name }), 'describeIndex').index_descriptions[0];
    process.stdout.write(`\rindex build: ${d.indexed_rows}/${Number(d.indexed_rows) + Number(d.pending_index_rows)} rows`);
    if (d.state === 'Finished' && Number(d.pending_index_rows) === 0) break;
    await new Promise(r => setTimeout(r, 500));
  }
  console.log(`\nindex built in ${((Date.now() - t0) / 1000).toFixed(1)} s (server side, includes scheduling)`);
  check(await client.loadCollectionSync({ collection_name: name }), 'load');

  const lines = [];
  const reference = inProcessPoints();
  const measured = [];
  console.log(`dataset ${dataset}: ${queries.rows} queries, nq=${batch} per request, ${concurrency} requests in flight, 1 client`);
  const batches = [];
  for (let q = 0; q < queries.rows; q += batch) {
    const data = [];
    for (let j = q; j < Math.min(queries.rows, q + batch); j++) data.push(queries.row(j));
    batches.push({ first: q, data });
  }
  console.log('ef     e2e recall   e2e QPS | in-process recall    QPS | e2e / in-process');
  for (const ef of efs) {
    const ids = new Array(queries.rows);
    // Warm-up request.
    await client.search({ collection_name: name, data: [queries.row(0)], limit: 10, params: { ef }, output_fields: ['id'] });
    const start = process.hrtime.bigint();
    let next = 0;
    const lane = async () => {
      while (next < batches.length) {
        const { first, data } = batches[next++];
        const res = check(await client.search({ collection_name: name, data, limit: 10, params: { ef }, output_fields: ['id'],
          consistency_level: ConsistencyLevelEnum.Eventually }), 'search');
        const results = data.length === 1 ? [res.results] : res.results;
        results.forEach((hits, i) => { ids[first + i] = hits.map(h => Number(h.id)); });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    let found = 0;
    ids.forEach((hits, q) => {
      const want = new Set(truth.row(q));
      for (const id of hits) if (want.has(id)) found++;
    });
    const recall = found / (queries.rows * 10);
    const qps = queries.rows / seconds;
    const ref = reference.find(p => p.ef === ef);
    measured.push({ ef, recall, qps });
    const ratio = ref ? (qps / ref.qps).toFixed(2) : 'n/a';
    const line = `${String(ef).padEnd(5)} ${recall.toFixed(4).padStart(10)} ${qps.toFixed(0).padStart(9)} | ` +
      `${ref ? ref.recall.toFixed(4).padStart(17) : 'n/a'.padStart(17)} ${ref ? ref.qps.toFixed(0).padStart(6) : ''} | ${ratio}`;
    console.log(line);
    lines.push(`${dataset},${ef},${batch},${recall},${qps},${ref ? ref.recall : ''},${ref ? ref.qps : ''}`);
  }
  // The server splits large collections into several segments and searches each with `ef`, so
  // equal ef means higher recall end to end: compare at equal recall.
  console.log('at equal recall@10: end-to-end QPS / in-process QPS (1 search thread)');
  for (const target of [0.90, 0.95, 0.99]) {
    const e2e = bestAt(measured, target), local = bestAt(reference, target);
    console.log(`  ${target.toFixed(2)}: ${e2e.toFixed(0)} / ${local.toFixed(0)} = ${local && e2e ? (e2e / local).toFixed(2) : 'n/a'}`);
    lines.push(`${dataset},recall>=${target},${batch},,${e2e},,${local}`);
  }
  if (args.out) fs.writeFileSync(args.out, 'dataset,ef,batch,e2e_recall,e2e_qps,inprocess_recall,inprocess_qps\n' + lines.join('\n') + '\n');
  await client.dropCollection({ collection_name: name });
  client.closeConnection();
})().catch(e => {
  console.error(e);
  process.exit(1);
});
