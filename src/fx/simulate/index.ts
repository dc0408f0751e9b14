export {
  simulateHistory,
  simulatedBehaviours,
  SIM_USERS_TABLE,
  type SimulateOptions,
  type SimulateResult,
  type SimulationAdvisor,
} from './simulate.js';
export { DEFAULT_RESPONSE_EFFECTS, scaledEffects, type ResponseEffect } from './responses.js';
export { BEHAVIOURS, type Behaviour } from './behaviours.js';
