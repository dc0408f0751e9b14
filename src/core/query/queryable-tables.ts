import type { Catalog } from '../catalog/catalog.js';
import type { AccessPolicy } from '../governance/governance.js';
import type { QueryableTable } from './query-engine.js';

/** The cataloged tables the policy may read, each with only its readable columns. */
export async function queryableTables(
  catalog: Catalog,
  policy: AccessPolicy,
): Promise<QueryableTable[]> {
  const out: QueryableTable[] = [];
  for (const db of await catalog.listDatabases()) {
    for (const t of await catalog.listTables(db.name)) {
      const all = [...t.columns, ...t.partitionKeys];
      const readable = policy.readableColumns(
        t.database,
        t.name,
        all.map((c) => c.name),
      );
      if (!readable) continue;
      out.push({
        database: t.database,
        table: t.name,
        columns: all
          .filter((c) => readable.includes(c.name))
          .map((c) => ({ name: c.name, type: c.type })),
        location: t.location,
        format: t.format,
      });
    }
  }
  return out;
}
