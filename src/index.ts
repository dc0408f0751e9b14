/**
 * corriente's public TypeScript API.
 *
 * @example
 * import { Lake } from 'corriente';
 * const lake = await Lake.open({ principal: 'ana' });
 * const { rows } = await lake.saved('clientes_por_ciudad');
 */
export { Lake, type LakeOpenOptions, type LakeQueryOptions } from './deploy/lake.js';
export {
  QueryError,
  type QueryColumn,
  type QueryErrorCode,
  type QueryResult,
  type QueryableTable,
} from './core/query/query-engine.js';
export type { SavedQuery } from './core/query/saved-queries.js';
export { SAVED_QUERIES } from './deploy/saved-queries.js';
export {
  ADMIN_PRINCIPAL,
  GovernanceError,
  hashToken,
  type Principal,
} from './core/governance/governance.js';
export type {
  GovernanceConfig,
  GrantConfig,
  PrincipalConfig,
} from './core/governance/governance-config.js';
export { loadConfig, ConfigError, type Config } from './deploy/config.js';
export {
  generateExports,
  type GenerateOptions,
  type GeneratedFile,
} from './energy/generate/index.js';
