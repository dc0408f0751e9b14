import {
  applyPortfolioEvent,
  parsePortfolioEvent,
  PortfolioError,
  type Portfolio,
  type PortfolioEvent,
} from './portfolio.js';
import type { ApplyOutcome, BatchApplyResult } from './portfolio-store.js';

// Shared by the adapters; not part of the public API.

/** An event of a batch with its position in the batch. */
export interface BatchItem {
  index: number;
  event: PortfolioEvent;
}

/**
 * Validates a batch (unless `validated`: the caller checked the schemas already) and groups it
 * by user, keeping each user's events in batch order. Invalid events get their `rejected`
 * outcome in `outcomes` right away.
 */
export function groupBatch(
  events: readonly PortfolioEvent[],
  outcomes: ApplyOutcome[],
  validated = false,
): Map<string, BatchItem[]> {
  const byUser = new Map<string, BatchItem[]>();
  for (let index = 0; index < events.length; index++) {
    const raw = events[index]!;
    let event: PortfolioEvent;
    if (validated) event = raw;
    else {
      try {
        event = parsePortfolioEvent(raw);
      } catch (err) {
        if (!(err instanceof PortfolioError)) throw err;
        outcomes[index] = rejected(raw, err);
        continue;
      }
    }
    const items = byUser.get(event.userId);
    if (items) items.push({ index, event });
    else byUser.set(event.userId, [{ index, event }]);
  }
  return byUser;
}

export interface FoldResult {
  portfolio: Portfolio | undefined;
  /** Ids of the events that changed the portfolio, in order. */
  appliedIds: string[];
  /**
   * Ids to record as processed: the applied ones and those refused against an existing
   * portfolio (an overdraft, a second AccountOpened). Recording refusals keeps redelivery
   * deterministic: a retried batch reports them as duplicates instead of re-judging them against
   * a later balance. Refusals without a portfolio (no AccountOpened yet) are not recorded.
   */
  recordedIds: string[];
  outcomes: { index: number; outcome: ApplyOutcome }[];
}

/**
 * Applies one user's events to `current`, skipping ids `wasProcessed` reports and ids seen
 * earlier in `items`. Refusals (PortfolioError) become `rejected` outcomes; other errors propagate.
 */
export function foldEvents(
  current: Portfolio | undefined,
  items: readonly BatchItem[],
  wasProcessed: (eventId: string) => boolean,
): FoldResult {
  let portfolio = current;
  const appliedIds: string[] = [];
  const recordedIds: string[] = [];
  const seen = new Set<string>();
  const outcomes: FoldResult['outcomes'] = [];
  for (const { index, event } of items) {
    if (seen.has(event.id) || wasProcessed(event.id)) {
      outcomes.push({
        index,
        outcome: { eventId: event.id, userId: event.userId, status: 'duplicate' },
      });
      continue;
    }
    try {
      portfolio = applyPortfolioEvent(portfolio, event);
    } catch (err) {
      if (!(err instanceof PortfolioError)) throw err;
      outcomes.push({ index, outcome: rejected(event, err) });
      if (portfolio) {
        seen.add(event.id);
        recordedIds.push(event.id);
      }
      continue;
    }
    seen.add(event.id);
    appliedIds.push(event.id);
    recordedIds.push(event.id);
    outcomes.push({
      index,
      outcome: { eventId: event.id, userId: event.userId, status: 'applied' },
    });
  }
  return { portfolio, appliedIds, recordedIds, outcomes };
}

/** Counts the outcomes (which must be complete) into a BatchApplyResult. */
export function batchResult(outcomes: ApplyOutcome[]): BatchApplyResult {
  const result: BatchApplyResult = { applied: 0, duplicates: 0, rejected: 0, outcomes };
  for (const o of outcomes) {
    if (o.status === 'applied') result.applied++;
    else if (o.status === 'duplicate') result.duplicates++;
    else result.rejected++;
  }
  return result;
}

function rejected(event: unknown, error: PortfolioError): ApplyOutcome {
  const e = event as { id?: unknown; userId?: unknown } | null;
  return {
    eventId: typeof e?.id === 'string' ? e.id : '',
    userId: typeof e?.userId === 'string' ? e.userId : '',
    status: 'rejected',
    error,
  };
}
