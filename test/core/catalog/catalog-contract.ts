import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CatalogError,
  type Catalog,
  type CrawlReport,
  type PartitionInput,
  type TableInput,
} from '../../../src/core/catalog/index.js';

/** What each adapter's test provides: a fresh, empty catalog per test. */
export interface CatalogFixture {
  catalog: Catalog;
  cleanup?: () => Promise<void>;
}

const DAY = [
  { name: 'year', type: 'string' },
  { name: 'month', type: 'string' },
  { name: 'day', type: 'string' },
];

export function clientesTable(location: string): TableInput {
  return {
    database: 'energy_raw_db',
    name: 'clientes',
    columns: [
      { name: 'tipo_identificacion', type: 'string' },
      { name: 'identificacion', type: 'bigint' },
      { name: 'nombre', type: 'string' },
      { name: 'ciudad', type: 'string' },
    ],
    partitionKeys: DAY,
    location,
    format: 'csv',
    formatParameters: { delimiter: ';', header: true, encoding: 'utf-8', quoted: false },
    parameters: { owner: 'ingest' },
  };
}

function partition(location: string, day: string, files = ['c.csv']): PartitionInput {
  return {
    values: ['2026', '01', day],
    location: `${location}year=2026/month=01/day=${day}/`,
    columns: [
      { name: 'tipo_identificacion', type: 'string' },
      { name: 'identificacion', type: 'bigint' },
    ],
    formatParameters: { delimiter: ';', header: true, encoding: 'latin-1', quoted: false },
    schemaVersion: 1,
    files: files.map((name, i) => ({ name, size: 100 + i, etag: `e${i}` })),
  };
}

function report(id: string, startedAt: string): CrawlReport {
  return {
    id,
    zone: 'raw',
    startedAt,
    finishedAt: startedAt,
    tablesCreated: ['energy_raw_db.clientes'],
    tablesUpdated: [],
    partitionsAdded: 1,
    partitionsUpdated: 0,
    filesListed: 1,
    filesRead: 1,
    tables: [],
    warnings: [
      { table: 'energy_raw_db.clientes', kind: 'type-changed', message: 'x', column: 'a' },
    ],
  };
}

/**
 * The Catalog contract: every adapter passes these tests.
 * @param location table location the adapter is expected to keep as given
 */
export function catalogContract(
  name: string,
  makeFixture: () => Promise<CatalogFixture>,
  location = 's3://bucket/raw/clientes/',
): void {
  describe(`Catalog contract: ${name}`, () => {
    let fixture: CatalogFixture;
    let catalog: Catalog;
    beforeEach(async () => {
      fixture = await makeFixture();
      catalog = fixture.catalog;
      await catalog.ensureDatabase({ name: 'energy_raw_db', description: 'raw zone' });
    });
    afterEach(async () => {
      await catalog.close();
      await fixture.cleanup?.();
    });

    it('creates databases once and lists them by name', async () => {
      await catalog.ensureDatabase({ name: 'energy_raw_db', description: 'raw zone' });
      await catalog.ensureDatabase({ name: 'energy_processed_db' });
      await catalog.ensureDatabase({ name: 'fx_raw_db' });
      expect(await catalog.listDatabases()).toEqual([
        { name: 'energy_processed_db' },
        { name: 'energy_raw_db', description: 'raw zone' },
        { name: 'fx_raw_db' },
      ]);
    });

    it('creates a table at schema version 1 and reads it back as given', async () => {
      const created = await catalog.createTable(clientesTable(location));
      const read = await catalog.getTable('energy_raw_db', 'clientes');
      expect(read).toEqual(created);
      expect(read).toMatchObject({
        ...clientesTable(location),
        schemaVersion: 1,
      });
      expect(Date.parse(read!.createdAt)).not.toBeNaN();
      const versions = await catalog.listSchemaVersions('energy_raw_db', 'clientes');
      expect(versions.map((v) => v.version)).toEqual([1]);
      expect(versions[0]!.columns).toEqual(clientesTable(location).columns);
      expect(versions[0]!.partitionKeys).toEqual(DAY);
    });

    it('keeps a parquet table with its compression', async () => {
      await catalog.ensureDatabase({ name: 'energy_processed_db' });
      const input: TableInput = {
        database: 'energy_processed_db',
        name: 'transacciones',
        columns: [
          { name: 'precio_kwh_cop', type: 'decimal(18,4)' },
          { name: 'fecha_transaccion', type: 'timestamp' },
          { name: 'es_venta', type: 'boolean' },
        ],
        partitionKeys: DAY,
        location: 's3://bucket/processed/transacciones/',
        format: 'parquet',
        formatParameters: { compression: 'zstd' },
        parameters: {},
      };
      await catalog.createTable(input);
      expect(await catalog.getTable('energy_processed_db', 'transacciones')).toMatchObject(input);
    });

    it('answers undefined or empty lists for what does not exist', async () => {
      expect(await catalog.getTable('energy_raw_db', 'nope')).toBeUndefined();
      expect(await catalog.getTable('no_db', 'nope')).toBeUndefined();
      expect(await catalog.listTables('no_db')).toEqual([]);
      expect(await catalog.listPartitions('energy_raw_db', 'nope')).toEqual([]);
      expect(await catalog.listSchemaVersions('energy_raw_db', 'nope')).toEqual([]);
    });

    it('refuses a second table of the same name, a missing database, a missing table', async () => {
      await catalog.createTable(clientesTable(location));
      await expect(catalog.createTable(clientesTable(location))).rejects.toMatchObject({
        name: 'CatalogError',
        code: 'already-exists',
      });
      await expect(
        catalog.createTable({ ...clientesTable(location), database: 'no_db' }),
      ).rejects.toMatchObject({ code: 'not-found' });
      await expect(
        catalog.updateTable({ ...clientesTable(location), name: 'nope' }),
      ).rejects.toBeInstanceOf(CatalogError);
      await expect(
        catalog.putPartitions('energy_raw_db', 'nope', [partition(location, '01')]),
      ).rejects.toMatchObject({ code: 'not-found' });
    });

    it('lists tables of a database by name', async () => {
      for (const n of ['transacciones', 'clientes', 'proveedores']) {
        await catalog.createTable({ ...clientesTable(location), name: n });
      }
      const tables = await catalog.listTables('energy_raw_db');
      expect(tables.map((t) => t.name)).toEqual(['clientes', 'proveedores', 'transacciones']);
      expect(tables[0]!.columns).toHaveLength(4);
    });

    it('records a schema version only when the schema changes', async () => {
      const base = clientesTable(location);
      await catalog.createTable(base);
      // Same columns, other parameters: no new version.
      const same = await catalog.updateTable({ ...base, parameters: { owner: 'crawler' } });
      expect(same.schemaVersion).toBe(1);
      expect(same.parameters).toEqual({ owner: 'crawler' });

      const added = await catalog.updateTable({
        ...base,
        columns: [...base.columns, { name: 'segmento', type: 'string' }],
        schemaChanges: ['added column segmento'],
      });
      expect(added.schemaVersion).toBe(2);

      const flagged = await catalog.updateTable({
        ...base,
        columns: [
          ...base.columns.map((c) => (c.name === 'identificacion' ? { ...c, type: 'string' } : c)),
          { name: 'segmento', type: 'string', removed: true },
        ],
        schemaChanges: ['identificacion bigint → string', 'column segmento removed'],
      });
      expect(flagged.schemaVersion).toBe(3);
      expect(flagged.columns.at(-1)).toEqual({ name: 'segmento', type: 'string', removed: true });
      // An update that changes nothing keeps version 3 and its change list.
      await catalog.updateTable({ ...flagged, parameters: { owner: 'again' } });

      const versions = await catalog.listSchemaVersions('energy_raw_db', 'clientes');
      expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
      expect(versions[1]!.changes).toEqual(['added column segmento']);
      expect(versions[2]!.changes).toEqual([
        'identificacion bigint → string',
        'column segmento removed',
      ]);
      expect(versions[0]!.columns.map((c) => c.name)).not.toContain('segmento');
      expect(versions[2]!.columns.find((c) => c.name === 'identificacion')!.type).toBe('string');
      expect(versions[2]!.columns.at(-1)!.removed).toBe(true);
    });

    it('adds partitions, replaces those with the same values and lists them in order', async () => {
      await catalog.createTable(clientesTable(location));
      await catalog.putPartitions('energy_raw_db', 'clientes', [
        partition(location, '03'),
        partition(location, '01'),
      ]);
      await catalog.putPartitions('energy_raw_db', 'clientes', [
        { ...partition(location, '01', ['c.csv', 'd.csv']), schemaVersion: 2 },
        partition(location, '02'),
      ]);
      const parts = await catalog.listPartitions('energy_raw_db', 'clientes');
      expect(parts.map((p) => p.values)).toEqual([
        ['2026', '01', '01'],
        ['2026', '01', '02'],
        ['2026', '01', '03'],
      ]);
      expect(parts[0]).toMatchObject({
        ...partition(location, '01', ['c.csv', 'd.csv']),
        schemaVersion: 2,
      });
      expect(parts[0]!.files).toEqual([
        { name: 'c.csv', size: 100, etag: 'e0' },
        { name: 'd.csv', size: 101, etag: 'e1' },
      ]);
      expect(parts[1]!.formatParameters).toEqual({
        delimiter: ';',
        header: true,
        encoding: 'latin-1',
        quoted: false,
      });
    });

    it('handles more partitions than one request or page holds', async () => {
      await catalog.createTable(clientesTable(location));
      const many: PartitionInput[] = [];
      for (let m = 1; m <= 12; m++) {
        for (let d = 1; d <= 13; d++) {
          const day = String(d).padStart(2, '0');
          const month = String(m).padStart(2, '0');
          many.push({
            ...partition(location, day),
            values: ['2025', month, day],
            location: `${location}year=2025/month=${month}/day=${day}/`,
          });
        }
      }
      await catalog.putPartitions('energy_raw_db', 'clientes', many);
      const parts = await catalog.listPartitions('energy_raw_db', 'clientes');
      expect(parts).toHaveLength(156);
      expect(parts.at(-1)!.values).toEqual(['2025', '12', '13']);
    });

    it('keeps crawl reports, newest first', async () => {
      await catalog.recordCrawl(report('a', '2026-01-01T00:00:00.000Z'));
      await catalog.recordCrawl(report('b', '2026-01-01T00:01:00.000Z'));
      await catalog.recordCrawl(report('c', '2026-01-01T00:02:00.000Z'));
      const all = await catalog.listCrawls();
      expect(all.map((r) => r.id)).toEqual(['c', 'b', 'a']);
      expect(all[0]).toEqual(report('c', '2026-01-01T00:02:00.000Z'));
      expect((await catalog.listCrawls(2)).map((r) => r.id)).toEqual(['c', 'b']);
    });
  });
}
