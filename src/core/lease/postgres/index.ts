export { LEASE_MIGRATIONS } from './migrations.js';
export { PostgresLeaseStore } from './postgres-lease-store.js';
