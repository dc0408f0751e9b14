export { SqliteLeaseStore } from './sqlite-lease-store.js';
