export {
  orchestratorConfigSchema,
  policyConfigSchema,
  rulesConfigSchema,
  defaultOrchestratorConfig,
  type OrchestratorConfig,
  type PolicyConfig,
  type RulesConfig,
} from './orchestrator-config.js';
export {
  decide,
  gate,
  suggestedAmountUsd,
  type GateInput,
  type LastSuggestion,
  type PolicyDecision,
  type PolicyInput,
  type SkipReason,
} from './policy.js';
export { QuietHoursClock, type QuietHoursWindow } from './quiet-hours.js';
export {
  featurePhrase,
  REASON_SUPPORT,
  reasonsFromContributions,
  probabilityReason,
  rowReader,
  classOf,
  type Side,
} from './reasons.js';
export { formatNumber, formatPercent, formatMoney } from './colombian-format.js';
export {
  modelScorer,
  modelScorerSource,
  ModelMismatchError,
  type Scorer,
  type ScoringModel,
  type ServedModel,
  type ModelSource,
  type UpliftScorer,
} from './scorer.js';
export { upliftScorer, upliftScorerSource } from './uplift-scorer.js';
export { rulesScorer, RULES_VERSION } from './rules-scorer.js';
export type { OrchestratorState, OutboxEntry } from './orchestrator-state.js';
export {
  TickDecider,
  type TickReport,
  type TickTimings,
  type ModelPool,
  type ShadowReport,
  type Decided,
} from './tick-decider.js';
export { consentRequestOf, notificationOf } from './notification.js';
export {
  ORCHESTRATOR_CONSUMER,
  OrchestratorCore,
  processOrchestratorAvailable,
  startOrchestrator,
  type Orchestrator,
  type OrchestratorOptions,
  type OrchestratorStats,
  type TickOutcome,
  type TickOutcomeTimings,
} from './orchestrator.js';
export type { BatchNotifier, FeatureSource } from './ports.js';
export { ParallelScoring } from './parallel-scoring.js';
export {
  backtest,
  InSampleWindowError,
  localMidnightMs,
  type BacktestOptions,
  type BacktestReport,
  type BacktestCount,
  type BacktestSuggestion,
} from './backtest.js';
export {
  OUTCOME_SAVED_QUERIES,
  recommendationOutcomes,
  NoOutcomesError,
  type OutcomesReport,
} from './outcomes.js';
export { simulationAdvisor, type SimulationAdvisorOptions } from './simulation-advisor.js';
export { isHeldOut, policyVersion } from './holdout.js';
