import { randomBytes } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path/posix';
import type { Logger } from '../../core/log/logger.js';
import {
  copyBetween,
  listAll,
  ObjectExistsError,
  ObjectNotFoundError,
  type IrregularEntry,
  type ObjectInfo,
  type ObjectStore,
} from '../../core/object-store/object-store.js';
import { normalizeColumnName, type EnergyEntity } from '../entities.js';
import { applyAliases, matchesFileName, type EntitySource } from '../contracts/compile.js';
import { builtinContracts, sourcesOf } from '../contracts/load-contracts.js';
import { inspectFile, inspectingTransform, type Inspection } from './inspect.js';
import {
  sameOwnerProcess,
  type ClaimOwner,
  type IngestClaims,
  type LandingClaim,
  type RawKeyClaim,
} from './ingest-claims.js';
import { isProcessAlive } from '../../core/util/process.js';
import { Sha256Thread } from '../../core/util/sha256-thread.js';
import { loadDateOf } from '../../core/util/time-zone.js';
import {
  MANIFEST_PREFIX,
  manifestEntrySchema,
  manifestKeyForRaw,
  manifestKeyForSha,
  partitionPath,
  type ManifestEntry,
} from './manifest.js';
import { rejection, type Rejection } from './messages.js';

export interface IngestDeps {
  source: ObjectStore;
  datalake: ObjectStore;
  log: Logger;
  /** Time zone of the load date. @default 'America/Bogota' */
  timezone?: string;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
  /** Longest record a file may have (`ingest.maxRecordBytes`). @default 1 MiB */
  maxRecordBytes?: number;
  /**
   * Claims shared by every worker on this landing store and lake (the state store): one worker
   * per landing file, one content per raw key.
   */
  claims: IngestClaims;
  /**
   * A claim of a process on another host older than this may be taken over (that worker is
   * presumed dead); a claim of this host is taken over as soon as its process is gone.
   * @default 15 minutes
   */
  claimTtlMs?: number;
  /**
   * The entities files are recognised as (file-name patterns, header signature, aliases), from
   * the contracts. @default the shipped contract's (clientes, proveedores, transacciones)
   */
  entities?: readonly EntitySource[];
}

const DEFAULT_CLAIM_TTL_MS = 15 * 60 * 1000;

export interface IngestOptions {
  /** Partition date `YYYY-MM-DD`; default: today in the time zone. */
  loadDate?: string;
  /** Files modified more recently than this are left for the next run. @default 0 */
  minFileAgeMs?: number;
  /** Stop between files when this signal aborts (work in progress is finished first). */
  signal?: AbortSignal;
}

export type FileStatus = 'loaded' | 'duplicate' | 'quarantined' | 'deferred' | 'failed';

export interface FileOutcome {
  sourceKey: string;
  status: FileStatus;
  bytes: number;
  entity?: EnergyEntity;
  rows?: number;
  rawKey?: string;
  /** For duplicates: the raw file that already holds this content. */
  duplicateOf?: string;
  quarantineKey?: string;
  reason?: Rejection;
  error?: string;
}

export interface IngestReport {
  runId: string;
  loadDate: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  totals: Record<FileStatus, number> & { bytesLoaded: number; rowsLoaded: number };
  files: FileOutcome[];
}

/** Prefixes of the datalake the ingestion writes besides raw/ and quarantine/. */
const PENDING_PREFIX = `${MANIFEST_PREFIX}pending/`;
const RUNS_PREFIX = `${MANIFEST_PREFIX}ingest-runs/`;
/** Copies in flight; anything left here by a killed run is swept by the next one. */
const STAGING_PREFIX = '_staging/ingest/';
const STALE_STAGING_MS = 10 * 60 * 1000;
/** Files from this size on are hashed in a worker thread (its start-up costs milliseconds). */
const PARALLEL_HASH_MIN_BYTES = 8 << 20;

/** Landing names that are never taken: hidden entries (files or folders) and in-progress uploads. */
export function isIgnoredLandingKey(key: string): boolean {
  const base = path.basename(key);
  return isHiddenKey(key) || /\.(part|tmp|filepart|crdownload|partial)$/i.test(base);
}

/** A key with a hidden segment: `.DS_Store`, `.hidden/clientes.csv`. */
function isHiddenKey(key: string): boolean {
  return key.split('/').some((segment) => segment.startsWith('.'));
}

/** Hidden landing keys already logged by this process (each is said once). */
const reportedHidden = new Set<string>();

/** A sortable, unique run id: `20261127T201500123Z-1a2b3c`. */
export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

function builtinSources(): EntitySource[] {
  return sourcesOf(builtinContracts());
}

/** Recognises the entity from the file name: the first whose patterns match it (folded). */
export function entityFromName(
  fileName: string,
  sources: readonly EntitySource[] = builtinSources(),
): EnergyEntity | undefined {
  return sources.find((s) => matchesFileName(s, fileName))?.entity;
}

/**
 * Recognises the entity from a header: the one whose header signature is present once its
 * aliases are applied, when exactly one entity matches.
 */
export function entityFromColumns(
  columns: readonly string[],
  sources: readonly EntitySource[] = builtinSources(),
): EnergyEntity | undefined {
  const matches = sources.filter((s) => {
    const have = new Set(applyAliases(s, columns));
    return s.headerSignature.every((c) => have.has(c));
  });
  return matches.length === 1 ? matches[0]!.entity : undefined;
}

/**
 * Ingests every file now in the landing store (the `energy-data-ingestion` Lambda's job).
 * Files are taken one at a time; a bad file is quarantined and the run goes on.
 */
export async function ingestOnce(
  deps: IngestDeps,
  options: IngestOptions = {},
): Promise<IngestReport> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const runId = newRunId(started);
  const loadDate = options.loadDate ?? loadDateOf(started, deps.timezone ?? 'America/Bogota');
  await sweepStaleStaging(deps.datalake, started);
  const files: FileOutcome[] = [];
  const keys: ObjectInfo[] = [];
  for await (const info of listAll(deps.source, '')) {
    if (!isIgnoredLandingKey(info.key)) keys.push(info);
    else if (isHiddenKey(info.key) && !reportedHidden.has(info.key)) {
      reportedHidden.add(info.key);
      deps.log.info({ sourceKey: info.key }, 'hidden landing entry ignored');
    }
  }
  for (const info of keys) {
    if (options.signal?.aborted) break;
    const age = started.getTime() - info.modifiedAt.getTime();
    if (options.minFileAgeMs && age < options.minFileAgeMs) {
      files.push({ sourceKey: info.key, status: 'deferred', bytes: info.size });
      continue;
    }
    const outcome = await ingestKey(deps, info.key, { runId, loadDate });
    if (outcome) files.push(outcome);
  }
  for (const entry of (await deps.source.listIrregular?.()) ?? []) {
    if (options.signal?.aborted) break;
    if (isIgnoredLandingKey(entry.key)) continue;
    files.push(await quarantineIrregular(deps, entry, { runId, loadDate }));
  }
  const report = summarize(runId, loadDate, started, now(), files);
  if (files.some((f) => f.status !== 'deferred')) {
    await deps.datalake.put(
      `${RUNS_PREFIX}${partitionPath(loadDate)}/${runId}.json`,
      JSON.stringify(report, null, 2),
    );
  }
  return report;
}

export interface IngestKeyContext {
  runId: string;
  loadDate: string;
}

/**
 * Ingests one landing file. Safe to re-run after a crash at any point, and to run in several
 * workers at once on one landing store: the steps are (1) claim the landing file, (2) copy it
 * once into a staging object while inspecting it (sha256, records, encoding, delimiter; durable
 * before anything else happens), (3) claim a raw key for its content, (4) record an intent naming
 * the raw key, (5) put the staged copy at the raw key without ever replacing an object, (6) write
 * the manifest (the sha256 entry is the commit point), (7) delete the landing file and the
 * intent. A re-run finds the claims, the intent or the manifest and completes the same file
 * exactly once.
 *
 * @returns the outcome, or `undefined` when the file is not this worker's: another live worker
 *   holds it, or it was taken and deleted by one before this worker could read it.
 */
export async function ingestKey(
  deps: IngestDeps,
  sourceKey: string,
  ctx: IngestKeyContext,
): Promise<FileOutcome | undefined> {
  const log = deps.log.child({ sourceKey });
  const before = await deps.source.head(sourceKey);
  if (!before) {
    log.debug('the landing file is gone (taken by another worker)');
    return undefined;
  }
  const now = deps.now ?? (() => new Date());
  const me: ClaimOwner = { host: hostname(), pid: process.pid, runId: ctx.runId };
  const ttl = deps.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
  const landing = await claimLanding(deps.claims, sourceKey, before.etag ?? '', me, now, ttl);
  if (!landing) {
    log.debug('another worker holds this landing file');
    return undefined;
  }
  const staging = `${STAGING_PREFIX}${ctx.runId}/${randomBytes(8).toString('hex')}`;
  try {
    // One read: the landing file streams through the inspector into a staging object of the lake
    // (a fsynced local file, or a multipart upload), so it is hashed, inspected and copied at once.
    let inspection: Inspection;
    const inspectOptions = {
      ...(deps.maxRecordBytes !== undefined ? { maxRecordBytes: deps.maxRecordBytes } : {}),
      // A second core hashes while this one scans; not worth a thread for small files.
      parallelHash: before.size >= PARALLEL_HASH_MIN_BYTES,
    };
    try {
      if (deps.source.localPath && deps.datalake.putFileAndRead) {
        // Both local: a kernel copy (no bytes through JS), then the copy itself is inspected
        // from the page cache while it is fsynced, so the hash is of exactly the staged bytes.
        // The hash thread is started first: it boots while the kernel copies.
        const hashThread = inspectOptions.parallelHash ? new Sha256Thread() : undefined;
        try {
          inspection = await deps.datalake.putFileAndRead(
            staging,
            deps.source.localPath(sourceKey),
            (copy) =>
              inspectFile(copy, { ...inspectOptions, ...(hashThread ? { hashThread } : {}) }),
          );
        } finally {
          // Ended already unless the copy failed before the inspection began.
          await hashThread?.abort();
        }
      } else {
        const tap = inspectingTransform(inspectOptions);
        const stream = await deps.source.getStream(sourceKey);
        // `pipe` does not forward errors: a failing read must fail the write too.
        stream.once('error', (err) => tap.destroy(err));
        await deps.datalake.put(staging, stream.pipe(tap));
        inspection = await tap.inspection;
      }
    } catch (err) {
      const gone =
        (err instanceof ObjectNotFoundError && err.key === sourceKey) ||
        (isNotFoundCode(err) && !(await deps.source.head(sourceKey)));
      if (gone) {
        log.debug('the landing file is gone (taken by another worker)');
        return undefined;
      }
      throw err;
    }
    const fileName = path.basename(sourceKey);
    const verdict = classify(fileName, inspection, deps.entities ?? builtinSources());
    if ('rejection' in verdict) {
      return await quarantine(deps, sourceKey, inspection, verdict.rejection, ctx, log, staging);
    }
    const { entity, columns } = verdict;

    const committed = await readJson(deps.datalake, manifestKeyForSha(inspection.sha256));
    if (committed) {
      const entry = manifestEntrySchema.parse(committed);
      // The stale intent first: a kill between the two deletes then leaves the landing file,
      // which the next run takes as this same duplicate (the other order orphans the intent).
      await deps.datalake.delete(`${PENDING_PREFIX}${inspection.sha256}.json`);
      await deps.source.delete(sourceKey);
      log.info({ duplicateOf: entry.rawKey }, 'duplicate content skipped');
      return {
        sourceKey,
        status: 'duplicate',
        bytes: inspection.bytes,
        entity,
        duplicateOf: entry.rawKey,
      };
    }

    const pendingKey = `${PENDING_PREFIX}${inspection.sha256}.json`;
    const pending = (await readJson(deps.datalake, pendingKey)) as
      { rawKey: string; loadDate: string } | undefined;
    const loadDate = pending?.loadDate ?? ctx.loadDate;
    const claim = await claimRawKey(deps, {
      sha256: inspection.sha256,
      sourceKey,
      owner: me,
      now,
      ttl,
      resumed: pending !== undefined,
      // After a crash the intent names the key already chosen; else the first free name.
      candidates: pending
        ? [pending.rawKey]
        : candidateKeys(`raw/${entity}/${partitionPath(loadDate)}`, fileName, inspection.sha256),
    });
    if (claim === 'busy') {
      log.info('the same content is being loaded by another worker from another landing file');
      return { sourceKey, status: 'deferred', bytes: before.size };
    }
    const rawKey = claim.rawKey;
    if (!pending) {
      await deps.datalake.put(
        pendingKey,
        JSON.stringify({ rawKey, loadDate, sourceKey, runId: ctx.runId }),
      );
    }
    // Never replace a raw object: the claim gives this key to this content alone, and the
    // conditional write refuses an existing object besides (where the store honours it).
    const placed =
      !(await deps.datalake.head(rawKey)) && (await placeStaged(deps.datalake, staging, rawKey));
    const after = await deps.source.head(sourceKey);
    const rawNow = await deps.datalake.head(rawKey);
    if (
      !after ||
      after.size !== before.size ||
      after.etag !== before.etag ||
      inspection.bytes !== before.size ||
      rawNow?.size !== before.size
    ) {
      // The landing file changed while it was copied: undo our copy, take it on the next run.
      if (placed) await deps.datalake.delete(rawKey);
      await deps.datalake.delete(pendingKey);
      await deps.claims.releaseRawKey(inspection.sha256, me);
      log.warn('landing file changed while it was being copied; it will be taken on the next run');
      return { sourceKey, status: 'deferred', bytes: before.size };
    }

    const entry: ManifestEntry = {
      version: 1,
      entity,
      sourceKey,
      rawKey,
      sha256: inspection.sha256,
      bytes: inspection.bytes,
      rows: inspection.rows,
      encoding: inspection.encoding!,
      delimiter: inspection.delimiter!,
      lineEnding: inspection.lineEnding,
      header: inspection.header,
      columns,
      loadDate,
      loadedAt: now().toISOString(),
      runId: ctx.runId,
    };
    const body = JSON.stringify(entry, null, 2);
    await deps.datalake.put(manifestKeyForRaw(rawKey), body);
    await deps.datalake.put(manifestKeyForSha(inspection.sha256), body);
    // The manifest is committed: drop the intent, then the landing file. A kill in between
    // leaves the landing file, which the next run finds already loaded (a duplicate of itself).
    await deps.datalake.delete(pendingKey);
    await deps.source.delete(sourceKey);
    log.info({ rawKey, rows: entry.rows, bytes: entry.bytes }, 'loaded');
    return { sourceKey, status: 'loaded', bytes: entry.bytes, entity, rows: entry.rows, rawKey };
  } catch (err) {
    log.error({ err }, 'ingestion of the file failed; it stays in landing');
    return { sourceKey, status: 'failed', bytes: before.size, error: (err as Error).message };
  } finally {
    // Gone already when it was renamed into place; a no-op then.
    await deps.datalake.delete(staging).catch(() => undefined);
    await deps.claims.releaseLanding(sourceKey, me).catch(() => undefined);
  }
}

/** A claim may be taken over: its process is gone (this host), or it is older than `ttl`. */
function isStale(
  owner: ClaimOwner,
  claimedAt: string,
  me: ClaimOwner,
  now: Date,
  ttl: number,
): boolean {
  if (owner.host === me.host) return owner.pid === me.pid || !isProcessAlive(owner.pid);
  return now.getTime() - Date.parse(claimedAt) > ttl;
}

/** Takes the landing file for `me`, or resolves `undefined` when another live worker holds it. */
async function claimLanding(
  claims: IngestClaims,
  sourceKey: string,
  etag: string,
  me: ClaimOwner,
  now: () => Date,
  ttl: number,
): Promise<LandingClaim | undefined> {
  const mine: LandingClaim = { sourceKey, etag, owner: me, claimedAt: now().toISOString() };
  const held = await claims.claimLanding(mine);
  if (held.owner.runId === me.runId && sameOwnerProcess(held.owner, me)) return held;
  if (!isStale(held.owner, held.claimedAt, me, now(), ttl)) return undefined;
  return (await claims.replaceLanding(held, mine)) ? mine : undefined;
}

/**
 * Gives the content a raw key: the key its earlier claim names (taken over when that worker is
 * gone), else the first candidate that is neither an object nor claimed by other content.
 * `'busy'` when a live worker is loading the same content from another landing file.
 */
async function claimRawKey(
  deps: IngestDeps,
  request: {
    sha256: string;
    sourceKey: string;
    owner: ClaimOwner;
    now: () => Date;
    ttl: number;
    /** The single candidate is the key an intent of an earlier run named. */
    resumed: boolean;
    candidates: string[];
  },
): Promise<RawKeyClaim | 'busy'> {
  const { sha256, sourceKey, owner: me, now, ttl } = request;
  const takeOver = async (held: RawKeyClaim): Promise<RawKeyClaim | 'busy'> => {
    if (held.owner.runId === me.runId && sameOwnerProcess(held.owner, me)) return held;
    if (!isStale(held.owner, held.claimedAt, me, now(), ttl)) return 'busy';
    const next = { ...held, sourceKey, owner: me, claimedAt: now().toISOString() };
    return (await deps.claims.replaceRawKey(held, next)) ? next : 'busy';
  };
  const earlier = await deps.claims.rawKeyOf(sha256);
  if (earlier) return takeOver(earlier);
  const resumed = request.resumed;
  for (const rawKey of request.candidates) {
    // An object already there (written before claims existed) rules a fresh name out.
    if (!resumed && (await deps.datalake.head(rawKey))) continue;
    const claim: RawKeyClaim = {
      sha256,
      rawKey,
      sourceKey,
      owner: me,
      claimedAt: now().toISOString(),
    };
    const held = await deps.claims.claimRawKey(claim);
    if (held === 'key-taken') continue;
    return held === claim ? claim : takeOver(held);
  }
  throw new Error(`no free raw key for ${sourceKey} (tried ${request.candidates.length} names)`);
}

/** Moves (local folder) or copies (S3) the staged object to `rawKey`; `false` if it exists. */
async function placeStaged(store: ObjectStore, staging: string, rawKey: string): Promise<boolean> {
  if (!store.rename) return store.copyIfAbsent(staging, rawKey);
  try {
    await store.rename(staging, rawKey);
    return true;
  } catch (err) {
    if (err instanceof ObjectExistsError) return false;
    throw err;
  }
}

/** `<name>`, then `<stem>__<sha12><ext>`, then with a counter: distinct contents, stable names. */
function candidateKeys(folder: string, fileName: string, sha256: string): string[] {
  const ext = path.extname(fileName);
  const stem = fileName.slice(0, fileName.length - ext.length);
  const names = [fileName, `${stem}__${sha256.slice(0, 12)}${ext}`];
  for (let i = 2; i < 1000; i++) names.push(`${stem}__${sha256.slice(0, 12)}_${i}${ext}`);
  return names.map((name) => `${folder}/${name}`);
}

type Verdict = { entity: EnergyEntity; columns: string[] } | { rejection: Rejection };

function classify(
  fileName: string,
  inspection: Inspection,
  sources: readonly EntitySource[],
): Verdict {
  if (inspection.problem) {
    return { rejection: rejection(inspection.problem.code, inspection.problem.detail) };
  }
  const normalized = inspection.header.map(normalizeColumnName);
  const entity = entityFromName(fileName, sources) ?? entityFromColumns(normalized, sources);
  const source = sources.find((s) => s.entity === entity);
  if (!entity || !source) {
    return {
      rejection: rejection(
        'unknown_entity',
        `cannot tell the entity: the name matches no file pattern of ${sources.map((s) => s.entity).join(', ')} and ` +
          `the header (${normalized.join(', ')}) does not carry the header signature of exactly one of them`,
      ),
    };
  }
  // Aliases declared in the entity's contract name the columns (`cantidad_kwh` → `cantidad_comprada_kwh`).
  const columns = applyAliases(source, normalized);
  const missing = source.requiredColumns.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    return {
      rejection: rejection(
        'missing_columns',
        `${entity} file is missing required column(s): ${missing.join(', ')} (header: ${columns.join(', ')})`,
        { missingColumns: missing, entity },
      ),
    };
  }
  return { entity, columns };
}

/**
 * `<folder>/<name>` if free; else `<folder>/<stem>__<sha12><ext>`, then with a counter.
 * The sha-derived name keeps distinct contents under distinct, stable names.
 */
async function chooseFreeKey(
  store: ObjectStore,
  folder: string,
  fileName: string,
  sha256: string,
): Promise<string> {
  const ext = path.extname(fileName);
  const stem = fileName.slice(0, fileName.length - ext.length);
  const candidates = [fileName, `${stem}__${sha256.slice(0, 12)}${ext}`];
  for (let i = 2; i < 1000; i++) candidates.push(`${stem}__${sha256.slice(0, 12)}_${i}${ext}`);
  for (const name of candidates) {
    const key = `${folder}/${name}`;
    if (!(await store.head(key))) return key;
  }
  throw new Error(`no free name for ${fileName} in ${folder}`);
}

async function quarantine(
  deps: IngestDeps,
  sourceKey: string,
  inspection: Inspection,
  reason: Rejection,
  ctx: IngestKeyContext,
  log: Logger,
  staging?: string,
): Promise<FileOutcome> {
  const folder = `quarantine/files/${ctx.loadDate}`;
  const fileName = path.basename(sourceKey);
  // Re-use the key whose record names this content (a re-run after a crash), else take the
  // first name with neither a file nor a record.
  let target: string | undefined;
  const ext = path.extname(fileName);
  const stem = fileName.slice(0, fileName.length - ext.length);
  const short = inspection.sha256.slice(0, 12);
  const names = [fileName, `${stem}__${short}${ext}`];
  for (let i = 2; i < 1000; i++) names.push(`${stem}__${short}_${i}${ext}`);
  for (const name of names) {
    const key = `${folder}/${name}`;
    const previous = (await readJson(deps.datalake, `${key}.error.json`)) as
      { sha256?: string } | undefined;
    if (previous?.sha256 === inspection.sha256 || (!previous && !(await deps.datalake.head(key)))) {
      target = key;
      break;
    }
  }
  if (!target) throw new Error(`no free name for ${fileName} in ${folder}`);
  const errorDoc = {
    sourceKey,
    quarantineKey: target,
    ...reason,
    sha256: inspection.sha256,
    bytes: inspection.bytes,
    ...(inspection.encoding ? { encoding: inspection.encoding } : {}),
    ...(inspection.delimiter ? { delimiter: inspection.delimiter } : {}),
    ...(inspection.header.length ? { header: inspection.header } : {}),
    quarantinedAt: (deps.now ?? (() => new Date()))().toISOString(),
    runId: ctx.runId,
  };
  // The record first, then the copy: a crash between the two leaves a record whose content
  // (sha256) is still in landing, and the next run puts the copy under that same key. The other
  // order left an orphan copy with no record, and the next run made a second one beside it.
  await deps.datalake.put(`${target}.error.json`, JSON.stringify(errorDoc, null, 2));
  if (staging && deps.datalake.rename && !(await deps.datalake.head(target))) {
    await deps.datalake.rename(staging, target);
  } else {
    await copyBetween(deps.source, sourceKey, deps.datalake, target);
  }
  await deps.source.delete(sourceKey);
  log.warn({ quarantineKey: target, reason: reason.code }, `quarantined: ${reason.message}`);
  return {
    sourceKey,
    status: 'quarantined',
    bytes: inspection.bytes,
    quarantineKey: target,
    reason,
  };
}

const IRREGULAR_WHAT: Record<IrregularEntry['kind'], string> = {
  symlink: 'a symbolic link',
  fifo: 'a FIFO (named pipe)',
  socket: 'a socket',
  device: 'a device file',
  folder: 'an empty folder named like a data file',
};

/**
 * A landing entry that is not a regular file is never opened or followed. It is reported as
 * `not_a_regular_file` and, where both stores are local folders on one file system, moved
 * itself (not what it points to) into `quarantine/files/<date>/`; elsewhere it stays in landing
 * and is reported on every run.
 */
async function quarantineIrregular(
  deps: IngestDeps,
  entry: IrregularEntry,
  ctx: IngestKeyContext,
): Promise<FileOutcome> {
  const reason = rejection(
    'not_a_regular_file',
    `${entry.key} is ${IRREGULAR_WHAT[entry.kind]}, not a regular file; it is not read`,
  );
  const log = deps.log.child({ sourceKey: entry.key });
  const outcome: FileOutcome = {
    sourceKey: entry.key,
    status: 'quarantined',
    bytes: 0,
    reason,
  };
  if (!deps.source.localPath || !deps.datalake.localPath) {
    log.warn({ reason: reason.code }, `left in landing: ${reason.message}`);
    return outcome;
  }
  const folder = `quarantine/files/${ctx.loadDate}`;
  const target = await chooseFreeKey(
    deps.datalake,
    folder,
    path.basename(entry.key),
    randomBytes(6).toString('hex'),
  );
  const to = deps.datalake.localPath(target);
  try {
    await mkdir(path.dirname(to), { recursive: true });
    await rename(deps.source.localPath(entry.key), to);
  } catch (err) {
    log.warn({ err, reason: reason.code }, `left in landing: ${reason.message}`);
    return outcome;
  }
  await deps.datalake.put(
    `${target}.error.json`,
    JSON.stringify(
      {
        sourceKey: entry.key,
        quarantineKey: target,
        ...reason,
        kind: entry.kind,
        quarantinedAt: (deps.now ?? (() => new Date()))().toISOString(),
        runId: ctx.runId,
      },
      null,
      2,
    ),
  );
  log.warn({ quarantineKey: target, reason: reason.code }, `quarantined: ${reason.message}`);
  return { ...outcome, quarantineKey: target };
}

/** Deletes staged copies left by killed runs (older than 10 minutes). */
async function sweepStaleStaging(store: ObjectStore, now: Date): Promise<void> {
  const stale: string[] = [];
  for await (const o of listAll(store, STAGING_PREFIX)) {
    if (now.getTime() - o.modifiedAt.getTime() > STALE_STAGING_MS) stale.push(o.key);
  }
  for (const key of stale) await store.delete(key);
}

/** A file-system error saying the path is not there (the landing file vanished mid-copy). */
function isNotFoundCode(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readJson(store: ObjectStore, key: string): Promise<unknown> {
  if (!(await store.head(key))) return undefined;
  try {
    return JSON.parse((await store.get(key)).toString('utf8')) as unknown;
  } catch (err) {
    if ((err as Error).name === 'ObjectNotFoundError') return undefined;
    throw err;
  }
}

function summarize(
  runId: string,
  loadDate: string,
  started: Date,
  finished: Date,
  files: FileOutcome[],
): IngestReport {
  const totals = {
    loaded: 0,
    duplicate: 0,
    quarantined: 0,
    deferred: 0,
    failed: 0,
    bytesLoaded: 0,
    rowsLoaded: 0,
  };
  for (const f of files) {
    totals[f.status]++;
    if (f.status === 'loaded') {
      totals.bytesLoaded += f.bytes;
      totals.rowsLoaded += f.rows ?? 0;
    }
  }
  return {
    runId,
    loadDate,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    totals,
    files,
  };
}
