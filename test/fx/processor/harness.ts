import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DiskEventLog } from '../../../src/core/event-log/disk/index.js';
import { jsonRecord } from '../../../src/core/event-log/event-log.js';
import type { FxEvent } from '../../../src/fx/events.js';
import {
  applyPortfolioEvent,
  isPortfolioEvent,
  listAllPortfolios,
  PortfolioError,
  type Portfolio,
  type PortfolioStore,
} from '../../../src/fx/portfolio/index.js';
import { SqlitePortfolioStore } from '../../../src/fx/portfolio/sqlite/sqlite-portfolio-store.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { listAll, type ObjectStore } from '../../../src/core/object-store/object-store.js';

export interface Harness {
  dir: string;
  log: DiskEventLog;
  datalake: LocalFsObjectStore;
  portfolios: SqlitePortfolioStore;
  close(): Promise<void>;
}

export async function openHarness(dir: string): Promise<Harness> {
  const log = await DiskEventLog.open({ dir: path.join(dir, 'eventlog'), stream: 'fx-events' });
  const datalake = new LocalFsObjectStore({ root: path.join(dir, 'datalake') });
  const portfolios = new SqlitePortfolioStore({ path: path.join(dir, 'portfolios.db') });
  return {
    dir,
    log,
    datalake,
    portfolios,
    close: async () => {
      await portfolios.close();
      await log.close();
    },
  };
}

export async function appendEvents(log: DiskEventLog, events: readonly FxEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 5000) {
    await log.appendBatch(
      events.slice(i, i + 5000).map((e) => jsonRecord('userId' in e ? e.userId : e.source, e)),
    );
  }
}

/** The portfolios the store must hold: the fold of the events in log order, refusals skipped. */
export function foldAll(events: readonly FxEvent[]): Map<string, Portfolio> {
  const out = new Map<string, Portfolio>();
  for (const e of events) {
    if (!isPortfolioEvent(e)) continue;
    try {
      out.set(e.userId, applyPortfolioEvent(out.get(e.userId), e));
    } catch (err) {
      if (!(err instanceof PortfolioError)) throw err;
    }
  }
  return out;
}

export async function storeContents(store: PortfolioStore): Promise<Map<string, Portfolio>> {
  const out = new Map<string, Portfolio>();
  for await (const p of listAllPortfolios(store)) out.set(p.userId, p);
  return out;
}

/** key → sha256 of every object under `prefix`. */
export async function lakeHashes(
  store: ObjectStore,
  prefix = 'raw/',
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const o of listAll(store, prefix)) {
    out.set(
      o.key,
      createHash('sha256')
        .update(await store.get(o.key))
        .digest('hex'),
    );
  }
  return out;
}

/** Every row of every raw fx file, with its key. */
export async function lakeRows(
  store: ObjectStore,
  prefix = 'raw/',
): Promise<{ key: string; row: Record<string, unknown> }[]> {
  const out: { key: string; row: Record<string, unknown> }[] = [];
  for await (const o of listAll(store, prefix)) {
    const text = (await store.get(o.key)).toString('utf8');
    for (const line of text.split('\n')) {
      if (line) out.push({ key: o.key, row: JSON.parse(line) as Record<string, unknown> });
    }
  }
  return out;
}

export async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
