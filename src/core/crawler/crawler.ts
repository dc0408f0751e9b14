import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { listAll, type ObjectInfo, type ObjectStore } from '../object-store/object-store.js';
import {
  columnsDiffer,
  partitionValuesKey,
  type Catalog,
  type Column,
  type CrawlReport,
  type CrawlWarning,
  type CrawlZone,
  type FormatParameters,
  type Partition,
  type PartitionFile,
  type PartitionInput,
  type TableCrawlSummary,
  type TableFormat,
} from '../catalog/catalog.js';
import { formatOfFile, type FileSchema } from './infer/file-schema.js';
import { FileReaders } from './file-readers.js';
import { locationOf } from './locations.js';
import {
  classifyKey,
  CRAWL_ZONES,
  PARTITION_KEYS,
  type DataFileKey,
  type LakeZone,
} from './layout.js';
import { evolveSchema, mergeColumns } from './schema-merge.js';

export interface CrawlDeps {
  datalake: ObjectStore;
  catalog: Catalog;
  log: Logger;
  /** Folder for temporary copies of Parquet files from a non-local store. @default os.tmpdir() */
  tempDir?: string;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface CrawlOptions {
  /** @default 'all' */
  zone?: CrawlZone;
  /**
   * Crawl only these table folders (e.g. `['raw/fx_recommendations/']`) instead of whole zones:
   * what a writer runs when it created a table the catalog does not know yet.
   * @default every table of the zone(s)
   */
  tablePrefixes?: readonly string[];
}

const DESCRIPTIONS: Record<string, string> = {
  energy_raw_db: 'Energy lake, raw zone: byte-for-byte copies of the source exports',
  energy_processed_db: 'Energy lake, processed zone: cleaned, typed Parquet',
  fx_raw_db: 'FX platform, raw events',
  fx_processed_db: 'FX platform, processed zone',
};

/** Crawls on one catalog run one at a time (ingestion and transforms both trigger crawls). */
const running = new WeakMap<Catalog, Promise<unknown>>();

/**
 * Crawls the datalake (the Glue crawler's job): lists `raw/` and/or `processed/`, infers the
 * schema of every file not seen before, creates or evolves the tables of `energy_raw_db`,
 * `energy_processed_db` and `fx_raw_db`, registers new Hive partitions, and records a report
 * in the catalog.
 *
 * Incremental: each partition remembers its files (name, size, etag); a re-crawl lists keys
 * but opens only files it has not seen (`report.filesRead`).
 *
 * @example
 * const report = await crawl({ datalake, catalog, log }, { zone: 'raw' });
 * console.log(report.partitionsAdded, report.warnings);
 */
export async function crawl(deps: CrawlDeps, options: CrawlOptions = {}): Promise<CrawlReport> {
  const previous = running.get(deps.catalog) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => runCrawl(deps, options));
  running.set(deps.catalog, next);
  return next;
}

interface TableGroup {
  database: string;
  table: string;
  zone: LakeZone;
  tablePrefix: string;
  partitions: Map<string, { values: string[]; prefix: string; files: FileEntry[] }>;
}

interface FileEntry {
  key: DataFileKey;
  info: ObjectInfo;
}

interface Totals {
  filesListed: number;
  filesRead: number;
}

async function runCrawl(deps: CrawlDeps, options: CrawlOptions): Promise<CrawlReport> {
  const now = deps.now ?? (() => new Date());
  const zone = options.zone ?? 'all';
  const startedAt = now().toISOString();
  const warnings: CrawlWarning[] = [];
  const groups = await discover(deps.datalake, zone, warnings, options.tablePrefixes);
  const readers = new FileReaders(deps.datalake, deps.tempDir);
  const summaries: TableCrawlSummary[] = [];
  try {
    for (const group of [...groups.values()].sort((a, b) => cmp(qualified(a), qualified(b)))) {
      summaries.push(await crawlTable(deps, group, readers, warnings));
    }
  } finally {
    await readers.close();
  }
  const report: CrawlReport = {
    id: randomUUID(),
    zone,
    startedAt,
    finishedAt: now().toISOString(),
    tablesCreated: summaries.filter((s) => s.status === 'created').map((s) => s.table),
    tablesUpdated: summaries.filter((s) => s.status === 'updated').map((s) => s.table),
    partitionsAdded: sum(summaries, (s) => s.partitionsAdded),
    partitionsUpdated: sum(summaries, (s) => s.partitionsUpdated),
    filesListed: sum(summaries, (s) => s.filesListed),
    filesRead: sum(summaries, (s) => s.filesRead),
    tables: summaries,
    warnings,
  };
  await deps.catalog.recordCrawl(report);
  for (const w of warnings) deps.log.warn({ table: w.table, kind: w.kind }, w.message);
  deps.log.info(
    {
      crawl: report.id,
      tablesCreated: report.tablesCreated.length,
      tablesUpdated: report.tablesUpdated.length,
      partitionsAdded: report.partitionsAdded,
      filesRead: report.filesRead,
    },
    'crawl finished',
  );
  return report;
}

/** Lists the zones and groups data files by table and partition. */
async function discover(
  store: ObjectStore,
  zone: CrawlZone,
  warnings: CrawlWarning[],
  tablePrefixes?: readonly string[],
): Promise<Map<string, TableGroup>> {
  const groups = new Map<string, TableGroup>();
  const zones = zone === 'all' ? CRAWL_ZONES : [zone];
  const prefixes =
    tablePrefixes?.filter((p) => zones.some((z) => p.startsWith(`${z}/`) && p.endsWith('/'))) ??
    zones.map((z) => `${z}/`);
  for (const prefix of prefixes) {
    for await (const info of listAll(store, prefix)) {
      const c = classifyKey(info.key);
      if (c.kind === 'ignored' || info.size === 0) continue;
      if (c.kind === 'unpartitioned') {
        warnings.push({
          table: `${c.database}.${c.table}`,
          kind: 'unpartitioned-file',
          message: `${info.key} is not inside year=/month=/day= folders; not cataloged`,
          file: info.key,
        });
        continue;
      }
      const f = c.file;
      const id = `${f.database}.${f.table}`;
      let group = groups.get(id);
      if (!group) {
        group = {
          database: f.database,
          table: f.table,
          zone: f.zone,
          tablePrefix: f.tablePrefix,
          partitions: new Map(),
        };
        groups.set(id, group);
      }
      const pk = partitionValuesKey(f.values);
      let partition = group.partitions.get(pk);
      if (!partition) {
        partition = { values: f.values, prefix: f.partitionPrefix, files: [] };
        group.partitions.set(pk, partition);
      }
      partition.files.push({ key: f, info });
    }
  }
  return groups;
}

interface ChangedPartition {
  input: Omit<PartitionInput, 'schemaVersion'>;
  isNew: boolean;
}

async function crawlTable(
  deps: CrawlDeps,
  group: TableGroup,
  readers: FileReaders,
  warnings: CrawlWarning[],
): Promise<TableCrawlSummary> {
  const { catalog, datalake } = deps;
  const name = qualified(group);
  const warn = (w: Omit<CrawlWarning, 'table'>) => warnings.push({ table: name, ...w });
  await catalog.ensureDatabase({
    name: group.database,
    ...(DESCRIPTIONS[group.database] ? { description: DESCRIPTIONS[group.database] } : {}),
  });
  const existing = await catalog.getTable(group.database, group.table);
  const known = new Map<string, Partition>();
  if (existing) {
    for (const p of await catalog.listPartitions(group.database, group.table)) {
      known.set(partitionValuesKey(p.values), p);
    }
  }
  const ordered = [...group.partitions.entries()].sort(([a], [b]) => cmp(a, b));
  const format: TableFormat =
    existing?.format ?? majorityFormat(ordered.flatMap(([, p]) => p.files)) ?? 'csv';
  const totals: Totals = { filesListed: 0, filesRead: 0 };

  const changed: ChangedPartition[] = [];
  for (const [pk, listed] of ordered) {
    totals.filesListed += listed.files.length;
    const prior = known.get(pk);
    const priorFiles = new Map((prior?.files ?? []).map((f) => [f.name, f]));
    const files: PartitionFile[] = listed.files.map(({ key, info }) => ({
      name: key.name,
      size: info.size,
      ...(info.etag ? { etag: info.etag } : {}),
    }));
    const toRead = listed.files.filter(({ key, info }) => {
      const seen = priorFiles.get(key.name);
      return !seen || seen.size !== info.size || (!!seen.etag && seen.etag !== info.etag);
    });
    const keptPrior = listed.files.some(({ key }) => priorFiles.has(key.name));
    if (prior && toRead.length === 0 && files.length === prior.files.length) continue;

    let columns: Column[] = prior && keptPrior ? prior.columns : [];
    let fp: FormatParameters | undefined = prior && keptPrior ? prior.formatParameters : undefined;
    for (const { key } of toRead) {
      // Raw files keep the landing name, which may have no extension: raw exports are CSV.
      const fileFormat = formatOfFile(key.name) ?? (group.zone === 'raw' ? 'csv' : undefined);
      if (fileFormat !== format) {
        warn({
          kind: 'mixed-format',
          message: `${key.key} is ${fileFormat ?? 'of an unknown format'}, the table is ${format}; not read`,
          file: key.key,
        });
        continue;
      }
      let schema: FileSchema;
      try {
        schema = await readers.read(format, key.key);
        totals.filesRead++;
      } catch (err) {
        totals.filesRead++;
        warn({
          kind: 'unreadable-file',
          message: `${key.key} could not be read: ${(err as Error).message}`,
          file: key.key,
        });
        continue;
      }
      columns = mergeColumns(
        columns,
        schema.columns.filter((c) => !(PARTITION_KEYS as readonly string[]).includes(c.name)),
      );
      fp = fp ? combineFormat(fp, schema.formatParameters, key.key, warn) : schema.formatParameters;
    }
    changed.push({
      isNew: !prior,
      input: {
        values: listed.values,
        location: locationOf(datalake, listed.prefix),
        columns,
        formatParameters: fp ?? {},
        files,
      },
    });
  }

  const newestKey = ordered.at(-1)?.[0];
  const newestChanged = changed.find((c) => partitionValuesKey(c.input.values) === newestKey);
  const evolution = evolveSchema(
    existing?.columns,
    changed.map((c) => c.input.columns),
    newestChanged?.input.columns,
  );
  for (const w of evolution.warnings) warn(w);

  const summary: TableCrawlSummary = {
    table: name,
    status: 'unchanged',
    schemaVersion: existing?.schemaVersion ?? 0,
    newSchemaVersion: false,
    columnsAdded: existing ? evolution.columnsAdded : [],
    partitionsAdded: changed.filter((c) => c.isNew).length,
    partitionsUpdated: changed.filter((c) => !c.isNew).length,
    ...totals,
  };
  if (!existing && evolution.columns.length === 0) return summary; // nothing readable yet

  const formatParameters =
    newestChanged?.input.formatParameters ??
    existing?.formatParameters ??
    changed.at(-1)?.input.formatParameters ??
    {};
  const definition = {
    database: group.database,
    name: group.table,
    columns: evolution.columns,
    partitionKeys: PARTITION_KEYS.map((k) => ({ name: k, type: 'string' })),
    location: locationOf(datalake, group.tablePrefix),
    format,
    formatParameters,
    parameters: existing?.parameters ?? {},
  };
  let table = existing;
  if (!existing) {
    table = await catalog.createTable(definition);
    summary.status = 'created';
    summary.newSchemaVersion = true;
  } else if (
    columnsDiffer(existing.columns, definition.columns) ||
    JSON.stringify(existing.formatParameters) !== JSON.stringify(definition.formatParameters) ||
    existing.location !== definition.location
  ) {
    table = await catalog.updateTable({ ...definition, schemaChanges: evolution.changes });
    summary.newSchemaVersion = table.schemaVersion !== existing.schemaVersion;
  }
  summary.schemaVersion = table!.schemaVersion;
  if (changed.length > 0) {
    await catalog.putPartitions(
      group.database,
      group.table,
      changed.map((c) => ({ ...c.input, schemaVersion: table!.schemaVersion })),
    );
  }
  if (summary.status !== 'created' && (changed.length > 0 || table !== existing)) {
    summary.status = 'updated';
  }
  return summary;
}

/** Format parameters of several files of one partition; disagreements are reported. */
function combineFormat(
  a: FormatParameters,
  b: FormatParameters,
  file: string,
  warn: (w: Omit<CrawlWarning, 'table'>) => void,
): FormatParameters {
  const out: FormatParameters = { ...a };
  if (b.quoted) out.quoted = true;
  if (a.encoding !== b.encoding && a.encoding !== undefined && b.encoding !== undefined) {
    // A BOM does not change how the bytes decode; only Latin-1 vs UTF-8 is a real mix.
    const utf = (e: string) => e.startsWith('utf-8');
    if (utf(a.encoding) && utf(b.encoding)) out.encoding = 'utf-8';
    else {
      out.encoding = 'mixed';
      warn({
        kind: 'mixed-format',
        message: `${file} is ${b.encoding}; other files of its partition are ${a.encoding}`,
        file,
      });
    }
  }
  if (a.delimiter !== b.delimiter || a.header !== b.header) {
    warn({
      kind: 'mixed-format',
      message: `${file} has delimiter ${JSON.stringify(b.delimiter)} and header ${String(b.header)}; its partition has ${JSON.stringify(a.delimiter)} and ${String(a.header)}`,
      file,
    });
  }
  return out;
}

function majorityFormat(files: FileEntry[]): TableFormat | undefined {
  const counts = new Map<TableFormat, number>();
  for (const f of files) {
    const format = formatOfFile(f.key.name) ?? (f.key.zone === 'raw' ? 'csv' : undefined);
    if (format) counts.set(format, (counts.get(format) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function qualified(g: { database: string; table: string }): string {
  return `${g.database}.${g.table}`;
}

function sum<T>(items: T[], f: (t: T) => number): number {
  return items.reduce((acc, t) => acc + f(t), 0);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
