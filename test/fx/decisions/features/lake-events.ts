import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  newEventId,
  totalCopCents,
  type AccountOpened,
  type FxEvent,
  type PriceTick,
  type TransactionExecuted,
} from '../../../../src/fx/events.js';
import {
  LoadDates,
  putRawFiles,
  RawBatchBuilder,
} from '../../../../src/fx/processor/raw-writer.js';
import type { ObjectStore } from '../../../../src/core/object-store/object-store.js';

/** Writes events into the raw lake with the stream processor's own writer. */
export async function writeLake(
  lake: ObjectStore,
  events: readonly FxEvent[],
  name = 'test',
): Promise<void> {
  const builder = new RawBatchBuilder(new LoadDates('America/Bogota'));
  for (const e of events) builder.add(e);
  await putRawFiles(lake, builder.files(name));
}

/** Event time in ms. */
export function eventMs(e: FxEvent): number {
  switch (e.type) {
    case 'PriceTick':
      return Date.parse(e.observedAt);
    case 'AccountOpened':
      return Date.parse(e.openedAt);
    case 'TransactionExecuted':
      return Date.parse(e.executedAt);
    default:
      return Date.parse(e.ingestedAt);
  }
}

/** Every event of a local raw lake, parsed back from its JSON lines, in (event time, id) order. */
export function readLakeEvents(lakeDir: string): FxEvent[] {
  const out: FxEvent[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  for (const table of ['fx_precios', 'fx_cuentas', 'fx_transacciones']) {
    for (const file of walk(path.join(lakeDir, 'raw', table))) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line) as Record<string, unknown>;
        out.push(rowToEvent(table, r));
      }
    }
  }
  return out.sort((a, b) => eventMs(a) - eventMs(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function rowToEvent(table: string, r: Record<string, unknown>): FxEvent {
  const s = (k: string): string => r[k] as string;
  const n = (k: string): number => r[k] as number;
  if (table === 'fx_precios') {
    return {
      type: 'PriceTick',
      version: 1,
      id: s('id'),
      source: s('fuente'),
      bidCopCents: n('compra_cop_centavos'),
      askCopCents: n('venta_cop_centavos'),
      midCopCents: n('medio_cop_centavos'),
      observedAt: s('observado_en'),
      ingestedAt: s('ingerido_en'),
    };
  }
  if (table === 'fx_cuentas') {
    return {
      type: 'AccountOpened',
      version: 1,
      id: s('id'),
      userId: s('usuario_id'),
      copCents: n('saldo_cop_centavos'),
      usdCents: n('saldo_usd_centavos'),
      openedAt: s('abierta_en'),
      ingestedAt: s('ingerido_en'),
    };
  }
  return {
    type: 'TransactionExecuted',
    version: 1,
    id: s('id'),
    userId: s('usuario_id'),
    side: s('lado') as 'BUY' | 'SELL',
    amountUsdCents: n('monto_usd_centavos'),
    priceCopCents: n('precio_cop_centavos'),
    totalCopCents: n('total_cop_centavos'),
    executedAt: s('ejecutado_en'),
    ingestedAt: s('ingerido_en'),
  };
}

export function tick(ms: number, midCopCents: number, bidCopCents = midCopCents - 1000): PriceTick {
  const at = new Date(ms).toISOString();
  return {
    type: 'PriceTick',
    version: 1,
    id: newEventId(ms),
    source: 'test',
    bidCopCents,
    askCopCents: 2 * midCopCents - bidCopCents,
    midCopCents,
    observedAt: at,
    ingestedAt: at,
  };
}

export function opened(ms: number, userId: string, copCents: number, usdCents = 0): AccountOpened {
  const at = new Date(ms).toISOString();
  return {
    type: 'AccountOpened',
    version: 1,
    id: newEventId(ms),
    userId,
    copCents,
    usdCents,
    openedAt: at,
    ingestedAt: at,
  };
}

export function trade(
  ms: number,
  userId: string,
  side: 'BUY' | 'SELL',
  amountUsdCents: number,
  priceCopCents: number,
): TransactionExecuted {
  const at = new Date(ms).toISOString();
  return {
    type: 'TransactionExecuted',
    version: 1,
    id: newEventId(ms),
    userId,
    side,
    amountUsdCents,
    priceCopCents,
    totalCopCents: totalCopCents(amountUsdCents, priceCopCents),
    executedAt: at,
    ingestedAt: at,
  };
}
