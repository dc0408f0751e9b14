import * as path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CrawlReport } from '../../../src/core/catalog/index.js';
import { registerCatalog, type CatalogListing } from '../../../src/cli/commands/catalog.js';
import { registerCrawl } from '../../../src/cli/commands/crawl.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../util/tmp.js';

/** Runs the CLI in process (the program as src/cli/main.ts builds it) and captures stdout. */
async function run(home: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command()
    .name('corriente')
    .option('-c, --config <file>')
    .option('--home <dir>')
    .exitOverride();
  let stdout = '';
  let stderr = '';
  // Before registering: subcommands inherit the output settings when they are created.
  program.configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => (stdout += s) });
  registerCrawl(program);
  registerCatalog(program);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'corriente', '--home', home, ...args]);
  } finally {
    spy.mockRestore();
  }
  return { stdout, stderr };
}

describe('corriente crawl / corriente catalog', () => {
  let home: string;
  let cleanup: () => void;
  beforeEach(async () => {
    ({ dir: home, cleanup } = tempDir('corriente-cli-'));
    const lake = new LocalFsObjectStore({ root: path.join(home, 'datalake') });
    await lake.put(
      'raw/clientes/year=2026/month=01/day=02/clientes.csv',
      'tipo_identificacion;identificacion;nombre;ciudad\r\nCC;123;Ana;Cali\r\n',
    );
    await lake.put(
      'raw/clientes/year=2026/month=01/day=03/clientes.csv',
      'tipo_identificacion;identificacion;nombre;ciudad;segmento\nCC;124;Luis;Pasto;HOGAR\n',
    );
  });
  afterEach(() => cleanup());

  it('crawl --json prints the report as JSON on stdout', async () => {
    const { stdout } = await run(home, 'crawl', '--zone', 'raw', '--json');
    const report = JSON.parse(stdout) as CrawlReport;
    expect(report).toMatchObject({
      zone: 'raw',
      tablesCreated: ['energy_raw_db.clientes'],
      partitionsAdded: 2,
      filesRead: 2,
      warnings: [],
    });
  });

  it('crawl prints human text and refuses an unknown zone', async () => {
    const { stdout } = await run(home, 'crawl');
    expect(stdout).toContain('tables created: energy_raw_db.clientes');
    await expect(run(home, 'crawl', '--zone', 'curated')).rejects.toThrow(
      /--zone: Invalid option: expected one of "raw"\|"processed"\|"all"/,
    );
  });

  it('catalog lists databases and tables, as text and as JSON', async () => {
    await run(home, 'crawl');
    const listing = JSON.parse((await run(home, 'catalog', '--json')).stdout) as CatalogListing;
    expect(listing.databases).toEqual([
      {
        name: 'energy_raw_db',
        description: expect.any(String),
        tables: [
          expect.objectContaining({
            name: 'clientes',
            format: 'csv',
            columns: 5,
            partitions: 2,
            schemaVersion: 1,
            location: path.join(home, 'datalake', 'raw', 'clientes'),
          }),
        ],
      },
    ]);
    const text = (await run(home, 'catalog')).stdout;
    expect(text).toMatch(/energy_raw_db/);
    expect(text).toMatch(/clientes\s+csv\s+5 columns, 2 partitions, schema v1/);
  });

  it('catalog show gives columns, partitions and schema versions', async () => {
    await run(home, 'crawl');
    const details = JSON.parse(
      (await run(home, 'catalog', 'show', 'energy_raw_db.clientes', '--json')).stdout,
    ) as {
      table: { columns: { name: string; type: string }[] };
      partitions: unknown[];
      schemaVersions: unknown[];
    };
    expect(details.table.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'tipo_identificacion:string',
      'identificacion:bigint',
      'nombre:string',
      'ciudad:string',
      'segmento:string',
    ]);
    expect(details.partitions).toHaveLength(2);
    expect(details.schemaVersions).toHaveLength(1);

    const text = (await run(home, 'catalog', 'show', 'energy_raw_db.clientes')).stdout;
    expect(text).toContain('identificacion       bigint');
    expect(text).toContain('year=2026/month=01/day=02  schema v1, 1 file, reads as NULL: segmento');
    expect(text).toContain('partition keys: year, month, day');

    await expect(run(home, 'catalog', 'show', 'energy_raw_db.nope')).rejects.toMatchObject({
      exitCode: 1,
      message: 'corriente: table energy_raw_db.nope is not in the catalog',
    });
  });

  it('catalog crawls lists past reports, newest first', async () => {
    const first = JSON.parse((await run(home, 'crawl', '--json')).stdout) as CrawlReport;
    const second = JSON.parse((await run(home, 'crawl', '--json')).stdout) as CrawlReport;
    expect(second.filesRead).toBe(0);
    const reports = JSON.parse(
      (await run(home, 'catalog', 'crawls', '--json')).stdout,
    ) as CrawlReport[];
    expect(reports.map((r) => r.id)).toEqual([second.id, first.id]);
    expect((await run(home, 'catalog', 'crawls', '--limit', '1')).stdout).toContain(second.id);
  });
});
