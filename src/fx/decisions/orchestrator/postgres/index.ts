export { FX_ORCHESTRATOR_MIGRATIONS } from './migrations.js';
export {
  PostgresOrchestratorState,
  type PostgresOrchestratorStateOptions,
} from './postgres-orchestrator-state.js';
