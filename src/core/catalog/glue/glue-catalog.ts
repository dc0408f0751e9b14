import {
  BatchCreatePartitionCommand,
  BatchUpdatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GetTableVersionsCommand,
  UpdateTableCommand,
  type Column as GlueColumn,
  type GlueClient,
  type Partition as GluePartition,
  type SerDeInfo,
  type PartitionInput as GluePartitionInput,
  type StorageDescriptor,
  type Table as GlueTable,
  type TableInput as GlueTableInput,
} from '@aws-sdk/client-glue';
import { listAll, type ObjectStore } from '../../object-store/object-store.js';
import {
  CatalogError,
  columnsDiffer,
  type Catalog,
  type Column,
  type CrawlReport,
  type Database,
  type FormatParameters,
  type Partition,
  type PartitionFile,
  type PartitionInput,
  type SchemaVersion,
  type Table,
  type TableFormat,
  type TableInput,
  type TextEncoding,
} from '../catalog.js';

export interface GlueCatalogOptions {
  client: GlueClient;
  /** AWS account id of the Data Catalog. @default the caller's account */
  catalogId?: string;
  /**
   * Where crawl reports are kept, as JSON objects under `prefix` (the Data Catalog has no place
   * for them). @default kept in memory for the life of the object
   */
  reports?: { store: ObjectStore; prefix?: string };
}

/** Parameters corriente writes; everything else in `Parameters` is the caller's. */
const P = {
  schemaVersion: 'corriente.schema_version',
  schemaChanges: 'corriente.schema_changes',
  schemaCreatedAt: 'corriente.schema_created_at',
  encoding: 'corriente.encoding',
  files: 'corriente.files',
  updatedAt: 'corriente.updated_at',
  removed: 'corriente.removed',
  /** A column's inferred type, when Glue is given `string` (OpenCSVSerde tables). */
  type: 'corriente.type',
  /** A partition's own columns (its storage descriptor carries the table's). */
  columns: 'corriente.columns',
} as const;
const FORMAT_KEYS = new Set([
  'classification',
  'delimiter',
  'skip.header.line.count',
  'areColumnsQuoted',
  'compressionType',
  'typeOfData',
]);

const SERDE = {
  lazySimple: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
  openCsv: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
  parquet: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  json: 'org.openx.data.jsonserde.JsonSerDe',
} as const;
const TEXT_INPUT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
const PARQUET_INPUT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const BATCH = 100; // Glue's limit for BatchCreatePartition / BatchUpdatePartition

/**
 * The Catalog on the AWS Glue Data Catalog. Tables are written the way Glue crawlers write them
 * (classification, SerDe, `skip.header.line.count`), so Athena and Glue jobs read them as-is.
 * Schema versions are Glue table versions: `UpdateTable` archives a version only when the
 * schema changed (`SkipArchive` otherwise); corriente's version number is a table parameter.
 */
export class GlueCatalog implements Catalog {
  private readonly client: GlueClient;
  private readonly catalogId: { CatalogId?: string };
  private readonly memoryReports: CrawlReport[] = [];

  constructor(private readonly options: GlueCatalogOptions) {
    this.client = options.client;
    this.catalogId = options.catalogId ? { CatalogId: options.catalogId } : {};
  }

  async ensureDatabase(db: Database): Promise<void> {
    try {
      await this.client.send(
        new CreateDatabaseCommand({
          ...this.catalogId,
          DatabaseInput: {
            Name: db.name,
            ...(db.description ? { Description: db.description } : {}),
          },
        }),
      );
    } catch (err) {
      if (errorName(err) !== 'AlreadyExistsException') throw err;
    }
  }

  async listDatabases(): Promise<Database[]> {
    const out: Database[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new GetDatabasesCommand({ ...this.catalogId, ...(token ? { NextToken: token } : {}) }),
      );
      for (const d of res.DatabaseList ?? []) {
        out.push({ name: d.Name!, ...(d.Description ? { description: d.Description } : {}) });
      }
      token = res.NextToken;
    } while (token);
    return out.sort((a, b) => cmp(a.name, b.name));
  }

  async getTable(database: string, name: string): Promise<Table | undefined> {
    const raw = await this.getGlueTable(database, name);
    return raw ? fromGlueTable(database, raw) : undefined;
  }

  private async getGlueTable(database: string, name: string): Promise<GlueTable | undefined> {
    try {
      const res = await this.client.send(
        new GetTableCommand({ ...this.catalogId, DatabaseName: database, Name: name }),
      );
      return res.Table;
    } catch (err) {
      if (errorName(err) === 'EntityNotFoundException') return undefined;
      throw err;
    }
  }

  async listTables(database: string): Promise<Table[]> {
    const out: Table[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new GetTablesCommand({
            ...this.catalogId,
            DatabaseName: database,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const t of res.TableList ?? []) out.push(fromGlueTable(database, t));
        token = res.NextToken;
      } while (token);
    } catch (err) {
      if (errorName(err) === 'EntityNotFoundException') return [];
      throw err;
    }
    return out.sort((a, b) => cmp(a.name, b.name));
  }

  async createTable(input: TableInput): Promise<Table> {
    try {
      await this.client.send(
        new CreateTableCommand({
          ...this.catalogId,
          DatabaseName: input.database,
          TableInput: toGlueTableInput(input, {
            version: 1,
            changes: [],
            createdAt: new Date().toISOString(),
          }),
        }),
      );
    } catch (err) {
      const name = errorName(err);
      if (name === 'AlreadyExistsException') {
        throw new CatalogError(
          `table ${input.database}.${input.name} already exists`,
          'already-exists',
        );
      }
      if (name === 'EntityNotFoundException') {
        throw new CatalogError(`database ${input.database} does not exist`, 'not-found');
      }
      throw err;
    }
    return (await this.getTable(input.database, input.name))!;
  }

  async updateTable(input: TableInput): Promise<Table> {
    const raw = await this.getGlueTable(input.database, input.name);
    if (!raw) {
      throw new CatalogError(`table ${input.database}.${input.name} does not exist`, 'not-found');
    }
    const current = fromGlueTable(input.database, raw);
    const changed =
      columnsDiffer(current.columns, input.columns) ||
      columnsDiffer(current.partitionKeys, input.partitionKeys);
    // An unchanged schema keeps its version record (number, changes, creation time).
    const version: VersionRecord = changed
      ? {
          version: current.schemaVersion + 1,
          changes: input.schemaChanges ?? [],
          createdAt: new Date().toISOString(),
        }
      : versionRecordOf(raw);
    const tableInput = toGlueTableInput(input, version);
    await this.client.send(
      new UpdateTableCommand({
        ...this.catalogId,
        DatabaseName: input.database,
        TableInput: tableInput,
        SkipArchive: !changed,
      }),
    );
    // Athena reads a partition with its own column types and refuses one whose types differ from
    // the table's (HIVE_PARTITION_SCHEMA_MISMATCH): a widened or extended table is copied into
    // every partition's storage descriptor.
    if (changed) {
      await this.syncPartitionColumns(
        input.database,
        input.name,
        tableInput.StorageDescriptor?.Columns ?? [],
      );
    }
    return (await this.getTable(input.database, input.name))!;
  }

  private async syncPartitionColumns(
    database: string,
    table: string,
    columns: GlueColumn[],
  ): Promise<void> {
    const stale: GluePartition[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new GetPartitionsCommand({
          ...this.catalogId,
          DatabaseName: database,
          TableName: table,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const p of res.Partitions ?? []) {
        if (JSON.stringify(p.StorageDescriptor?.Columns ?? []) !== JSON.stringify(columns)) {
          stale.push(p);
        }
      }
      token = res.NextToken;
    } while (token);
    for (const chunk of chunks(stale, BATCH)) {
      const res = await this.client.send(
        new BatchUpdatePartitionCommand({
          ...this.catalogId,
          DatabaseName: database,
          TableName: table,
          Entries: chunk.map((p) => ({
            PartitionValueList: p.Values ?? [],
            PartitionInput: {
              Values: p.Values ?? [],
              StorageDescriptor: { ...p.StorageDescriptor, Columns: columns },
              Parameters: {
                ...p.Parameters,
                // Keep the partition's own columns (the crawler compares with them).
                [P.columns]:
                  p.Parameters?.[P.columns] ??
                  JSON.stringify((p.StorageDescriptor?.Columns ?? []).map(fromGlueColumn)),
              },
            },
          })),
        }),
      );
      const failure = res.Errors?.[0];
      if (failure) {
        throw partitionError(
          database,
          table,
          failure.PartitionValueList,
          failure.ErrorDetail?.ErrorMessage,
        );
      }
    }
  }

  async listPartitions(database: string, table: string): Promise<Partition[]> {
    const out: Partition[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new GetPartitionsCommand({
            ...this.catalogId,
            DatabaseName: database,
            TableName: table,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const p of res.Partitions ?? []) out.push(fromGluePartition(p));
        token = res.NextToken;
      } while (token);
    } catch (err) {
      if (errorName(err) === 'EntityNotFoundException') return [];
      throw err;
    }
    return out.sort((a, b) => cmp(a.values.join('/'), b.values.join('/')));
  }

  /** BatchCreatePartition first; partitions that already exist go to BatchUpdatePartition. */
  async putPartitions(
    database: string,
    table: string,
    partitions: PartitionInput[],
  ): Promise<void> {
    // Partitions share the table's format; Glue wants it spelled out in each one.
    const owner = await this.getTable(database, table);
    if (!owner) throw new CatalogError(`table ${database}.${table} does not exist`, 'not-found');
    const existing: PartitionInput[] = [];
    const updatedAt = new Date().toISOString();
    const toInput = (p: PartitionInput) => toGluePartitionInput(owner, p, updatedAt);
    for (const chunk of chunks(partitions, BATCH)) {
      const res = await this.client.send(
        new BatchCreatePartitionCommand({
          ...this.catalogId,
          DatabaseName: database,
          TableName: table,
          PartitionInputList: chunk.map(toInput),
        }),
      );
      for (const e of res.Errors ?? []) {
        const p = chunk.find((c) => sameValues(c.values, e.PartitionValues ?? []));
        if (e.ErrorDetail?.ErrorCode === 'AlreadyExistsException' && p) existing.push(p);
        else throw partitionError(database, table, e.PartitionValues, e.ErrorDetail?.ErrorMessage);
      }
    }
    for (const chunk of chunks(existing, BATCH)) {
      const res = await this.client.send(
        new BatchUpdatePartitionCommand({
          ...this.catalogId,
          DatabaseName: database,
          TableName: table,
          Entries: chunk.map((p) => ({
            PartitionValueList: p.values,
            PartitionInput: toInput(p),
          })),
        }),
      );
      const failure = res.Errors?.[0];
      if (failure) {
        throw partitionError(
          database,
          table,
          failure.PartitionValueList,
          failure.ErrorDetail?.ErrorMessage,
        );
      }
    }
  }

  async listSchemaVersions(database: string, table: string): Promise<SchemaVersion[]> {
    const byVersion = new Map<number, SchemaVersion>();
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new GetTableVersionsCommand({
            ...this.catalogId,
            DatabaseName: database,
            TableName: table,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const v of res.TableVersions ?? []) {
          if (!v.Table) continue;
          const t = fromGlueTable(database, v.Table);
          // Several Glue versions may carry one schema version (a table edited outside
          // corriente); they hold the same columns, so the first one seen is kept.
          if (byVersion.has(t.schemaVersion)) continue;
          const record = versionRecordOf(v.Table);
          byVersion.set(t.schemaVersion, {
            version: t.schemaVersion,
            columns: t.columns,
            partitionKeys: t.partitionKeys,
            changes: record.changes,
            createdAt: record.createdAt,
          });
        }
        token = res.NextToken;
      } while (token);
    } catch (err) {
      if (errorName(err) === 'EntityNotFoundException') return [];
      throw err;
    }
    return [...byVersion.values()].sort((a, b) => a.version - b.version);
  }

  async recordCrawl(report: CrawlReport): Promise<void> {
    const target = this.options.reports;
    if (!target) {
      this.memoryReports.push(report);
      return;
    }
    await target.store.put(
      `${target.prefix ?? '_crawls/'}${report.startedAt.replace(/[:.]/g, '-')}-${report.id}.json`,
      JSON.stringify(report),
      { contentType: 'application/json' },
    );
  }

  async listCrawls(limit = 20): Promise<CrawlReport[]> {
    const target = this.options.reports;
    if (!target) return [...this.memoryReports].reverse().slice(0, limit);
    const keys: string[] = [];
    for await (const info of listAll(target.store, target.prefix ?? '_crawls/')) {
      if (info.key.endsWith('.json')) keys.push(info.key);
    }
    const newest = keys.sort().reverse().slice(0, limit);
    return Promise.all(
      newest.map(async (k) => JSON.parse((await target.store.get(k)).toString()) as CrawlReport),
    );
  }

  async close(): Promise<void> {}
}

// ---- mapping between the port's model and Glue's ------------------------------------------

/** Glue's StorageDescriptor for a format, as Glue crawlers write it. */
export function storageDescriptorFor(
  format: TableFormat,
  fp: FormatParameters,
  columns: Column[],
  location: string,
): StorageDescriptor {
  const parameters = formatParametersToGlue(format, fp);
  const base = {
    Columns: glueColumnsFor(format, fp, columns),
    Location: location,
    Parameters: parameters,
  };
  switch (format) {
    case 'parquet':
      return {
        ...base,
        InputFormat: PARQUET_INPUT,
        OutputFormat: PARQUET_OUTPUT,
        SerdeInfo: {
          SerializationLibrary: SERDE.parquet,
          Parameters: { 'serialization.format': '1' },
        },
      };
    case 'json':
      return {
        ...base,
        InputFormat: TEXT_INPUT,
        OutputFormat: TEXT_OUTPUT,
        SerdeInfo: {
          SerializationLibrary: SERDE.json,
          Parameters: { paths: columnNames(columns) },
        },
      };
    case 'csv': {
      const delim = fp.delimiter ?? ',';
      const encoding: Record<string, string> =
        fp.encoding === 'latin-1' ? { 'serialization.encoding': 'ISO-8859-1' } : {};
      const serde: SerDeInfo = fp.quoted
        ? {
            SerializationLibrary: SERDE.openCsv,
            Parameters: { separatorChar: delim, quoteChar: '"', escapeChar: '\\', ...encoding },
          }
        : {
            SerializationLibrary: SERDE.lazySimple,
            Parameters: {
              'field.delim': delim,
              'serialization.format': delim,
              ...encoding,
            },
          };
      return { ...base, InputFormat: TEXT_INPUT, OutputFormat: TEXT_OUTPUT, SerdeInfo: serde };
    }
  }
}

function formatParametersToGlue(format: TableFormat, fp: FormatParameters): Record<string, string> {
  const out: Record<string, string> = { classification: format, typeOfData: 'file' };
  out.compressionType = fp.compression ?? 'none';
  if (format === 'csv') {
    out.delimiter = fp.delimiter ?? ',';
    out['skip.header.line.count'] = fp.header ? '1' : '0';
    out.areColumnsQuoted = fp.quoted ? 'true' : 'false';
  }
  if (fp.encoding) out[P.encoding] = fp.encoding;
  return out;
}

function formatParametersFromGlue(params: Record<string, string>): FormatParameters {
  const fp: FormatParameters = {};
  const format = params.classification;
  if (format === 'csv') {
    if (params.delimiter !== undefined) fp.delimiter = params.delimiter;
    fp.header = params['skip.header.line.count'] === '1';
    fp.quoted = params.areColumnsQuoted === 'true';
  }
  if (params[P.encoding]) fp.encoding = params[P.encoding] as TextEncoding | 'mixed';
  if (params.compressionType && params.compressionType !== 'none') {
    fp.compression = params.compressionType;
  }
  return fp;
}

/**
 * The columns Glue is given for a table (and all its partitions). OpenCSVSerde reads every field
 * as text: a DATE only as days since the epoch, a TIMESTAMP only as epoch milliseconds, and an
 * empty numeric field fails the query (HIVE_BAD_DATA). So a quoted CSV table declares every
 * column `string` (the inferred type is kept in the column's parameters for corriente, and
 * typing happens in the processed zone). LazySimpleSerDe tables keep the inferred types.
 */
export function glueColumnsFor(
  format: TableFormat,
  fp: FormatParameters,
  columns: readonly Column[],
): GlueColumn[] {
  const asText = format === 'csv' && fp.quoted === true;
  return columns.map((c) => toGlueColumn(c, asText));
}

function toGlueColumn(c: Column, asText = false): GlueColumn {
  const params: Record<string, string> = {
    ...(c.removed ? { [P.removed]: 'true' } : {}),
    ...(asText && c.type !== 'string' ? { [P.type]: c.type } : {}),
  };
  return {
    Name: c.name,
    Type: asText ? 'string' : c.type,
    ...(c.comment ? { Comment: c.comment } : {}),
    ...(Object.keys(params).length ? { Parameters: params } : {}),
  };
}

function fromGlueColumn(c: GlueColumn): Column {
  return {
    name: c.Name!,
    type: c.Parameters?.[P.type] ?? c.Type ?? 'string',
    ...(c.Comment ? { comment: c.Comment } : {}),
    ...(c.Parameters?.[P.removed] === 'true' ? { removed: true } : {}),
  };
}

/** corriente's record of a table's schema version, kept in the table's parameters. */
interface VersionRecord {
  version: number;
  changes: string[];
  createdAt: string;
}

function versionRecordOf(t: GlueTable): VersionRecord {
  const params = t.Parameters ?? {};
  return {
    version: Number(params[P.schemaVersion] ?? '1'),
    changes: parseJson<string[]>(params[P.schemaChanges]) ?? [],
    createdAt:
      params[P.schemaCreatedAt] ?? (t.UpdateTime ?? t.CreateTime ?? new Date(0)).toISOString(),
  };
}

function toGlueTableInput(input: TableInput, record: VersionRecord): GlueTableInput {
  const sd = storageDescriptorFor(
    input.format,
    input.formatParameters,
    input.columns,
    input.location,
  );
  return {
    Name: input.name,
    TableType: 'EXTERNAL_TABLE',
    PartitionKeys: input.partitionKeys.map((c) => toGlueColumn(c)),
    StorageDescriptor: sd,
    Parameters: {
      ...input.parameters,
      ...sd.Parameters,
      [P.schemaVersion]: String(record.version),
      [P.schemaChanges]: JSON.stringify(record.changes),
      [P.schemaCreatedAt]: record.createdAt,
    },
  };
}

function fromGlueTable(database: string, t: GlueTable): Table {
  const params = t.Parameters ?? {};
  const sd = t.StorageDescriptor ?? {};
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!FORMAT_KEYS.has(k) && !k.startsWith('corriente.')) parameters[k] = v;
  }
  const created = (t.CreateTime ?? new Date(0)).toISOString();
  return {
    database: t.DatabaseName ?? database,
    name: t.Name!,
    columns: (sd.Columns ?? []).map(fromGlueColumn),
    partitionKeys: (t.PartitionKeys ?? []).map(fromGlueColumn),
    location: sd.Location ?? '',
    format: (params.classification ?? 'csv') as TableFormat,
    formatParameters: formatParametersFromGlue({ ...sd.Parameters, ...params }),
    parameters,
    schemaVersion: Number(params[P.schemaVersion] ?? '1'),
    createdAt: created,
    updatedAt: (t.UpdateTime ?? t.CreateTime ?? new Date(0)).toISOString(),
  };
}

/**
 * A partition for Glue: its storage descriptor carries the table's columns, typed as the table
 * types them (Athena refuses a partition whose types differ: HIVE_PARTITION_SCHEMA_MISMATCH);
 * the partition's own columns are kept in its parameters.
 */
function toGluePartitionInput(
  owner: Table,
  p: PartitionInput,
  updatedAt: string,
): GluePartitionInput {
  const sd = storageDescriptorFor(owner.format, p.formatParameters, [], p.location);
  return {
    Values: p.values,
    StorageDescriptor: {
      ...sd,
      Columns: glueColumnsFor(owner.format, owner.formatParameters, owner.columns),
    },
    Parameters: {
      [P.columns]: JSON.stringify(p.columns),
      [P.schemaVersion]: String(p.schemaVersion),
      [P.files]: JSON.stringify(p.files.map((f) => [f.name, f.size, f.etag ?? ''])),
      [P.updatedAt]: updatedAt,
    },
  };
}

function fromGluePartition(p: GluePartition): Partition {
  const sd = p.StorageDescriptor ?? {};
  const params = p.Parameters ?? {};
  const files = (parseJson<[string, number, string][]>(params[P.files]) ?? []).map(
    ([name, size, etag]): PartitionFile => ({ name, size, ...(etag ? { etag } : {}) }),
  );
  const created = (p.CreationTime ?? new Date(0)).toISOString();
  return {
    values: p.Values ?? [],
    location: sd.Location ?? '',
    columns: parseJson<Column[]>(params[P.columns]) ?? (sd.Columns ?? []).map(fromGlueColumn),
    formatParameters: formatParametersFromGlue(sd.Parameters ?? {}),
    schemaVersion: Number(params[P.schemaVersion] ?? '1'),
    files,
    createdAt: created,
    updatedAt: params[P.updatedAt] ?? created,
  };
}

function columnNames(columns: Column[]): string {
  return columns.map((c) => c.name).join(',');
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

function partitionError(db: string, table: string, values: string[] | undefined, msg?: string) {
  return new Error(
    `Glue refused partition ${JSON.stringify(values ?? [])} of ${db}.${table}: ${msg ?? 'unknown error'}`,
  );
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
