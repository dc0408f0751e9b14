import type { Command } from 'commander';
import type {
  Catalog,
  CrawlReport,
  Partition,
  SchemaVersion,
  Table,
} from '../../core/catalog/catalog.js';
import { openCatalog } from '../../deploy/adapters.js';
import { formatCrawlReport } from '../../core/crawler/report-text.js';
import { cliContext } from '../context.js';
import { z } from 'zod';
import { parseFlags } from '../parse-flags.js';
import { flag, positiveInt } from '../flag-schemas.js';

/** Kept for callers that imported it from here; it lives in `src/deploy/adapters.ts`. */
export { openCatalog } from '../../deploy/adapters.js';

/** `corriente catalog` as data: every database with a summary of its tables. */
export interface CatalogListing {
  databases: {
    name: string;
    description?: string;
    tables: {
      name: string;
      format: string;
      location: string;
      schemaVersion: number;
      columns: number;
      partitions: number;
      updatedAt: string;
    }[];
  }[];
}

export async function listCatalog(catalog: Catalog): Promise<CatalogListing> {
  const databases: CatalogListing['databases'] = [];
  for (const db of await catalog.listDatabases()) {
    const tables = [];
    for (const t of await catalog.listTables(db.name)) {
      tables.push({
        name: t.name,
        format: t.format,
        location: t.location,
        schemaVersion: t.schemaVersion,
        columns: t.columns.length,
        partitions: (await catalog.listPartitions(db.name, t.name)).length,
        updatedAt: t.updatedAt,
      });
    }
    databases.push({ ...db, tables });
  }
  return { databases };
}

/** `corriente catalog show` as data. */
export interface TableDetails {
  table: Table;
  partitions: Partition[];
  schemaVersions: SchemaVersion[];
}

export function formatListing(listing: CatalogListing): string {
  if (listing.databases.length === 0) return 'The catalog is empty: run `corriente crawl`.';
  const lines: string[] = [];
  for (const db of listing.databases) {
    lines.push(`${db.name}${db.description ? `  — ${db.description}` : ''}`);
    if (db.tables.length === 0) lines.push('  (no tables)');
    const width = Math.max(0, ...db.tables.map((t) => t.name.length));
    for (const t of db.tables) {
      lines.push(
        `  ${t.name.padEnd(width)}  ${t.format.padEnd(7)}  ${plural(t.columns, 'column')}, ` +
          `${plural(t.partitions, 'partition')}, schema v${t.schemaVersion}  ${t.location}`,
      );
    }
  }
  return lines.join('\n');
}

export function formatTableDetails({ table, partitions, schemaVersions }: TableDetails): string {
  const fp = table.formatParameters;
  const format = [
    fp.delimiter !== undefined ? `delimiter ${JSON.stringify(fp.delimiter)}` : '',
    fp.header !== undefined ? (fp.header ? 'header' : 'no header') : '',
    fp.encoding ?? '',
    fp.quoted ? 'quoted' : '',
    fp.compression ?? '',
  ].filter(Boolean);
  const lines = [
    `${table.database}.${table.name}`,
    `  location:       ${table.location}`,
    `  format:         ${table.format}${format.length ? ` (${format.join(', ')})` : ''}`,
    `  schema version: ${table.schemaVersion}`,
    `  columns:`,
  ];
  const width = Math.max(0, ...table.columns.map((c) => c.name.length));
  for (const c of table.columns) {
    lines.push(`    ${c.name.padEnd(width)}  ${c.type}${c.removed ? '  (removed)' : ''}`);
  }
  lines.push(`  partition keys: ${table.partitionKeys.map((k) => k.name).join(', ') || 'none'}`);
  lines.push(`  partitions (${partitions.length}):`);
  for (const p of partitions) {
    const missing = table.columns.filter((c) => !p.columns.some((pc) => pc.name === c.name));
    lines.push(
      `    ${table.partitionKeys.map((k, i) => `${k.name}=${p.values[i] ?? ''}`).join('/')}  ` +
        `schema v${p.schemaVersion}, ${plural(p.files.length, 'file')}` +
        (missing.length ? `, reads as NULL: ${missing.map((c) => c.name).join(', ')}` : ''),
    );
  }
  lines.push(`  schema versions:`);
  for (const v of schemaVersions) {
    lines.push(
      `    v${v.version}  ${v.createdAt}  ${plural(v.columns.length, 'column')}` +
        (v.changes.length ? `: ${v.changes.join('; ')}` : ''),
    );
  }
  return lines.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function withCatalog<T>(cmd: Command, fn: (catalog: Catalog) => Promise<T>): Promise<T> {
  const catalog = openCatalog(cliContext(cmd).config);
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

/**
 * Registers `corriente catalog` (databases and tables), `catalog show <db>.<table>` (columns,
 * types, partitions, schema versions) and `catalog crawls` (past crawl reports); `--json` on
 * each prints JSON on stdout.
 */
export function registerCatalog(program: Command): void {
  const catalogCmd = program
    .command('catalog')
    .description('list the databases and tables of the catalog')
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const listing = await withCatalog(cmd, listCatalog);
      write(json ? JSON.stringify(listing, null, 2) : formatListing(listing));
    });

  catalogCmd
    .command('show')
    .description('show columns, types, partitions and schema versions of a table')
    .argument('<table>', 'qualified table name, e.g. energy_raw_db.clientes')
    .option('--json', 'print JSON')
    .action(async (qualified: string, _opts: unknown, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const [database, name, ...rest] = qualified.split('.');
      if (!database || !name || rest.length > 0) {
        cmd.error(`corriente: expected <db>.<table>, got ${JSON.stringify(qualified)}`, {
          exitCode: 2,
        });
      }
      const details = await withCatalog(cmd, async (catalog): Promise<TableDetails | undefined> => {
        const table = await catalog.getTable(database!, name!);
        if (!table) return undefined;
        return {
          table,
          partitions: await catalog.listPartitions(database!, name!),
          schemaVersions: await catalog.listSchemaVersions(database!, name!),
        };
      });
      if (!details) {
        cmd.error(`corriente: table ${qualified} is not in the catalog`, { exitCode: 1 });
      }
      write(json ? JSON.stringify(details, null, 2) : formatTableDetails(details!));
    });

  catalogCmd
    .command('crawls')
    .description('show past crawl reports, newest first')
    .option('--limit <n>', 'how many reports (default 10)')
    .option('--json', 'print JSON')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(
        z.strictObject({ limit: positiveInt.max(10_000).default(10), json: flag }),
        raw,
      );
      const json = opts.json === true || Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const reports: CrawlReport[] = await withCatalog(cmd, (c) => c.listCrawls(opts.limit));
      if (json) write(JSON.stringify(reports, null, 2));
      else write(reports.length ? reports.map(formatCrawlReport).join('\n\n') : 'No crawls yet.');
    });
}
