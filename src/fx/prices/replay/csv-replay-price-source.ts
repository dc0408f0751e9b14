import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { midOf, type PriceSource, type Quote } from '../price-source.js';

/** A CSV price history that cannot be used; `problems` name the lines. */
export class PriceHistoryError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, 10);
    super(
      `price history ${file} is not valid:\n${shown.map((p) => `  - ${p}`).join('\n')}` +
        (problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : ''),
    );
    this.name = 'PriceHistoryError';
  }
}

/** One row of a price history, in centavos. */
export interface HistoryRow {
  observedAt: string;
  bidCopCents: number;
  askCopCents: number;
}

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses a price history: a header with `observed_at`, `bid`, `ask` (any order, extra columns
 * ignored), `;` or `,` delimited (detected from the header); with `;`, decimals may use a comma.
 * Instants need a zone (`Z` or an offset); prices are COP per USD with at most two decimals,
 * bid ≤ ask; rows must be in strictly increasing time. Empty lines are skipped.
 * @throws PriceHistoryError naming every bad line (1-based line numbers).
 */
export function parsePriceHistory(text: string, file = 'price history'): HistoryRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0] ?? '';
  const delimiter = header.includes(';') ? ';' : ',';
  const columns = header.split(delimiter).map((c) => c.trim().toLowerCase());
  const idx = {
    observedAt: columns.indexOf('observed_at'),
    bid: columns.indexOf('bid'),
    ask: columns.indexOf('ask'),
  };
  const missing = Object.entries({ observed_at: idx.observedAt, bid: idx.bid, ask: idx.ask })
    .filter(([, i]) => i < 0)
    .map(([n]) => n);
  if (missing.length > 0) {
    throw new PriceHistoryError(file, [
      `line 1: the header must have the columns observed_at, bid, ask (missing: ${missing.join(', ')}); got ${JSON.stringify(header)}`,
    ]);
  }
  const rows: HistoryRow[] = [];
  const problems: string[] = [];
  let lastMs = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const n = i + 1;
    const cells = line.split(delimiter).map((c) => c.trim());
    if (cells.length !== columns.length) {
      problems.push(`line ${n}: expected ${columns.length} fields, got ${cells.length}`);
      continue;
    }
    const at = cells[idx.observedAt]!;
    const ms = INSTANT_RE.test(at) ? Date.parse(at.replace(' ', 'T')) : NaN;
    const rowProblems: string[] = [];
    if (!Number.isFinite(ms)) {
      rowProblems.push(`observed_at ${JSON.stringify(at)} is not an ISO 8601 instant with a zone`);
    }
    const bid = priceCents(cells[idx.bid]!, delimiter, 'bid', rowProblems);
    const ask = priceCents(cells[idx.ask]!, delimiter, 'ask', rowProblems);
    if (bid !== undefined && ask !== undefined && bid > ask) {
      rowProblems.push(`bid ${cells[idx.bid]} is above ask ${cells[idx.ask]}`);
    }
    if (Number.isFinite(ms) && ms <= lastMs) {
      rowProblems.push(`observed_at ${at} is not after the previous row's`);
    }
    if (rowProblems.length > 0) {
      problems.push(`line ${n}: ${rowProblems.join('; ')}`);
      continue;
    }
    lastMs = ms;
    rows.push({
      observedAt: new Date(ms).toISOString(),
      bidCopCents: bid!,
      askCopCents: ask!,
    });
  }
  if (problems.length > 0) throw new PriceHistoryError(file, problems);
  if (rows.length === 0) throw new PriceHistoryError(file, ['the file has no price rows']);
  return rows;
}

function priceCents(
  raw: string,
  delimiter: string,
  name: string,
  problems: string[],
): number | undefined {
  const text = delimiter === ';' ? raw.replace(',', '.') : raw;
  if (!/^\d+(\.\d{1,2})?$/.test(text)) {
    problems.push(
      `${name} ${JSON.stringify(raw)} is not a positive price with at most two decimals`,
    );
    return undefined;
  }
  const cents = Math.round(Number(text) * 100);
  if (cents <= 0 || cents > 1e13) {
    problems.push(`${name} ${JSON.stringify(raw)} is out of range`);
    return undefined;
  }
  return cents;
}

export interface CsvReplayPriceSourceOptions {
  /** Start over at the first row after the last. @default false */
  loop?: boolean;
  /**
   * `original` keeps each row's observed_at; `now` stamps quotes with the fetch time (to drive a
   * live system with a recorded price path).
   * @default 'original'
   */
  timestamps?: 'original' | 'now';
}

/**
 * Replays a price history, one row per `fetch`, in file order; after the last row `fetch`
 * returns `undefined` (or starts over with `loop`).
 *
 * @example
 * const source = await CsvReplayPriceSource.fromFile('precios.csv');
 */
export class CsvReplayPriceSource implements PriceSource {
  readonly name: string;
  private next = 0;

  constructor(
    private readonly rows: readonly HistoryRow[],
    name: string,
    private readonly options: CsvReplayPriceSourceOptions = {},
  ) {
    this.name = name;
  }

  /** Reads and validates a CSV file. @throws PriceHistoryError */
  static async fromFile(
    file: string,
    options: CsvReplayPriceSourceOptions = {},
  ): Promise<CsvReplayPriceSource> {
    const text = await readFile(file, 'utf8');
    return new CsvReplayPriceSource(
      parsePriceHistory(text, file),
      `replay:${path.basename(file)}`,
      options,
    );
  }

  /** Rows not yet replayed. */
  get remaining(): number {
    return this.rows.length - this.next;
  }

  fetch(now: Date): Promise<Quote | undefined> {
    if (this.next >= this.rows.length) {
      if (!this.options.loop) return Promise.resolve(undefined);
      this.next = 0;
    }
    const row = this.rows[this.next++]!;
    return Promise.resolve({
      bidCopCents: row.bidCopCents,
      askCopCents: row.askCopCents,
      midCopCents: midOf(row.bidCopCents, row.askCopCents),
      observedAt: this.options.timestamps === 'now' ? now.toISOString() : row.observedAt,
      source: this.name,
    });
  }
}
