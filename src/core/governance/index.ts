export {
  ADMIN_PRINCIPAL,
  AccessPolicy,
  Governance,
  GovernanceError,
  PARTITION_COLUMNS,
  hashToken,
  newToken,
  type Principal,
} from './governance.js';
export {
  governanceConfigSchema,
  type GovernanceConfig,
  type GrantConfig,
  type PrincipalConfig,
} from './governance-config.js';
