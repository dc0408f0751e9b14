/**
 * Saved queries: SQL runnable by name. Each product declares its own (`src/energy/saved-queries.ts`,
 * `src/fx/saved-queries.ts`); the composition root (`src/deploy/`) hands the list to the query
 * service.
 */

export interface SavedQuery {
  name: string;
  /** For analysts, in Spanish. */
  description: string;
  sql: string;
}

/** The saved query of that name in `queries`, or `undefined`. */
export function findSavedQuery(
  queries: readonly SavedQuery[],
  name: string,
): SavedQuery | undefined {
  return queries.find((q) => q.name === name);
}
