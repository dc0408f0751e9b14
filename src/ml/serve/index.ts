export {
  ModelHandle,
  type FromRegistryOptions,
  type ServedModel,
  type SwapListener,
} from './model-handle.js';
export {
  inferenceRoutes,
  mlRoutes,
  type InferenceLimits,
  type InferenceRoutesOptions,
  type MlRoutesOptions,
} from './inference-routes.js';
export {
  InvocationInputError,
  parseCsvRows,
  parseJsonRows,
  type ParsedRows,
} from './invocation-input.js';
export { mlOpenApi } from './inference-openapi.js';
