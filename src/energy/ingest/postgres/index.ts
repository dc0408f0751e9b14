export { INGEST_CLAIMS_MIGRATIONS } from './migrations.js';
export { PostgresIngestClaims } from './postgres-ingest-claims.js';
