// Converts the real CSV datasets that Debian's python3-sklearn and
// python3-statsmodels ship into Parquet (and, for the small ones, JSON
// Lines) with DuckDB, an independent implementation, so the test suite can
// check that whorl gives one logical id to the same table in each format.
//   npm install --ignore-scripts @duckdb/node-api   (in some scratch folder)
//   node gen.mjs OUTDIR CSV...
// The outputs are committed (tests/data/real/duckdb/); the CSVs are not:
// tests/tables/fetch-real.sh extracts them from the Debian packages.
import { DuckDBInstance } from '@duckdb/node-api';
import { basename } from 'node:path';
import { statSync } from 'node:fs';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`SET threads = 1`);
const out = process.argv[2];
for (const path of process.argv.slice(3)) {
  const pkg = path.includes('/sklearn/') ? 'sklearn' : 'statsmodels';
  const name = `${pkg}-${basename(path).replace(/\.csv(\.gz)?$/, '')}`;
  try {
    await c.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('${path}')`);
    await c.run(`COPY t TO '${out}/${name}.parquet' (FORMAT PARQUET, COMPRESSION 'zstd')`);
    if (statSync(path).size < 20000) await c.run(`COPY t TO '${out}/${name}.jsonl' (FORMAT JSON)`);
    console.log('ok', name);
  } catch (e) {
    console.log('skip', name, String(e).split('\n')[0]);
  }
}
