// Timestamps and times written by DuckDB as CSV and as Parquet (INT64
// TIMESTAMP in ms/us/ns, UTC-adjusted and not, TIME): whorl must read both
// to one logical id. node gen-time.mjs OUTDIR (with @duckdb/node-api).
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const out = process.argv[2];
await c.run(`SET TimeZone = 'UTC'`);
await c.run(`CREATE TABLE t AS SELECT i AS id,
  TIMESTAMP '1969-12-31 23:59:58' + INTERVAL (i * 3607013) MILLISECOND AS ts_us,
  (TIMESTAMP '2024-02-28 12:00:00' + INTERVAL (i * 1000003) MICROSECOND)::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP '2001-01-01 00:00:00' + INTERVAL (i * 7) SECOND)::TIMESTAMP_NS AS ts_ns,
  (TIMESTAMP '2020-06-30 22:00:00' + INTERVAL (i * 61) MINUTE)::TIMESTAMPTZ AS ts_tz,
  TIME '00:00:00' + INTERVAL (i * 1234567) MILLISECOND AS t,
  CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '1999-12-31' + i::INTEGER END AS d
  FROM range(0, 500) r(i)`);
await c.run(`COPY t TO '${out}/duck-time.csv' (HEADER)`);
await c.run(`COPY t TO '${out}/duck-time.parquet' (FORMAT PARQUET)`);
console.log('ok');
