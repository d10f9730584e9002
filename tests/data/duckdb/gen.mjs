import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const out = process.argv[2];
await c.run(`CREATE TABLE t AS SELECT i::INTEGER AS i32, (i*1000003)::BIGINT AS i64, i/4.0::DOUBLE AS f64, (i/8.0)::FLOAT AS f32,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'name_' || (i % 7) END AS s, i % 2 = 0 AS b
  FROM range(0, 1000) r(i)`);
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) {
  await c.run(`COPY t TO '${out}/duck-${codec}.parquet' (FORMAT PARQUET, COMPRESSION '${codec}')`);
}
await c.run(`COPY t TO '${out}/duck-v2.parquet' (FORMAT PARQUET, COMPRESSION 'snappy', PARQUET_VERSION V2)`);
await c.run(`COPY (SELECT * FROM t ORDER BY i32 LIMIT 10) TO '${out}/duck-small.parquet' (FORMAT PARQUET)`);
await c.run(`COPY t TO '${out}/duck-t.csv' (HEADER, DELIMITER ',')`);
console.log('ok');
