export { ML_REGISTRY_MIGRATIONS } from './migrations.js';
export {
  PostgresModelRegistry,
  type PostgresModelRegistryOptions,
} from './postgres-model-registry.js';
