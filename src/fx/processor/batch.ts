import type { Logger } from '../../core/log/logger.js';
import { ObjectNotFoundError, type ObjectStore } from '../../core/object-store/object-store.js';
import type { EventRecord } from '../../core/event-log/event-log.js';
import { fxEventSchema } from '../events.js';
import { isPortfolioEvent, type PortfolioEvent } from '../portfolio/portfolio.js';
import type { PortfolioStore } from '../portfolio/portfolio-store.js';
import { isValidFxEvent } from './fast-validate.js';
import type { RawEventClaims } from './raw-claims.js';
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

function skipKey(stream: string, first: string): string {
  return `${PLAN_PREFIX}${positionSlug(stream)}/batches/${positionSlug(first)}.skip.json`;
}

/**
 * The events of a planned batch that are NOT written to the raw lake because another batch
 * claimed their ids first (the log is at-least-once): recorded beside the plan, once, before any
 * effect, so a re-run of the batch writes the very same files.
 */
export interface BatchSkips {
  version: 1;
  /** The batch's last position (the skips belong to this exact cut). */
  last: string;
  /** Event ids left out of the raw lake. */
  skip: string[];
}

/** The skips recorded for the batch starting at `first`, if any. */
export async function readSkips(
  datalake: ObjectStore,
  stream: string,
  first: string,
): Promise<BatchSkips | undefined> {
  let body: Buffer;
  try {
    body = await datalake.get(skipKey(stream, first));
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
  const skips = JSON.parse(body.toString('utf8')) as BatchSkips;
  if (skips.version !== 1 || !Array.isArray(skips.skip)) {
    throw new Error(`batch skips ${skipKey(stream, first)} are damaged: ${body.toString('utf8')}`);
  }
  return skips;
}

/**
 * The ids of `records` the raw lake must leave out for the planned batch `plan`: the recorded
 * decision when there is one, else the claims' answer, recorded first (the first record wins;
 * the claims give every instance the same answer anyway).
 */
export async function decideSkips(
  datalake: ObjectStore,
  claims: RawEventClaims,
  stream: string,
  plan: Pick<BatchPlan, 'first' | 'last'>,
  records: readonly EventRecord[],
): Promise<Set<string>> {
  const recorded = await readSkips(datalake, stream, plan.first);
  if (recorded && recorded.last === plan.last) return new Set(recorded.skip);
  const ids: string[] = [];
  for (const r of records) {
    const id = eventIdOf(r);
    if (id !== undefined) ids.push(id);
  }
  const taken = await claims.claim(stream, batchFileName(plan.first, plan.last), ids);
  const body: BatchSkips = { version: 1, last: plan.last, skip: [...taken].sort() };
  const key = skipKey(stream, plan.first);
  if (recorded) {
    // Left by a cut that lost to another plan: this plan's decision replaces it.
    await datalake.put(key, `${JSON.stringify(body)}\n`, { contentType: 'application/json' });
    return taken;
  }
  if (
    !(await datalake.putIfAbsent(key, `${JSON.stringify(body)}\n`, {
      contentType: 'application/json',
    }))
  ) {
    const stored = await readSkips(datalake, stream, plan.first);
    if (stored && stored.last === plan.last) return new Set(stored.skip);
  }
  return taken;
}

/** The `id` of a record's JSON event, without validating it (invalid records are never skipped). */
function eventIdOf(record: EventRecord): string | undefined {
  const text = record.data.toString('utf8');
  const m = /"id"\s*:\s*"([^"\\]{1,100})"/.exec(text);
  if (!m) return undefined;
  try {
    const value = JSON.parse(text) as { id?: unknown };
    return typeof value.id === 'string' ? value.id : undefined;
  } catch {
    return undefined;
  }
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
  /** Events left out of the raw lake: their id was written by another batch (or earlier in this one). */
  repeated: number;
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
  /**
   * Event ids to leave out of the raw lake (another batch wrote them); when given, an id
   * repeated inside the batch is also written once. Portfolios still get every event (they drop
   * repeated ids themselves). @default absent: every valid event is written
   */
  skip?: ReadonlySet<string>,
): Promise<BatchResult> {
  const seen = skip ? new Set<string>() : undefined;
  const builder = new RawBatchBuilder(deps.dates);
  const portfolioEvents: PortfolioEvent[] = [];
  const result: BatchResult = {
    name,
    records: records.length,
    transactions: 0,
    ticks: 0,
    accounts: 0,
    invalid: 0,
    repeated: 0,
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
        if (seen && (skip?.has(event.id) || seen.has(event.id))) result.repeated++;
        else {
          seen?.add(event.id);
          builder.add(event);
        }
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
