import type { Governance, Principal } from '../governance/governance.js';
import {
  QueryError,
  type QueryEngine,
  type QueryResult,
  type QueryableTable,
} from './query-engine.js';
import type { SavedQuery } from './saved-queries.js';

export interface QueryServiceOptions {
  engine: QueryEngine;
  governance: Governance;
  /** The queries runnable by name (the products' lists, composed in `src/deploy/`). @default [] */
  savedQueries?: readonly SavedQuery[];
  /** Rows returned when the request names no limit. @default 1000 */
  defaultLimit?: number;
  /** @default 100000 */
  maxLimit?: number;
  /** @default 30000 */
  timeoutMs?: number;
}

/** One query: ad-hoc SQL or a saved query's name. */
export interface QueryRequest {
  sql?: string;
  saved?: string;
  database?: string;
  /** @default the service's defaultLimit */
  limit?: number;
  /** @default the service's timeoutMs */
  timeoutMs?: number;
}

export interface QueryResponse extends QueryResult {
  /** The saved query that ran, when one did. */
  saved?: string;
}

/**
 * The query service: what the CLI, the TypeScript API and the HTTP API share. It resolves the
 * principal's grants (Lake Formation's role), applies the row limit and the timeout, and runs
 * the SQL on the configured engine, which enforces the grants.
 *
 * @example
 * const service = new QueryService({ engine, governance });
 * await service.run('ana', { saved: 'clientes_por_ciudad' });
 */
export class QueryService {
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly timeoutMs: number;
  private readonly saved: readonly SavedQuery[];
  private currentGovernance: Governance;

  constructor(private readonly options: QueryServiceOptions) {
    this.currentGovernance = options.governance;
    this.defaultLimit = options.defaultLimit ?? 1000;
    this.maxLimit = options.maxLimit ?? 100_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.saved = options.savedQueries ?? [];
  }

  get engine(): QueryEngine {
    return this.options.engine;
  }

  get governance(): Governance {
    return this.currentGovernance;
  }

  /**
   * Applies new principals, tokens and grants from the next request on (a config reload);
   * queries already running finish under the grants they started with.
   */
  setGovernance(governance: Governance): void {
    this.currentGovernance = governance;
  }

  /**
   * Runs a query as `principal`.
   * @throws QueryError; GovernanceError for an unknown principal
   */
  async run(principal: string, request: QueryRequest): Promise<QueryResponse> {
    const policy = this.currentGovernance.policyFor(principal);
    let sql = request.sql;
    if (request.saved !== undefined) {
      if (sql !== undefined) {
        throw new QueryError('give either sql or saved, not both', 'invalid-request');
      }
      const saved = this.savedQuery(request.saved);
      sql = saved.sql;
    }
    if (sql === undefined || sql.trim() === '') {
      throw new QueryError('no query: give sql or the name of a saved query', 'invalid-request');
    }
    const limit = request.limit ?? this.defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > this.maxLimit) {
      throw new QueryError(
        `limit must be an integer from 1 to ${this.maxLimit}, got ${limit}`,
        'invalid-request',
      );
    }
    const result = await this.options.engine.query(sql, {
      policy,
      limit,
      timeoutMs: request.timeoutMs ?? this.timeoutMs,
      ...(request.database !== undefined ? { database: request.database } : {}),
    });
    return request.saved !== undefined ? { ...result, saved: request.saved } : result;
  }

  savedQueries(): readonly SavedQuery[] {
    return this.saved;
  }

  /** @throws QueryError `unknown-saved-query` naming the saved queries there are */
  savedQuery(name: string): SavedQuery {
    const found = this.saved.find((q) => q.name === name);
    if (!found) {
      throw new QueryError(
        `no saved query ${JSON.stringify(name)}; saved queries: ${this.saved.map((q) => q.name).join(', ')}`,
        'unknown-saved-query',
      );
    }
    return found;
  }

  /** The tables and columns the principal may read. */
  async tables(principal: string): Promise<QueryableTable[]> {
    return this.options.engine.listTables(this.currentGovernance.policyFor(principal));
  }

  /** The principal of a bearer token; `undefined` when missing or unknown. */
  authenticate(token: string | undefined): Principal | undefined {
    return this.currentGovernance.authenticate(token);
  }

  async close(): Promise<void> {
    await this.options.engine.close();
  }
}
