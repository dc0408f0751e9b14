export {
  simulateHistory,
  simulatedBehaviours,
  SIM_USERS_TABLE,
  type SimulateOptions,
  type SimulateResult,
} from './simulate.js';
export { BEHAVIOURS, type Behaviour } from './behaviours.js';
