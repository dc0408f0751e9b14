import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryExecutionInput,
  type GetQueryResultsInput,
  type QueryExecutionState,
  type Row,
  type StartQueryExecutionInput,
  type StopQueryExecutionInput,
} from '@aws-sdk/client-athena';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import {
  QueryError,
  type QueryEngine,
  type QueryResult,
} from '../../../src/core/query/query-engine.js';

/**
 * Athena behind aws-sdk-client-mock (no Athena emulator exists): each started query runs on a
 * real engine (DuckDB over the same catalog), and the fake answers as Athena does: QUEUED, then
 * RUNNING until the query settles; SUCCEEDED with results as text (`VarCharValue`), typed by
 * `ColumnInfo` in Athena's type names, the header row first, paged by `MaxResults`/`NextToken`;
 * FAILED with an Athena-like `StateChangeReason`; CANCELLED after StopQueryExecution.
 */
export interface FakeAthena {
  client: AthenaClient;
  mock: AwsClientStub<AthenaClient>;
  /** Every StartQueryExecution input, in order. */
  started: StartQueryExecutionInput[];
  restore(): void;
}

interface Execution {
  polls: number;
  state: QueryExecutionState;
  reason?: string;
  result?: QueryResult;
}

export function fakeAthena(engine: QueryEngine): FakeAthena {
  const mock = mockClient(AthenaClient);
  const executions = new Map<string, Execution>();
  const started: StartQueryExecutionInput[] = [];
  let next = 0;

  const find = (id: string | undefined): Execution => {
    const e = id ? executions.get(id) : undefined;
    if (!e) throw new Error(`InvalidRequestException: QueryExecution ${id} was not found`);
    return e;
  };

  mock.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionInput) => {
    started.push(input);
    const id = `q-${++next}`;
    const e: Execution = { polls: 0, state: 'RUNNING' };
    executions.set(id, e);
    engine.query(input.QueryString ?? '', { database: input.QueryExecutionContext?.Database }).then(
      (result) => {
        if (e.state === 'RUNNING') Object.assign(e, { state: 'SUCCEEDED', result });
      },
      (err: unknown) => {
        if (e.state === 'RUNNING') Object.assign(e, { state: 'FAILED', reason: reason(err) });
      },
    );
    return { QueryExecutionId: id };
  });

  mock.on(GetQueryExecutionCommand).callsFake((input: GetQueryExecutionInput) => {
    const e = find(input.QueryExecutionId);
    const state = e.polls++ === 0 ? 'QUEUED' : e.state;
    return {
      QueryExecution: {
        QueryExecutionId: input.QueryExecutionId,
        // The fake runs SELECTs only: Athena marks them DML, and its results then start with a
        // header row.
        StatementType: 'DML',
        Status: { State: state, ...(e.reason ? { StateChangeReason: e.reason } : {}) },
      },
    };
  });

  mock.on(GetQueryResultsCommand).callsFake((input: GetQueryResultsInput) => {
    const e = find(input.QueryExecutionId);
    if (e.state !== 'SUCCEEDED' || !e.result) {
      throw new Error(
        `InvalidRequestException: Query has not yet finished. Current state: ${e.state}`,
      );
    }
    const info = e.result.columns.map(columnInfo);
    const all: Row[] = [
      { Data: info.map((c) => ({ VarCharValue: c.Label })) },
      ...e.result.rows.map((r) => ({
        Data: e.result!.columns.map((c) => text(r[c.name], c.type)),
      })),
    ];
    const offset = Number(input.NextToken ?? 0);
    const size = Math.min(input.MaxResults ?? 1000, 1000);
    const end = offset + size;
    return {
      ResultSet: { ResultSetMetadata: { ColumnInfo: info }, Rows: all.slice(offset, end) },
      ...(end < all.length ? { NextToken: String(end) } : {}),
    };
  });

  mock.on(StopQueryExecutionCommand).callsFake((input: StopQueryExecutionInput) => {
    const e = find(input.QueryExecutionId);
    if (e.state === 'RUNNING') e.state = 'CANCELLED';
    return {};
  });

  return {
    client: new AthenaClient({ region: 'us-east-1' }),
    mock,
    started,
    restore: () => mock.restore(),
  };
}

/** Athena's wording for what the engine refused, so the adapter can classify it. */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof QueryError) {
    if (err.code === 'unknown-table') return `TABLE_NOT_FOUND: line 1:1: ${message} does not exist`;
    if (err.code === 'access-denied') {
      return `Access Denied: Insufficient Lake Formation permission(s): ${message}`;
    }
  }
  return `SYNTAX_ERROR: ${message}`;
}

/** A DuckDB type name as Athena's ColumnInfo gives it. */
function columnInfo(c: { name: string; type: string }): ColumnInfo {
  const t = c.type.toUpperCase();
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  const type = decimal
    ? 'decimal'
    : (
        {
          VARCHAR: 'varchar',
          BIGINT: 'bigint',
          HUGEINT: 'bigint',
          UBIGINT: 'bigint',
          INTEGER: 'integer',
          SMALLINT: 'smallint',
          TINYINT: 'tinyint',
          DOUBLE: 'double',
          FLOAT: 'real',
          BOOLEAN: 'boolean',
          DATE: 'date',
          TIMESTAMP: 'timestamp',
        } as Record<string, string>
      )[t];
  if (!type) throw new Error(`fake Athena: no Athena type for ${c.type}`);
  return {
    Name: c.name,
    Label: c.name,
    Type: type,
    ...(decimal ? { Precision: Number(decimal[1]), Scale: Number(decimal[2]) } : {}),
  };
}

/** A JSON-ready value as Athena's text: NULL has no VarCharValue; timestamps use a space. */
function text(value: unknown, type: string): { VarCharValue?: string } {
  if (value === null || value === undefined) return {};
  if (type.toUpperCase() === 'TIMESTAMP') {
    return { VarCharValue: String(value).replace('T', ' ').replace(/Z$/, '') };
  }
  return { VarCharValue: String(value) };
}
