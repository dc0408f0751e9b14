import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type Row,
} from '@aws-sdk/client-athena';
import type { Catalog } from '../../catalog/catalog.js';
import { ADMIN_PRINCIPAL, Governance, type AccessPolicy } from '../../governance/governance.js';
import {
  QueryError,
  type QueryEngine,
  type QueryOptions,
  type QueryResult,
  type QueryableTable,
} from '../query-engine.js';
import { queryableTables } from '../queryable-tables.js';

export interface AthenaQueryEngineOptions {
  client: AthenaClient;
  /** @default 'primary' */
  workGroup?: string;
  /** `s3://bucket/prefix/` for result files; else the work group's setting. */
  outputLocation?: string;
  /** @default 'AwsDataCatalog' */
  dataCatalog?: string;
  /** The Glue catalog (for `listTables`). */
  catalog: Catalog;
  /** First wait between polls; doubles up to `pollMaxMs`. @default 100 */
  pollMinMs?: number;
  /** @default 2000 */
  pollMaxMs?: number;
  /** @default 30000 */
  defaultTimeoutMs?: number;
  /** For tests. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The QueryEngine on Amazon Athena: StartQueryExecution (database, work group, result
 * location), GetQueryExecution polled with exponential backoff until SUCCEEDED, FAILED or
 * CANCELLED, then GetQueryResults page by page (the first row of the first page is the
 * header), each value converted by its column type. A query past the timeout is stopped with
 * StopQueryExecution.
 *
 * Grants: on AWS, Lake Formation enforces table and column permissions on the IAM identity
 * Athena runs as (declared in the CDK app); this adapter does not re-check `policy` in SQL.
 * `listTables` does filter by the policy.
 */
export class AthenaQueryEngine implements QueryEngine {
  private readonly adminPolicy = Governance.fromConfig(undefined).policyFor(ADMIN_PRINCIPAL);

  constructor(private readonly options: AthenaQueryEngineOptions) {}

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const started = performance.now();
    const o = this.options;
    const timeoutMs = options.timeoutMs ?? o.defaultTimeoutMs ?? 30_000;
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const start = await o.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        QueryExecutionContext: {
          Catalog: o.dataCatalog ?? 'AwsDataCatalog',
          ...(options.database ? { Database: options.database } : {}),
        },
        WorkGroup: o.workGroup ?? 'primary',
        ...(o.outputLocation ? { ResultConfiguration: { OutputLocation: o.outputLocation } } : {}),
      }),
    );
    const id = start.QueryExecutionId;
    if (!id) throw new QueryError('Athena returned no query execution id', 'sql-error');

    let delay = o.pollMinMs ?? 100;
    let statementType: string | undefined;
    for (;;) {
      const exec = await o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = exec.QueryExecution?.Status;
      const state = status?.State;
      if (state === 'SUCCEEDED') {
        statementType = exec.QueryExecution?.StatementType;
        break;
      }
      if (state === 'FAILED') {
        const reason = status?.StateChangeReason ?? 'the query failed';
        const code = /not found|does not exist/i.test(reason)
          ? 'unknown-table'
          : /access denied|insufficient (lake formation )?permission/i.test(reason)
            ? 'access-denied'
            : 'sql-error';
        throw new QueryError(reason, code, { queryExecutionId: id });
      }
      if (state === 'CANCELLED') {
        throw new QueryError(`the query ${id} was cancelled`, 'sql-error', {
          queryExecutionId: id,
        });
      }
      if (performance.now() - started >= timeoutMs) {
        await o.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        throw new QueryError(
          `the query ran longer than ${timeoutMs} ms and was cancelled (Athena query ${id})`,
          'timeout',
          { timeoutMs, queryExecutionId: id },
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, o.pollMaxMs ?? 2000);
    }

    const limit = options.limit;
    let info: ColumnInfo[] | undefined;
    const rows: Record<string, unknown>[] = [];
    let token: string | undefined;
    let first = true;
    let truncated = false;
    do {
      const page = await o.client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: 1000,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      info ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      let data: Row[] = page.ResultSet?.Rows ?? [];
      // Athena repeats the column labels as the first row of a DML (SELECT) result only; a
      // utility statement (SHOW, DESCRIBE) has no such row, and a real first row may equal the
      // labels, so the statement type decides, not the row's content.
      if (first) {
        data = data.slice(statementType === 'DML' ? 1 : 0);
        first = false;
      }
      for (const r of data) {
        if (limit !== undefined && rows.length >= limit) {
          truncated = true;
          break;
        }
        rows.push(toRow(r, info));
      }
      token = page.NextToken;
    } while (token && !truncated);
    return {
      columns: (info ?? []).map((c) => ({
        name: c.Name ?? c.Label ?? '',
        type: c.Type ?? 'varchar',
      })),
      rows,
      truncated,
      elapsedMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  async listTables(policy?: AccessPolicy): Promise<QueryableTable[]> {
    return queryableTables(this.options.catalog, policy ?? this.adminPolicy);
  }

  async close(): Promise<void> {
    this.options.client.destroy();
  }
}

function toRow(row: Row, info: ColumnInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  info.forEach((c, i) => {
    out[c.Name ?? c.Label ?? `_col${i}`] = convert(
      row.Data?.[i]?.VarCharValue,
      c.Type ?? 'varchar',
    );
  });
  return out;
}

/**
 * An Athena text value by its column type: integers and floating point → numbers (bigint beyond
 * 2^53 → string), decimals → their exact text (a DECIMAL(38,7) sum does not fit a double),
 * booleans, timestamps → ISO strings; everything else stays text.
 */
export function convert(value: string | undefined, type: string): unknown {
  if (value === undefined) return null;
  const t = type.toLowerCase().replace(/\(.*$/, '');
  switch (t) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'double':
    case 'float':
    case 'real':
      return Number(value);
    case 'decimal':
      return value;
    case 'bigint': {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    case 'boolean':
      return value === 'true';
    case 'timestamp':
      return value.replace(' ', 'T');
    default:
      return value;
  }
}
