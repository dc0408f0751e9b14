export { buildFxApp, FX_API_PREFIX } from './app.js';
export {
  createFxUser,
  openingBalanceCents,
  type CreatedFxUser,
  type CreateFxUserInput,
} from './create-user.js';
export { defaultFxDatabasePath, openFxDatabase, type FxDatabase } from './fx-database.js';
export { fxRoutes, type FxRoutesDeps } from './fx-routes.js';
export {
  FxLedger,
  IdempotencyConflictError,
  LedgerUnavailableError,
  requestHashOf,
  type ExecuteInput,
  type ExecuteResult,
  type FxLedgerOptions,
  type TransactionRecord,
} from './ledger.js';
export { fxDocsRoutes, fxOnlyOpenApiDocument, fxOpenApi, fxOpenApiDocument } from './openapi.js';
export { FxUsers, type FxUser, type FxUserPage } from './users.js';
