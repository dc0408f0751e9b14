import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  BatchUpdatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GetTableVersionsCommand,
  GlueClient,
  UpdateTableCommand,
  type BatchCreatePartitionRequest,
  type BatchUpdatePartitionRequest,
  type CreateDatabaseRequest,
  type CreateTableRequest,
  type GetPartitionsRequest,
  type GetTableRequest,
  type GetTablesRequest,
  type GetTableVersionsRequest,
  type Partition,
  type Table,
  type UpdateTableRequest,
} from '@aws-sdk/client-glue';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

/**
 * A small in-memory Glue Data Catalog behind aws-sdk-client-mock (no Glue emulator exists).
 * It keeps the state the real service keeps for the calls GlueCatalog makes, pages results
 * (small pages, so pagination is exercised) and throws Glue's own exceptions.
 */
export interface FakeGlue {
  client: GlueClient;
  mock: AwsClientStub<GlueClient>;
  restore(): void;
}

interface TableState {
  table: Table;
  versions: { VersionId: string; Table: Table }[];
  partitions: Map<string, Partition>;
}

const PAGE = 2;
const PARTITION_PAGE = 25;

export function createFakeGlue(): FakeGlue {
  const client = new GlueClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const mock = mockClient(client);
  const databases = new Map<string, { Name: string; Description?: string }>();
  const tables = new Map<string, Map<string, TableState>>();

  const notFound = (what: string) =>
    new EntityNotFoundException({ message: `${what} not found`, $metadata: {} });
  const tableState = (db: string | undefined, name: string | undefined): TableState => {
    const dbTables = tables.get(db ?? '');
    if (!dbTables) throw notFound(`Database ${db}`);
    const state = dbTables.get(name ?? '');
    if (!state) throw notFound(`Table ${name}`);
    return state;
  };
  const page = <T>(items: T[], token: string | undefined, size: number) => {
    const start = token ? Number(token) : 0;
    const next = start + size < items.length ? String(start + size) : undefined;
    return { items: structuredClone(items.slice(start, start + size)), next };
  };

  mock.on(CreateDatabaseCommand).callsFake((input: CreateDatabaseRequest) => {
    const name = input.DatabaseInput!.Name!;
    if (databases.has(name)) {
      throw new AlreadyExistsException({ message: `Database ${name} exists`, $metadata: {} });
    }
    databases.set(name, {
      Name: name,
      ...(input.DatabaseInput!.Description
        ? { Description: input.DatabaseInput!.Description }
        : {}),
    });
    tables.set(name, new Map());
    return {};
  });
  mock.on(GetDatabasesCommand).callsFake((input: { NextToken?: string }) => {
    const { items, next } = page([...databases.values()], input.NextToken, PAGE);
    return { DatabaseList: items, NextToken: next };
  });
  mock.on(CreateTableCommand).callsFake((input: CreateTableRequest) => {
    const dbTables = tables.get(input.DatabaseName!);
    if (!dbTables) throw notFound(`Database ${input.DatabaseName}`);
    const name = input.TableInput!.Name!;
    if (dbTables.has(name)) {
      throw new AlreadyExistsException({ message: `Table ${name} exists`, $metadata: {} });
    }
    const now = new Date();
    const table: Table = {
      ...structuredClone(input.TableInput!),
      Name: name,
      DatabaseName: input.DatabaseName!,
      CreateTime: now,
      UpdateTime: now,
    };
    dbTables.set(name, {
      table,
      versions: [{ VersionId: '1', Table: structuredClone(table) }],
      partitions: new Map(),
    });
    return {};
  });
  mock.on(UpdateTableCommand).callsFake((input: UpdateTableRequest) => {
    const state = tableState(input.DatabaseName, input.TableInput!.Name);
    const table: Table = {
      ...structuredClone(input.TableInput!),
      Name: state.table.Name!,
      DatabaseName: input.DatabaseName!,
      CreateTime: state.table.CreateTime!,
      UpdateTime: new Date(),
    };
    state.table = table;
    // Glue archives the previous definition as a version unless SkipArchive is set; the
    // current definition is always the newest version.
    if (input.SkipArchive) {
      state.versions[state.versions.length - 1]!.Table = structuredClone(table);
    } else {
      state.versions.push({
        VersionId: String(state.versions.length + 1),
        Table: structuredClone(table),
      });
    }
    return {};
  });
  mock.on(GetTableCommand).callsFake((input: GetTableRequest) => {
    return { Table: structuredClone(tableState(input.DatabaseName, input.Name).table) };
  });
  mock.on(GetTablesCommand).callsFake((input: GetTablesRequest) => {
    const dbTables = tables.get(input.DatabaseName!);
    if (!dbTables) throw notFound(`Database ${input.DatabaseName}`);
    const list = [...dbTables.values()].map((s) => s.table);
    const { items, next } = page(list, input.NextToken, PAGE);
    return { TableList: items, NextToken: next };
  });
  mock.on(GetTableVersionsCommand).callsFake((input: GetTableVersionsRequest) => {
    const state = tableState(input.DatabaseName, input.TableName);
    // Glue lists the newest version first.
    const { items, next } = page([...state.versions].reverse(), input.NextToken, PAGE);
    return { TableVersions: items, NextToken: next };
  });
  mock.on(BatchCreatePartitionCommand).callsFake((input: BatchCreatePartitionRequest) => {
    const state = tableState(input.DatabaseName, input.TableName);
    if ((input.PartitionInputList ?? []).length > 100) throw new Error('at most 100 partitions');
    const errors = [];
    for (const p of input.PartitionInputList ?? []) {
      const key = (p.Values ?? []).join('/');
      if (state.partitions.has(key)) {
        errors.push({
          PartitionValues: p.Values,
          ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' },
        });
        continue;
      }
      state.partitions.set(key, {
        ...structuredClone(p),
        DatabaseName: input.DatabaseName!,
        TableName: input.TableName!,
        CreationTime: new Date(),
      });
    }
    return errors.length ? { Errors: errors } : {};
  });
  mock.on(BatchUpdatePartitionCommand).callsFake((input: BatchUpdatePartitionRequest) => {
    const state = tableState(input.DatabaseName, input.TableName);
    if ((input.Entries ?? []).length > 100) throw new Error('at most 100 entries');
    const errors = [];
    for (const e of input.Entries ?? []) {
      const key = (e.PartitionValueList ?? []).join('/');
      const prior = state.partitions.get(key);
      if (!prior) {
        errors.push({
          PartitionValueList: e.PartitionValueList,
          ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'no partition' },
        });
        continue;
      }
      state.partitions.set(key, {
        ...structuredClone(e.PartitionInput!),
        DatabaseName: input.DatabaseName!,
        TableName: input.TableName!,
        CreationTime: prior.CreationTime!,
      });
    }
    return errors.length ? { Errors: errors } : {};
  });
  mock.on(GetPartitionsCommand).callsFake((input: GetPartitionsRequest) => {
    const state = tableState(input.DatabaseName, input.TableName);
    const { items, next } = page([...state.partitions.values()], input.NextToken, PARTITION_PAGE);
    return { Partitions: items, NextToken: next };
  });

  return { client, mock, restore: () => mock.restore() };
}
