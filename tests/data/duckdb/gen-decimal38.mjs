// DECIMAL(30,4) (FIXED_LEN_BYTE_ARRAY in Parquet), a double and UUIDs written by
// DuckDB as CSV and as Parquet: one logical id. node gen-decimal38.mjs OUTDIR
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const out = process.argv[2];
await c.run(`CREATE TABLE t AS SELECT i AS id,
  ((i * 7919) % 100000000000 - 50000000000)::DECIMAL(38, 10) / 1000 AS dec38,
  ((i * 104729) % 10000000000000)::DECIMAL(30, 4) AS dec30,
  uuid() AS u
  FROM range(0, 300) r(i)`);
await c.run(`UPDATE t SET u = ('00000000-0000-4000-8000-' || lpad(id::VARCHAR, 12, '0'))::UUID`);
await c.run(`COPY t TO '${out}/duck-decimal38.csv' (HEADER)`);
await c.run(`COPY t TO '${out}/duck-decimal38.parquet' (FORMAT PARQUET)`);
console.log('ok');
