import { partitionPath } from '../../core/util/time-zone.js';
import { loadDateOf } from '../../core/util/time-zone.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import type { FxEvent } from '../events.js';
import { rawRowOf } from './raw-rows.js';

/** Where records that are not valid FX events go (with the reason), instead of the raw tables. */
export const INVALID_EVENTS_PREFIX = 'quarantine/rows/fx_eventos/';

/** One lake object of a batch. */
export interface RawFile {
  key: string;
  body: string;
  /** `fx_transacciones`, …, or `quarantine` */
  table: string;
  rows: number;
}

/** A log record that is not a valid FX event. */
export interface InvalidRecord {
  position: string;
  partitionKey: string;
  appendedAt: Date;
  error: string;
  /** The record's data as text. */
  data: string;
}

/**
 * The calendar date (`YYYY-MM-DD`) of an instant in `timeZone`, memoised per minute (every time
 * zone offset in use is a whole number of minutes): formatting dates is the costliest step of
 * writing a raw row otherwise.
 */
export class LoadDates {
  private readonly cache = new Map<number, string>();
  private readonly byPrefix = new Map<string, string>();

  constructor(readonly timeZone: string) {
    loadDateOf(new Date(0), timeZone); // throws RangeError for an unknown zone, here and not later
  }

  of(instant: string | Date): string {
    // Most instants are `…Z` ISO strings: their first 16 characters name the UTC minute.
    if (typeof instant === 'string' && instant.length >= 17 && instant.endsWith('Z')) {
      const prefix = instant.slice(0, 16);
      let date = this.byPrefix.get(prefix);
      if (date === undefined) {
        if (this.byPrefix.size > 50_000) this.byPrefix.clear();
        date = this.ofMs(Date.parse(instant));
        this.byPrefix.set(prefix, date);
      }
      return date;
    }
    return this.ofMs(
      typeof instant === 'string' ? Date.parse(instant) : instant.getTime(),
      instant,
    );
  }

  private ofMs(ms: number, instant: string | Date = new Date(ms)): string {
    if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
    const minute = Math.floor(ms / 60_000);
    let date = this.cache.get(minute);
    if (date === undefined) {
      if (this.cache.size > 50_000) this.cache.clear();
      date = loadDateOf(new Date(minute * 60_000), this.timeZone);
      this.cache.set(minute, date);
    }
    return date;
  }
}

/**
 * Builds the raw lake files of one batch of events: one JSON-lines file per table and load-date
 * partition (`raw/<table>/year=/month=/day=/<name>.jsonl`, the date of each event's `ingestedAt`
 * in the time zone), rows in the order added. The same events added in the same order with the
 * same name give byte-identical files, which is what makes rewriting a batch after a crash safe.
 * The simulator writes history through this class too, so the formats cannot diverge.
 *
 * @example
 * const b = new RawBatchBuilder(new LoadDates('America/Bogota'));
 * for (const e of events) b.add(e);
 * await putRawFiles(datalake, b.files('part-00000000000000000001-00000000000000000500'));
 */
export class RawBatchBuilder {
  private readonly groups = new Map<string, { table: string; lines: string[] }>();
  private readonly groupsByPrefix = new Map<
    string,
    Map<string, { table: string; lines: string[] }>
  >();
  private count = 0;

  constructor(private readonly dates: LoadDates) {}

  /** Events added so far (valid and invalid). */
  get size(): number {
    return this.count;
  }

  add(event: FxEvent): void {
    const { table, row } = rawRowOf(event);
    this.push(`raw/${table}/`, table, this.dates.of(event.ingestedAt), JSON.stringify(row));
  }

  addInvalid(record: InvalidRecord): void {
    const row = {
      posicion: record.position,
      clave_particion: record.partitionKey,
      recibido_en: record.appendedAt.toISOString(),
      error: record.error,
      datos: record.data,
    };
    this.push(
      INVALID_EVENTS_PREFIX,
      'quarantine',
      this.dates.of(record.appendedAt),
      JSON.stringify(row),
    );
  }

  private push(prefix: string, table: string, date: string, line: string): void {
    this.count++;
    // Folders are looked up by (prefix, date) without building the path for every row.
    let byDate = this.groupsByPrefix.get(prefix);
    if (!byDate) this.groupsByPrefix.set(prefix, (byDate = new Map()));
    const group = byDate.get(date);
    if (group) group.lines.push(line);
    else {
      const created = { table, lines: [line] };
      byDate.set(date, created);
      this.groups.set(`${prefix}${partitionPath(date)}/`, created);
    }
  }

  /** The files, sorted by key; `name` (without extension) names the file in every partition. */
  files(name: string): RawFile[] {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(name)) {
      throw new RangeError(`invalid raw file name ${JSON.stringify(name)}`);
    }
    return [...this.groups]
      .map(([folder, { table, lines }]) => ({
        key: `${folder}${name}.jsonl`,
        body: `${lines.join('\n')}\n`,
        table,
        rows: lines.length,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** Puts every file (each put is atomic; an existing object with that key is replaced). */
export async function putRawFiles(datalake: ObjectStore, files: readonly RawFile[]): Promise<void> {
  await Promise.all(
    files.map((f) => datalake.put(f.key, f.body, { contentType: 'application/x-ndjson' })),
  );
}
