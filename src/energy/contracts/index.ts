export {
  applyAliases,
  matchesFileName,
  type CompiledEntity,
  type EntitySource,
} from './compile.js';
export {
  builtinContracts,
  builtinJobs,
  ContractError,
  energyContracts,
  entityNames,
  jobsOf,
  loadContracts,
  shippedContractPath,
  sourcesOf,
  type ContractSet,
} from './load-contracts.js';
export type { ColumnContract, EntityContract } from './contract-schema.js';
