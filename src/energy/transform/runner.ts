import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../../core/log/logger.js';
import { acquireLock } from '../../core/lock/pid-lock.js';
import { openDuckDb, type DuckDbOptions } from '../../core/duckdb/duckdb.js';
import type { EnergyEntity } from '../entities.js';
import { builtinJobs } from '../contracts/load-contracts.js';
import {
  manifestEntrySchema,
  manifestKeyForRaw,
  manifestKeyForSha,
  type ManifestEntry,
} from '../ingest/manifest.js';
import {
  ObjectNotFoundError,
  type ObjectInfo,
  type ObjectStore,
} from '../../core/object-store/object-store.js';
import { jobFor, jobReferences, type JobDefinition } from './definitions.js';
import { transformPartitionDuckDb, type RawFileInput } from './duckdb/duckdb-transform-engine.js';
import {
  deleteSiblings,
  listRawPartitions,
  localFile,
  localParquetFiles,
  processedKey,
  publishFile,
  quarantineKey,
} from './lake-files.js';
import type { JobRun, PartitionBookmark, PartitionRun, TransformState } from './transform-state.js';

export interface TransformDeps {
  datalake: ObjectStore;
  state: TransformState;
  log: Logger;
  /** `$CORRIENTE_HOME`: the lock, work files and DuckDB spill files live under it. */
  home: string;
  /**
   * DuckDB settings. @default memoryLimit '1GB', tempDirectory `$home/tmp/duckdb`,
   * threads = available cores
   */
  duckdb?: DuckDbOptions;
  /**
   * Job definitions, in dependency order, generated from the contracts (config `contracts`).
   * @default the shipped contract's jobs (clientes, proveedores, transacciones)
   */
  jobs?: readonly JobDefinition[];
  /**
   * The DuckDB query: `mapped` (each distinct value cleaned once) or `previous` (the query before
   * source contracts, for comparisons and `bench:transform`). @default 'mapped'
   */
  query?: 'mapped' | 'previous';
  now?: () => Date;
}

export interface TransformOptions {
  /** @default every job's entity */
  entities?: readonly EnergyEntity[];
  /** Reprocess every raw partition, ignoring bookmarks. @default false */
  full?: boolean;
}

export interface TransformReport {
  /** One run per job that was run, in run order. */
  runs: JobRun[];
  /** `failed` when any run failed. */
  status: 'succeeded' | 'failed';
}

/** `2026-01-02T10:11:12.345Z` → `20260102T101112Z-<hex>`. */
function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs the transform jobs (clientes, proveedores, then transacciones, which checks counterparties
 * against the other two). Like Glue job bookmarks, only raw partitions whose files changed since
 * the last successful run are processed, unless `full`. Each partition is committed on its own:
 * quarantine file, processed file (the commit point, one atomic put), then the bookmark.
 *
 * @example
 * const report = await runTransforms({ datalake, state, log, home }, { entities: ['clientes'] });
 */
export async function runTransforms(
  deps: TransformDeps,
  options: TransformOptions = {},
): Promise<TransformReport> {
  const now = deps.now ?? (() => new Date());
  const release = acquireLock(path.join(deps.home, 'state', 'transform.lock'));
  const workRoot = path.join(deps.home, 'tmp', 'transform');
  try {
    const interrupted = deps.state.failInterrupted(now());
    if (interrupted)
      deps.log.warn({ interrupted }, 'transform runs left by a dead process marked failed');
    // Work files of a killed run are garbage: nothing reads them, the lake never pointed at them.
    await fs.rm(workRoot, { recursive: true, force: true });
    const duckOptions: DuckDbOptions = {
      memoryLimit: '1GB',
      tempDirectory: path.join(deps.home, 'tmp', 'duckdb'),
      threads: availableParallelism(),
      ...deps.duckdb,
    };
    if (duckOptions.tempDirectory) await fs.mkdir(duckOptions.tempDirectory, { recursive: true });
    const instance = await openDuckDb(duckOptions);
    try {
      const all = deps.jobs ?? builtinJobs();
      const wanted = options.entities ?? all.map((j) => j.entity);
      const jobs = all.filter((j) => wanted.includes(j.entity));
      const runs: JobRun[] = [];
      for (const job of jobs) {
        runs.push(await runJob(deps, instance, job, options.full ?? false, workRoot, now));
      }
      return { runs, status: runs.some((r) => r.status === 'failed') ? 'failed' : 'succeeded' };
    } finally {
      instance.closeSync();
      await fs.rm(workRoot, { recursive: true, force: true });
    }
  } finally {
    release();
  }
}

async function runJob(
  deps: TransformDeps,
  instance: Awaited<ReturnType<typeof openDuckDb>>,
  job: JobDefinition,
  full: boolean,
  workRoot: string,
  now: () => Date,
): Promise<JobRun> {
  const started = now();
  const runId = newRunId(started);
  const log = deps.log.child({ job: job.entity, runId });
  deps.state.startRun({ runId, entity: job.entity, full, startedAt: started.toISOString() });
  const run: JobRun = {
    runId,
    entity: job.entity,
    status: 'running',
    full,
    startedAt: started.toISOString(),
    rowsIn: 0,
    rowsOut: 0,
    rejected: 0,
    duplicates: 0,
    partitions: [],
  };
  const workDir = path.join(workRoot, runId);
  try {
    await fs.mkdir(workDir, { recursive: true });
    const partitions = await listRawPartitions(deps.datalake, job.entity);
    const bookmarks = deps.state.bookmarks(job.entity);
    const toLoad = [...partitions.entries()]
      .filter(([date, files]) => full || changed(bookmarks.get(date), files))
      .sort(([a], [b]) => a.localeCompare(b));
    log.info(
      { partitions: partitions.size, toProcess: toLoad.length, full },
      'transform job started',
    );
    const refs: Partial<Record<EnergyEntity, string[]>> = {};
    if (toLoad.length) {
      for (const ref of jobReferences(job)) {
        refs[ref.entity] ??= await localParquetFiles(
          deps.datalake,
          `processed/${ref.entity}/`,
          path.join(workDir, 'refs'),
        );
      }
    }
    for (const [loadDate, infos] of toLoad) {
      const p = await runPartition(deps, instance, job, loadDate, infos, refs, workDir, runId, now);
      if (p) {
        run.partitions.push(p);
        run.rowsIn += p.rowsIn;
        run.rowsOut += p.rowsOut;
        run.rejected += p.rejected;
        run.duplicates += p.duplicates;
      }
    }
    const failed = run.partitions.filter((p) => p.status === 'failed');
    run.status = failed.length ? 'failed' : 'succeeded';
    if (failed.length) {
      run.error = failed.map((p) => `${p.loadDate}: ${p.error ?? 'falló'}`).join('; ');
    }
  } catch (err) {
    run.status = 'failed';
    run.error = (err as Error).message;
    log.error({ err }, 'transform job failed');
  }
  const finished = now();
  run.finishedAt = finished.toISOString();
  run.durationMs = finished.getTime() - started.getTime();
  deps.state.finishRun(run);
  log.info(
    {
      status: run.status,
      rowsIn: run.rowsIn,
      rowsOut: run.rowsOut,
      rejected: run.rejected,
      duplicates: run.duplicates,
    },
    'transform job finished',
  );
  return run;
}

function fileTag(info: ObjectInfo): string {
  return info.etag ?? `${info.size}-${info.modifiedAt.getTime()}`;
}

function changed(bookmark: PartitionBookmark | undefined, files: ObjectInfo[]): boolean {
  if (!bookmark) return true;
  const before = new Map(bookmark.files.map((f) => [f.key, f.tag]));
  return files.length !== before.size || files.some((f) => before.get(f.key) !== fileTag(f));
}

async function readManifest(
  store: ObjectStore,
  rawKey: string,
): Promise<ManifestEntry | undefined> {
  try {
    const entry = manifestEntrySchema.parse(
      JSON.parse((await store.get(manifestKeyForRaw(rawKey))).toString('utf8')),
    );
    // The sha256 entry is ingestion's commit point; before it, the file is not fully accepted.
    if (!(await store.head(manifestKeyForSha(entry.sha256)))) return undefined;
    return entry;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

async function runPartition(
  deps: TransformDeps,
  instance: Awaited<ReturnType<typeof openDuckDb>>,
  job: JobDefinition,
  loadDate: string,
  infos: ObjectInfo[],
  refs: Partial<Record<EnergyEntity, string[]>>,
  workRoot: string,
  runId: string,
  now: () => Date,
): Promise<PartitionRun | undefined> {
  const log = deps.log.child({ job: job.entity, loadDate });
  const workDir = path.join(workRoot, loadDate);
  await fs.mkdir(workDir, { recursive: true });
  const files: RawFileInput[] = [];
  const done: { key: string; tag: string }[] = [];
  for (const info of infos) {
    const manifest = await readManifest(deps.datalake, info.key);
    if (!manifest) {
      log.warn(
        { rawKey: info.key },
        'raw file without a committed manifest: left for the next run',
      );
      continue;
    }
    files.push({
      rawKey: info.key,
      path: await localFile(deps.datalake, info.key, workDir),
      manifest,
    });
    done.push({ key: info.key, tag: fileTag(info) });
  }
  if (!files.length) return undefined;
  const base: PartitionRun = {
    loadDate,
    status: 'failed',
    rowsIn: 0,
    rowsOut: 0,
    rejected: 0,
    broken: 0,
    duplicates: 0,
    files: files.length,
    tests: [],
  };
  try {
    const result = await transformPartitionDuckDb(instance, {
      job,
      loadDate,
      files,
      refs,
      workDir,
      ...(deps.query ? { query: deps.query } : {}),
    });
    const c = result.counts;
    const p: PartitionRun = {
      ...base,
      rowsIn: c.rowsIn,
      rowsOut: c.rowsOut,
      rejected: c.rejected,
      broken: c.broken,
      duplicates: c.duplicates,
      tests: result.tests,
    };
    const failing = result.tests.filter((t) => t.status === 'fail');
    if (failing.length) {
      p.error = `pruebas de datos fallidas: ${failing.map((t) => `${t.name} (${t.message})`).join(', ')}; se conserva la partición anterior`;
      log.error({ tests: failing }, 'data tests failed: the previous partition stays');
      return p;
    }
    for (const t of result.tests.filter((x) => x.status === 'warn')) {
      log.warn({ test: t.name, failures: t.failures }, t.message);
    }
    const qKey = quarantineKey(job.entity, loadDate);
    if (result.quarantineFile) await publishFile(deps.datalake, qKey, result.quarantineFile);
    await deleteSiblings(deps.datalake, qKey, result.quarantineFile !== undefined);
    const pKey = processedKey(job.entity, loadDate);
    await publishFile(deps.datalake, pKey, result.processedFile);
    await deleteSiblings(deps.datalake, pKey, true);
    deps.state.saveBookmark({
      entity: job.entity,
      loadDate,
      files: done,
      runId,
      committedAt: now().toISOString(),
    });
    p.status = 'committed';
    return p;
  } catch (err) {
    log.error({ err }, 'partition failed');
    return { ...base, error: (err as Error).message };
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

export { jobFor };
