import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { RAW_TABLES } from '../../processor/raw-rows.js';
import { listAll, type ObjectStore } from '../../../core/object-store/object-store.js';

/**
 * Runs `fn` with a local folder holding the datalake's raw FX tables, for DuckDB to read. A store
 * kept in a local folder is used in place; any other (S3) has its `raw/fx_*` objects copied
 * through the ObjectStore port into a temp folder under `tempRoot`, removed afterwards (DuckDB
 * cannot read `s3://` on this machine: httpfs would be downloaded at run time).
 */
export async function withLocalLake<T>(
  datalake: ObjectStore,
  tempRoot: string,
  fn: (lakeDir: string) => Promise<T>,
): Promise<T> {
  if (datalake.localPath) return fn(path.dirname(datalake.localPath('raw')));
  await mkdir(tempRoot, { recursive: true });
  const dir = await mkdtemp(path.join(tempRoot, 'lake-'));
  try {
    for (const table of Object.values(RAW_TABLES)) {
      for await (const info of listAll(datalake, `raw/${table}/`)) {
        const target = path.join(dir, ...info.key.split('/'));
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, await datalake.get(info.key));
      }
    }
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
