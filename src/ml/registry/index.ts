export * from './model-registry.js';
export {
  autoApprovePolicySchema,
  decideAutoApproval,
  evaluateMetric,
  parseMetricExpression,
  type AutoApproveDecision,
  type AutoApprovePolicy,
  type AutoApprovePolicyInput,
  type MetricExpression,
} from './auto-approve.js';
export { currentCodeVersion } from './code-version.js';
export { sha256, type ModelRegistryOptions } from './registry-base.js';
