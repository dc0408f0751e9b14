import type { Logger } from '../../core/log/logger.js';
import { ObjectNotFoundError, type ObjectStore } from '../../core/object-store/object-store.js';
import type { EventRecord } from '../../core/event-log/event-log.js';
import { fxEventSchema } from '../events.js';
import { isPortfolioEvent, type PortfolioEvent } from '../portfolio/portfolio.js';
import type { PortfolioStore } from '../portfolio/portfolio-store.js';
import { isValidFxEvent } from './fast-validate.js';
import { putRawFiles, RawBatchBuilder, type LoadDates } from './raw-writer.js';

/** Where the processor records the boundaries of its batches, one small object per batch. */
export const PLAN_PREFIX = '_manifests/fx-processor/';

/** Why a batch was cut where it was. */
export type CutReason = 'count' | 'time' | 'end-of-log' | 'stop' | 'delivery';

/**
 * The durable record of a batch's boundaries, written before any of its effects. A batch that
 * starts at a position with a plan is always re-cut exactly as planned, so a crash between the
 * lake writes and the checkpoint, or a replay from the start, rewrites the very same files.
 */
export interface BatchPlan {
  version: 1;
  /** Positions of the first and the last record. */
  first: string;
  last: string;
  /** The cursor after the last record (what the checkpoint becomes). */
  next: string;
  count: number;
  cut: CutReason;
}

/**
 * A position as a file-name fragment: `00000000000000000042` stays as it is; a Kinesis position
 * `{"shardId-000000000000":"4959…"}` becomes `shardId-000000000000_4959…`.
 */
export function positionSlug(position: string): string {
  const slug = position.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '');
  if (slug === '')
    throw new RangeError(`position ${JSON.stringify(position)} has no usable characters`);
  return slug;
}

/**
 * The name of a batch's files in every partition, from the positions it covers.
 * @example batchFileName('00000000000000000001', '00000000000000000500')
 * // → 'part-00000000000000000001-00000000000000000500'
 */
export function batchFileName(first: string, last: string): string {
  return `part-${positionSlug(first)}-${positionSlug(last)}`;
}

function planKey(stream: string, first: string): string {
  return `${PLAN_PREFIX}${positionSlug(stream)}/batches/${positionSlug(first)}.json`;
}

/** The plan of the batch starting at `first`, if one was recorded. */
export async function readPlan(
  datalake: ObjectStore,
  stream: string,
  first: string,
): Promise<BatchPlan | undefined> {
  let body: Buffer;
  try {
    body = await datalake.get(planKey(stream, first));
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
  const plan = JSON.parse(body.toString('utf8')) as BatchPlan;
  if (plan.version !== 1 || plan.first !== first || !(plan.count > 0)) {
    throw new Error(`batch plan ${planKey(stream, first)} is damaged: ${body.toString('utf8')}`);
  }
  return plan;
}

export async function writePlan(
  datalake: ObjectStore,
  stream: string,
  plan: BatchPlan,
  options: { replace?: boolean } = {},
): Promise<boolean> {
  const body = `${JSON.stringify(plan)}\n`;
  if (options.replace) {
    await datalake.put(planKey(stream, plan.first), body, { contentType: 'application/json' });
    return true;
  }
  // The plan as it stands decides: written only where none exists yet (see `putIfAbsent`).
  if (await readPlan(datalake, stream, plan.first)) return false;
  return datalake.putIfAbsent(planKey(stream, plan.first), body, {
    contentType: 'application/json',
  });
}

/** What one batch did. */
export interface BatchResult {
  name: string;
  records: number;
  transactions: number;
  ticks: number;
  accounts: number;
  /** Records that are not valid FX events (written to the quarantine with the reason). */
  invalid: number;
  /** Portfolio outcomes. */
  applied: number;
  duplicates: number;
  rejected: number;
  files: number;
  /** Folders of the raw tables the batch wrote to (`raw/fx_precios/`), without the quarantine. */
  rawTablePrefixes: string[];
}

export interface BatchDeps {
  datalake: ObjectStore;
  portfolios: PortfolioStore;
  dates: LoadDates;
  logger: Logger;
}

/**
 * The processor's core, shared by the in-process processor and the Kinesis Lambda: decodes and
 * validates one batch of records, writes its raw lake files (named `name`), then applies its
 * AccountOpened / TransactionExecuted events to the portfolios (idempotent by event id). Both
 * effects are durable when it resolves; it throws if either fails, and running it again with the
 * same records and name is safe (same files, duplicates skipped).
 */
export async function processBatch(
  deps: BatchDeps,
  records: readonly EventRecord[],
  name: string,
): Promise<BatchResult> {
  const builder = new RawBatchBuilder(deps.dates);
  const portfolioEvents: PortfolioEvent[] = [];
  const result: BatchResult = {
    name,
    records: records.length,
    transactions: 0,
    ticks: 0,
    accounts: 0,
    invalid: 0,
    applied: 0,
    duplicates: 0,
    rejected: 0,
    files: 0,
    rawTablePrefixes: [],
  };
  for (const record of records) {
    const text = record.data.toString('utf8');
    let error: string;
    try {
      const value: unknown = JSON.parse(text);
      const parsed = isValidFxEvent(value)
        ? { success: true as const, data: value }
        : fxEventSchema.safeParse(value);
      if (parsed.success) {
        const event = parsed.data;
        builder.add(event);
        if (event.type === 'PriceTick') result.ticks++;
        else if (event.type === 'AccountOpened') result.accounts++;
        else if (event.type === 'TransactionExecuted') result.transactions++;
        if (isPortfolioEvent(event)) portfolioEvents.push(event);
        continue;
      }
      const issue = parsed.error.issues[0];
      error = `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`;
    } catch (err) {
      error = `not JSON: ${(err as Error).message}`;
    }
    result.invalid++;
    builder.addInvalid({
      position: record.position,
      partitionKey: record.partitionKey,
      appendedAt: record.appendedAt,
      error,
      data: text,
    });
  }
  if (result.invalid > 0) {
    deps.logger.warn({ batch: name, invalid: result.invalid }, 'invalid FX records quarantined');
  }
  const files = builder.files(name);
  result.files = files.length;
  result.rawTablePrefixes = [
    ...new Set(files.filter((f) => f.key.startsWith('raw/')).map((f) => `raw/${f.table}/`)),
  ];
  // The lake writes (I/O) overlap the portfolio apply; both must succeed before this resolves.
  const written = putRawFiles(deps.datalake, files);
  const applying =
    portfolioEvents.length > 0
      ? // Validated above (fast check or zod): the store need not check the schemas again.
        deps.portfolios.applyBatch(portfolioEvents, { validated: true })
      : undefined;
  const [w, a] = await Promise.allSettled([written, applying]);
  if (w.status === 'rejected') throw w.reason;
  if (a.status === 'rejected') throw a.reason;
  if (a.value) {
    const applied = a.value;
    result.applied = applied.applied;
    result.duplicates = applied.duplicates;
    result.rejected = applied.rejected;
    if (applied.rejected > 0) {
      const sample = applied.outcomes
        .filter((o) => o.status === 'rejected')
        .slice(0, 3)
        .map((o) => o.error?.message);
      deps.logger.warn(
        { batch: name, rejected: applied.rejected, sample },
        'portfolio events refused',
      );
    }
  }
  return result;
}
