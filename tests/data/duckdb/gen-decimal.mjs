import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const out = process.argv[2];
await c.run(`CREATE TABLE d AS SELECT ((i * 13 - 500) / 100.0)::DECIMAL(9,2) AS dec9, (((i - 100) * 1234567) / 10000.0)::DECIMAL(18,4) AS dec18,
  (i % 256)::UTINYINT AS u8, (i * 4000000)::UINTEGER AS u32, (i::UBIGINT * 18014398509481984) AS u64,
  CASE WHEN i % 4 = 0 THEN NULL ELSE (DATE '1960-02-27' + (i * 37)::INTEGER) END AS dt
  FROM range(0, 200) r(i)`);
await c.run(`COPY d TO '${out}/duck-decimal.parquet' (FORMAT PARQUET)`);
await c.run(`COPY d TO '${out}/duck-decimal.csv' (HEADER)`);
console.log('ok');
