/**
 * The FX platform's saved queries (`fx_raw_db`): recommendation outcomes per model and reason.
 */
import type { SavedQuery } from '../core/query/saved-queries.js';
import { OUTCOME_SAVED_QUERIES } from './decisions/orchestrator/outcomes.js';

export const FX_SAVED_QUERIES: readonly SavedQuery[] = [...OUTCOME_SAVED_QUERIES];
