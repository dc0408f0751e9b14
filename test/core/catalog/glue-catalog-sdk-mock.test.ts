import {
  BatchCreatePartitionCommand,
  BatchUpdatePartitionCommand,
  CreateTableCommand,
  GetTableVersionsCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlueCatalog } from '../../../src/core/catalog/glue/glue-catalog.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { catalogContract, clientesTable } from './catalog-contract.js';
import { createFakeGlue, type FakeGlue } from './fake-glue.js';

catalogContract('GlueCatalog (SDK mock: in-memory fake Glue on aws-sdk-client-mock)', async () => {
  const fake = createFakeGlue();
  return { catalog: new GlueCatalog({ client: fake.client }), cleanup: async () => fake.restore() };
});

describe('GlueCatalog request shapes (SDK mock, no Glue emulator exists)', () => {
  let fake: FakeGlue;
  let catalog: GlueCatalog;
  beforeEach(async () => {
    fake = createFakeGlue();
    catalog = new GlueCatalog({ client: fake.client, catalogId: '123456789012' });
    await catalog.ensureDatabase({ name: 'energy_raw_db' });
  });
  afterEach(() => fake.restore());

  it('writes a CSV table as a Glue crawler does: LazySimpleSerDe, field.delim, header skip', async () => {
    await catalog.createTable(clientesTable('s3://bucket/raw/clientes/'));
    const input = fake.mock.commandCalls(CreateTableCommand)[0]!.args[0].input;
    expect(input.CatalogId).toBe('123456789012');
    expect(input.DatabaseName).toBe('energy_raw_db');
    expect(input.TableInput).toMatchObject({
      Name: 'clientes',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [
        { Name: 'year', Type: 'string' },
        { Name: 'month', Type: 'string' },
        { Name: 'day', Type: 'string' },
      ],
      Parameters: {
        classification: 'csv',
        delimiter: ';',
        'skip.header.line.count': '1',
        areColumnsQuoted: 'false',
        owner: 'ingest',
        'corriente.schema_version': '1',
      },
      StorageDescriptor: {
        Location: 's3://bucket/raw/clientes/',
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': ';', 'serialization.format': ';' },
        },
        Columns: [
          { Name: 'tipo_identificacion', Type: 'string' },
          { Name: 'identificacion', Type: 'bigint' },
          { Name: 'nombre', Type: 'string' },
          { Name: 'ciudad', Type: 'string' },
        ],
      },
    });
  });

  it('chooses OpenCSVSerde for quoted CSV and names Latin-1 for LazySimpleSerDe', async () => {
    await catalog.createTable({
      ...clientesTable('s3://bucket/raw/clientes/'),
      formatParameters: { delimiter: ',', header: true, encoding: 'utf-8', quoted: true },
    });
    await catalog.createTable({
      ...clientesTable('s3://bucket/raw/proveedores/'),
      name: 'proveedores',
      formatParameters: { delimiter: ';', header: true, encoding: 'latin-1', quoted: false },
    });
    const [quoted, latin] = fake.mock.commandCalls(CreateTableCommand).map((c) => c.args[0].input);
    expect(quoted!.TableInput!.StorageDescriptor!.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
      Parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
    });
    expect(latin!.TableInput!.StorageDescriptor!.SerdeInfo!.Parameters).toEqual({
      'field.delim': ';',
      'serialization.format': ';',
      'serialization.encoding': 'ISO-8859-1',
    });
  });

  it('writes a Parquet table with ParquetHiveSerDe and Glue column types', async () => {
    await catalog.ensureDatabase({ name: 'energy_processed_db' });
    await catalog.createTable({
      database: 'energy_processed_db',
      name: 'transacciones',
      columns: [
        { name: 'cantidad_comprada_kwh', type: 'double' },
        { name: 'precio_kwh_cop', type: 'decimal(18,2)' },
        { name: 'fecha', type: 'date' },
      ],
      partitionKeys: [{ name: 'year', type: 'string' }],
      location: 's3://bucket/processed/transacciones/',
      format: 'parquet',
      formatParameters: { compression: 'zstd' },
    });
    const input = fake.mock.commandCalls(CreateTableCommand)[0]!.args[0].input;
    expect(input.TableInput!.Parameters).toMatchObject({
      classification: 'parquet',
      compressionType: 'zstd',
    });
    expect(input.TableInput!.StorageDescriptor).toMatchObject({
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        Parameters: { 'serialization.format': '1' },
      },
      Columns: [
        { Name: 'cantidad_comprada_kwh', Type: 'double' },
        { Name: 'precio_kwh_cop', Type: 'decimal(18,2)' },
        { Name: 'fecha', Type: 'date' },
      ],
    });
  });

  it('archives a Glue table version only when the schema changes', async () => {
    const base = clientesTable('s3://bucket/raw/clientes/');
    await catalog.createTable(base);
    await catalog.updateTable({ ...base, parameters: { owner: 'x' } });
    await catalog.updateTable({
      ...base,
      columns: [...base.columns, { name: 'segmento', type: 'string', removed: true }],
      schemaChanges: ['added column segmento'],
    });
    const updates = fake.mock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.SkipArchive)).toEqual([true, false]);
    expect(updates[1]!.TableInput!.StorageDescriptor!.Columns!.at(-1)).toEqual({
      Name: 'segmento',
      Type: 'string',
      Parameters: { 'corriente.removed': 'true' },
    });
    expect(updates[1]!.TableInput!.Parameters!['corriente.schema_version']).toBe('2');
    await catalog.listSchemaVersions('energy_raw_db', 'clientes');
    expect(fake.mock.commandCalls(GetTableVersionsCommand).length).toBeGreaterThanOrEqual(1);
  });

  it('declares every column of a quoted (OpenCSVSerde) table string, Latin-1 with its encoding', async () => {
    await catalog.createTable({
      ...clientesTable('s3://bucket/raw/clientes/'),
      columns: [
        { name: 'nombre', type: 'string' },
        { name: 'estrato', type: 'bigint' },
        { name: 'capacidad', type: 'double' },
        { name: 'fecha_registro', type: 'date' },
        { name: 'actualizado', type: 'timestamp' },
      ],
      formatParameters: { delimiter: ';', header: true, encoding: 'latin-1', quoted: true },
    });
    const input = fake.mock.commandCalls(CreateTableCommand)[0]!.args[0].input.TableInput!;
    expect(input.StorageDescriptor!.Columns!.map((c) => c.Type)).toEqual([
      'string',
      'string',
      'string',
      'string',
      'string',
    ]);
    expect(input.StorageDescriptor!.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
      Parameters: {
        separatorChar: ';',
        quoteChar: '"',
        escapeChar: '\\',
        'serialization.encoding': 'ISO-8859-1',
      },
    });
    // corriente still knows what the crawler inferred.
    const table = await catalog.getTable('energy_raw_db', 'clientes');
    expect(table!.columns.map((c) => c.type)).toEqual([
      'string',
      'bigint',
      'double',
      'date',
      'timestamp',
    ]);
    // Partitions of that table: the same string columns.
    await catalog.putPartitions('energy_raw_db', 'clientes', [
      {
        values: ['2026', '01', '02'],
        location: 's3://bucket/raw/clientes/year=2026/month=01/day=02/',
        columns: [{ name: 'estrato', type: 'bigint' }],
        formatParameters: { delimiter: ';', header: true, encoding: 'latin-1', quoted: true },
        schemaVersion: 1,
        files: [{ name: 'c.csv', size: 10 }],
      },
    ]);
    const part = fake.mock.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input
      .PartitionInputList![0]!;
    expect(part.StorageDescriptor!.Columns).toEqual(input.StorageDescriptor!.Columns);
  });

  it('copies a changed table schema into every partition (no HIVE_PARTITION_SCHEMA_MISMATCH)', async () => {
    await catalog.createTable(clientesTable('s3://bucket/raw/clientes/'));
    const own = [{ name: 'identificacion', type: 'bigint' }];
    await catalog.putPartitions(
      'energy_raw_db',
      'clientes',
      ['01', '02'].map((day) => ({
        values: ['2026', '01', day],
        location: `s3://bucket/raw/clientes/year=2026/month=01/day=${day}/`,
        columns: own,
        formatParameters: { delimiter: ';', header: true, encoding: 'utf-8' as const },
        schemaVersion: 1,
        files: [{ name: 'c.csv', size: 10 }],
      })),
    );
    const widened = clientesTable('s3://bucket/raw/clientes/');
    widened.columns = [
      ...widened.columns.map((c) => (c.name === 'identificacion' ? { ...c, type: 'string' } : c)),
      { name: 'segmento', type: 'string' },
    ];
    await catalog.updateTable(widened);
    const updates = fake.mock.commandCalls(BatchUpdatePartitionCommand).map((c) => c.args[0].input);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.Entries!.map((e) => e.PartitionValueList)).toEqual([
      ['2026', '01', '01'],
      ['2026', '01', '02'],
    ]);
    for (const e of updates[0]!.Entries!) {
      expect(
        e.PartitionInput!.StorageDescriptor!.Columns!.map((c) => `${c.Name} ${c.Type}`),
      ).toEqual([
        'tipo_identificacion string',
        'identificacion string',
        'nombre string',
        'ciudad string',
        'segmento string',
      ]);
    }
    const parts = await catalog.listPartitions('energy_raw_db', 'clientes');
    expect(parts.map((p) => p.columns)).toEqual([own, own]);
    // An update that changes nothing touches no partition.
    await catalog.updateTable(widened);
    expect(fake.mock.commandCalls(BatchUpdatePartitionCommand)).toHaveLength(1);
  });

  it('creates partitions in batches of 100, then updates those that exist', async () => {
    await catalog.createTable(clientesTable('s3://bucket/raw/clientes/'));
    const make = (i: number) => ({
      values: ['2026', '01', String(i).padStart(3, '0')],
      location: `s3://bucket/raw/clientes/year=2026/month=01/day=${i}/`,
      columns: [{ name: 'nombre', type: 'string' }],
      formatParameters: { delimiter: ';', header: true, encoding: 'utf-8' as const },
      schemaVersion: 1,
      files: [{ name: 'c.csv', size: 10 }],
    });
    await catalog.putPartitions(
      'energy_raw_db',
      'clientes',
      Array.from({ length: 150 }, (_, i) => make(i)),
    );
    const creates = fake.mock.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input);
    expect(creates.map((c) => c.PartitionInputList!.length)).toEqual([100, 50]);
    expect(creates[0]!.PartitionInputList![0]).toMatchObject({
      Values: ['2026', '01', '000'],
      StorageDescriptor: {
        Location: 's3://bucket/raw/clientes/year=2026/month=01/day=0/',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': ';' },
        },
        // The table's columns, typed as the table types them; the partition's own in a parameter.
        Columns: [
          { Name: 'tipo_identificacion', Type: 'string' },
          { Name: 'identificacion', Type: 'bigint' },
          { Name: 'nombre', Type: 'string' },
          { Name: 'ciudad', Type: 'string' },
        ],
      },
      Parameters: {
        'corriente.schema_version': '1',
        'corriente.files': '[["c.csv",10,""]]',
        'corriente.columns': '[{"name":"nombre","type":"string"}]',
      },
    });
    expect((await catalog.listPartitions('energy_raw_db', 'clientes'))[0]!.columns).toEqual([
      { name: 'nombre', type: 'string' },
    ]);

    await catalog.putPartitions('energy_raw_db', 'clientes', [make(3), make(200)]);
    const updates = fake.mock.commandCalls(BatchUpdatePartitionCommand).map((c) => c.args[0].input);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.Entries!.map((e) => e.PartitionValueList)).toEqual([['2026', '01', '003']]);
    expect(await catalog.listPartitions('energy_raw_db', 'clientes')).toHaveLength(151);
  });

  it('keeps crawl reports in an ObjectStore when given one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'corriente-glue-reports-'));
    try {
      const store = new LocalFsObjectStore({ root: dir });
      const withStore = new GlueCatalog({ client: fake.client, reports: { store } });
      const report = {
        id: 'r1',
        zone: 'all' as const,
        startedAt: '2026-01-02T03:04:05.000Z',
        finishedAt: '2026-01-02T03:04:06.000Z',
        tablesCreated: [],
        tablesUpdated: [],
        partitionsAdded: 0,
        partitionsUpdated: 0,
        filesListed: 0,
        filesRead: 0,
        tables: [],
        warnings: [],
      };
      await withStore.recordCrawl(report);
      const page = await store.list('_crawls/');
      expect(page.objects.map((o) => o.key)).toEqual(['_crawls/2026-01-02T03-04-05-000Z-r1.json']);
      expect(await withStore.listCrawls()).toEqual([report]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('crawler → GlueCatalog (SDK mock, no Glue emulator exists)', () => {
  it('registers a crawled S3 lake table with its s3:// location and partitions', async () => {
    const { crawl } = await import('../../../src/core/crawler/index.js');
    const { silentLogger } = await import('../../../src/core/log/logger.js');
    const dir = await mkdtemp(path.join(tmpdir(), 'corriente-glue-crawl-'));
    const fake = createFakeGlue();
    try {
      const local = new LocalFsObjectStore({ root: dir });
      await local.put(
        'raw/clientes/year=2026/month=01/day=02/c.csv',
        'tipo_identificacion;identificacion;nombre;ciudad\nCC;1;Ana;Cali\n',
      );
      // The lake seen as an S3 bucket (no local paths).
      const s3Like = {
        url: 's3://bucket/',
        put: local.put.bind(local),
        get: local.get.bind(local),
        getStream: local.getStream.bind(local),
        head: local.head.bind(local),
        list: local.list.bind(local),
        copy: local.copy.bind(local),
        putIfAbsent: local.putIfAbsent.bind(local),
        copyIfAbsent: local.copyIfAbsent.bind(local),
        delete: local.delete.bind(local),
      };
      const catalog = new GlueCatalog({ client: fake.client });
      const report = await crawl({ datalake: s3Like, catalog, log: silentLogger });
      expect(report.tablesCreated).toEqual(['energy_raw_db.clientes']);
      const create = fake.mock.commandCalls(CreateTableCommand)[0]!.args[0].input;
      expect(create.TableInput!.StorageDescriptor!.Location).toBe('s3://bucket/raw/clientes/');
      expect(create.TableInput!.Parameters).toMatchObject({
        classification: 'csv',
        delimiter: ';',
        'skip.header.line.count': '1',
      });
      const batch = fake.mock.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input;
      expect(
        batch.PartitionInputList!.map((p) => [p.Values, p.StorageDescriptor!.Location]),
      ).toEqual([[['2026', '01', '02'], 's3://bucket/raw/clientes/year=2026/month=01/day=02/']]);
      expect((await crawl({ datalake: s3Like, catalog, log: silentLogger })).filesRead).toBe(0);
    } finally {
      fake.restore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
