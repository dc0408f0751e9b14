import { z } from 'zod';

/** Text encodings ingestion recognises. */
export const ENCODINGS = ['utf-8', 'utf-8-bom', 'latin-1'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/**
 * One accepted landing file: written to `_manifests/raw/<raw key>.json` (lookup by raw file) and
 * `_manifests/sha256/<sha256>.json` (lookup by content; this second write is the commit point).
 */
export const manifestEntrySchema = z.object({
  version: z.literal(1),
  /** A built-in entity or one declared in a contract file. */
  entity: z.string().regex(/^[a-z][a-z0-9_]*$/),
  /** Key in the source (landing) store the file came from. */
  sourceKey: z.string(),
  /** Key in the datalake store: `raw/<entity>/year=YYYY/month=MM/day=DD/<file>`. */
  rawKey: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  /** Data rows (records after the header; empty lines not counted). */
  rows: z.number().int().nonnegative(),
  encoding: z.enum(ENCODINGS),
  /** Field delimiter, e.g. `;`. */
  delimiter: z.string().length(1),
  lineEnding: z.enum(['lf', 'crlf']),
  /** Header as written in the file (decoded, trimmed). */
  header: z.array(z.string()),
  /** Header normalised to column names (`Tipo Identificación` → `tipo_identificacion`). */
  columns: z.array(z.string()),
  /** Load date `YYYY-MM-DD` in the configured time zone: the partition. */
  loadDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** ISO-8601 instant the file was accepted. */
  loadedAt: z.string(),
  runId: z.string(),
});
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

export const MANIFEST_PREFIX = '_manifests/';

export function manifestKeyForRaw(rawKey: string): string {
  return `${MANIFEST_PREFIX}raw/${rawKey}.json`;
}

export function manifestKeyForSha(sha256: string): string {
  return `${MANIFEST_PREFIX}sha256/${sha256}.json`;
}

export { partitionPath } from '../../core/util/time-zone.js';
