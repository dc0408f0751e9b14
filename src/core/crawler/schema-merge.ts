import type { Column, CrawlWarningKind } from '../catalog/catalog.js';
import { widenType } from './infer/glue-types.js';

/**
 * Union of two column lists: columns of `next` missing from `base` are appended, common
 * columns get the widened type. Used for the files of one partition.
 */
export function mergeColumns(base: readonly Column[], next: readonly Column[]): Column[] {
  const out = base.map((c) => ({ ...c }));
  for (const col of next) {
    const prior = out.find((c) => c.name === col.name);
    if (prior) prior.type = widenType(prior.type, col.type);
    else out.push({ name: col.name, type: col.type });
  }
  return out;
}

export interface SchemaEvolution {
  columns: Column[];
  /** Human-readable changes for the schema version; empty when nothing changed. */
  changes: string[];
  columnsAdded: string[];
  warnings: { kind: CrawlWarningKind; column: string; message: string }[];
}

/**
 * Evolves a table schema with the schemas of newly read partitions (oldest first). Nothing is
 * ever dropped: new columns are appended (older partitions read them as NULL), changed types
 * widen (with a warning), and columns missing from the newest partition stay in the table,
 * flagged `removed` (with a warning) until a file brings them back.
 *
 * @param newest the schema of the table's newest partition, when this crawl read it
 */
export function evolveSchema(
  current: readonly Column[] | undefined,
  read: readonly (readonly Column[])[],
  newest: readonly Column[] | undefined,
): SchemaEvolution {
  const isNew = current === undefined;
  const columns = (current ?? []).map((c) => ({ ...c }));
  const evolution: SchemaEvolution = { columns, changes: [], columnsAdded: [], warnings: [] };
  for (const schema of read) {
    for (const col of schema) {
      const prior = columns.find((c) => c.name === col.name);
      if (!prior) {
        columns.push({ name: col.name, type: col.type });
        evolution.columnsAdded.push(col.name);
        if (!isNew) evolution.changes.push(`added column ${col.name} ${col.type}`);
        continue;
      }
      const widened = widenType(prior.type, col.type);
      if (widened !== prior.type) {
        if (!isNew) {
          const message = `column ${col.name} changed type ${prior.type} → ${widened} (files now have ${col.type})`;
          evolution.changes.push(message);
          evolution.warnings.push({ kind: 'type-changed', column: col.name, message });
        }
        prior.type = widened;
      }
    }
  }
  if (newest) {
    const present = new Set(newest.map((c) => c.name));
    for (const col of columns) {
      if (!present.has(col.name) && !col.removed) {
        col.removed = true;
        const message = `column ${col.name} is missing from the newest files; kept in the table, flagged removed`;
        evolution.changes.push(`column ${col.name} removed`);
        evolution.warnings.push({ kind: 'column-removed', column: col.name, message });
      } else if (present.has(col.name) && col.removed) {
        delete col.removed;
        const message = `column ${col.name} is back in the newest files`;
        evolution.changes.push(`column ${col.name} restored`);
        evolution.warnings.push({ kind: 'column-restored', column: col.name, message });
      }
    }
  }
  return evolution;
}
