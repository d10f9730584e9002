import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const out = process.argv[2];
await c.run(`CREATE TABLE u AS SELECT i::INTEGER AS id, CASE WHEN i % 9 = 0 THEN NULL ELSE 'item-' || lpad(i::VARCHAR, 6, '0') || '-' || md5(i::VARCHAR) END AS s,
  (DATE '2024-01-01' + (i % 400)::INTEGER) AS d FROM range(0, 3000) r(i)`);
await c.run(`COPY u TO '${out}/duck-strings-v2.parquet' (FORMAT PARQUET, COMPRESSION 'zstd', PARQUET_VERSION V2, ROW_GROUP_SIZE 1000)`);
await c.run(`COPY u TO '${out}/duck-strings.csv' (HEADER)`);
console.log('ok');
