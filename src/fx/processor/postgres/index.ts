export { FX_PROCESSOR_MIGRATIONS } from './migrations.js';
export { PostgresRawEventClaims } from './postgres-raw-claims.js';
