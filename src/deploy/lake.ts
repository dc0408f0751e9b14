import { loadConfig, type Config } from './config.js';
import { ADMIN_PRINCIPAL } from '../core/governance/governance.js';
import { openQueryService } from './open-query-service.js';
import type { QueryResult, QueryableTable } from '../core/query/query-engine.js';
import type { QueryService } from '../core/query/query-service.js';
import type { SavedQuery } from '../core/query/saved-queries.js';

export interface LakeOpenOptions {
  /** `CORRIENTE_HOME`. @default the config's home */
  home?: string;
  /** A loaded config; else it is loaded as the CLI does (file, environment). */
  config?: Config;
  /** Whose grants apply. @default 'admin' */
  principal?: string;
}

export interface LakeQueryOptions {
  /** Default database for unqualified names, e.g. `energy_processed_db`. */
  database?: string;
  /** @default 1000 (config `query.defaultLimit`) */
  limit?: number;
  /** @default 30000 (config `query.timeoutMs`) */
  timeoutMs?: number;
}

/**
 * The lake from TypeScript: SQL over the cataloged tables as one principal.
 *
 * @example
 * import { Lake } from 'corriente';
 * const lake = await Lake.open({ home: './corriente-data', principal: 'ana' });
 * const { rows } = await lake.query('SELECT ciudad, count(*) AS n FROM clientes GROUP BY 1',
 *   { database: 'energy_processed_db' });
 * const porCiudad = await lake.saved('clientes_por_ciudad');
 * await lake.close();
 */
export class Lake {
  private constructor(
    private readonly service: QueryService,
    readonly principal: string,
  ) {}

  /** @throws ConfigError, GovernanceError (unknown principal) */
  static async open(options: LakeOpenOptions = {}): Promise<Lake> {
    const config =
      options.config ??
      loadConfig(options.home !== undefined ? { overrides: { home: options.home } } : {});
    const principal = options.principal ?? ADMIN_PRINCIPAL;
    const service = openQueryService(config);
    try {
      service.governance.principal(principal);
    } catch (err) {
      await service.close();
      throw err;
    }
    return new Lake(service, principal);
  }

  /** @throws QueryError */
  async query(sql: string, options: LakeQueryOptions = {}): Promise<QueryResult> {
    return this.service.run(this.principal, { sql, ...options });
  }

  /** Runs a saved query by name. @throws QueryError */
  async saved(
    name: string,
    options: Omit<LakeQueryOptions, 'database'> = {},
  ): Promise<QueryResult> {
    return this.service.run(this.principal, { saved: name, ...options });
  }

  savedQueries(): readonly SavedQuery[] {
    return this.service.savedQueries();
  }

  /** The tables and columns this principal may read. */
  async tables(): Promise<QueryableTable[]> {
    return this.service.tables(this.principal);
  }

  async close(): Promise<void> {
    await this.service.close();
  }
}
