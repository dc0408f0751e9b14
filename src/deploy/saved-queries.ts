import type { SavedQuery } from '../core/query/saved-queries.js';
import { ENERGY_SAVED_QUERIES } from '../energy/saved-queries.js';
import { FX_SAVED_QUERIES } from '../fx/saved-queries.js';

/** Every saved query of both products, in the order `corriente query --list` shows them. */
export const SAVED_QUERIES: readonly SavedQuery[] = [...ENERGY_SAVED_QUERIES, ...FX_SAVED_QUERIES];
