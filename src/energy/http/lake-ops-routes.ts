import * as path from 'node:path';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Catalog } from '../../core/catalog/catalog.js';
import { ENERGY_ENTITIES, type EnergyEntity } from '../entities.js';
import { manifestEntrySchema, MANIFEST_PREFIX } from '../ingest/manifest.js';
import { ADMIN_PRINCIPAL } from '../../core/governance/governance.js';
import { HttpProblem } from '../../core/http/problem.js';
import { principalRateLimit } from '../../core/http/rate-limit.js';
import { copyBetween, listAll, type ObjectStore } from '../../core/object-store/object-store.js';
import { lakeAuthHook } from '../../core/query/http/lake-routes.js';
import type { QueryService } from '../../core/query/query-service.js';
import { freshnessReport } from '../transform/freshness.js';
import type { TransformState } from '../transform/transform-state.js';

export interface LakeOpsRoutesDeps {
  service: QueryService;
  catalog: Catalog;
  datalake: ObjectStore;
  /** The landing store: where re-ingested files go back to. */
  source: ObjectStore;
  transformState: TransformState;
  /** `lake.freshnessHours`. */
  freshnessHours: number;
  /** Source entities (from the contracts). @default the built-in ones */
  entities?: readonly EnergyEntity[];
  /** `CORRIENTE_ADMIN_TOKEN`: authenticates as `admin`; only `admin` may re-ingest. */
  adminToken?: string;
  /** Called after a file went back to landing (`Platform.trigger`), so it is ingested now. */
  onReingest?: () => void;
  /** Requests per principal per minute. @default 600 */
  rateLimitPerMinute?: number;
}

const QUARANTINE_PREFIX = 'quarantine/files/';

export const jobsQuery = z.strictObject({
  entity: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const reingestBody = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(1000)
    .refine((k) => k.startsWith(QUARANTINE_PREFIX) && !k.endsWith('.error.json'), {
      message: `must be a quarantined file's key (${QUARANTINE_PREFIX}<date>/<file>)`,
    }),
});

function invalid(error: z.ZodError, where: string): HttpProblem {
  const detail = error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ');
  return new HttpProblem(400, 'Bad Request', detail, {}, 'invalid-request');
}

/**
 * The lake's operational routes for the console, beside the query API under `/api/lake/v1`
 * (same authentication: a principal's token, or the admin token as `admin`). A principal sees
 * the tables it may read, and the ingestion, jobs and quarantine of the entities of those tables.
 *
 * - `GET /catalog` → `{databases: [{name, description, tables: [{name, format, location,
 *   schemaVersion, columns, partitions, updatedAt}]}]}`
 * - `GET /catalog/:database/:table` → `{table, partitions, schemaVersions}` (granted columns only)
 * - `GET /jobs?entity=&limit=` → `{runs}` (transform runs, newest first)
 * - `GET /status` → `{freshness, lastRuns}`
 * - `GET /ingestion` → `{entities: [{entity, files, rows, lastLoadedAt, lastFile, days: [{date,
 *   files, rows}]}]}` (from the raw zone's manifests)
 * - `GET /quarantine` → `{files: [{key, date, fileName, code, message, mensaje, …}]}`
 * - `POST /quarantine/reingest {key}` (admin) → 202 `{sourceKey}`: the file goes back to the
 *   landing store (fixed there, or as it is) and is ingested again; its quarantine copy goes.
 */
export function lakeOpsRoutes(deps: LakeOpsRoutesDeps): FastifyPluginAsync {
  const { service, catalog, datalake } = deps;

  /** Tables the principal may read, as `db.table` → granted column names. */
  async function readable(principal: string): Promise<Map<string, Set<string>>> {
    const tables = await service.tables(principal);
    return new Map(
      tables.map((t) => [`${t.database}.${t.table}`, new Set(t.columns.map((c) => c.name))]),
    );
  }
  const known: readonly EnergyEntity[] = deps.entities ?? ENERGY_ENTITIES;
  async function entitiesOf(principal: string): Promise<Set<EnergyEntity>> {
    if (principal === ADMIN_PRINCIPAL) return new Set(known);
    const r = await readable(principal);
    return new Set(
      known.filter((e) => r.has(`energy_raw_db.${e}`) || r.has(`energy_processed_db.${e}`)),
    );
  }
  const principalOf = (req: FastifyRequest): string => req.lakePrincipal!;

  return async (app) => {
    app.addHook('onRequest', lakeAuthHook(service, deps.adminToken));
    // Route hooks run after the authentication above: the key is the principal.
    await principalRateLimit(app, {
      max: deps.rateLimitPerMinute ?? 600,
      principal: (req) => req.lakePrincipal,
    });

    app.get('/catalog', async (req) => {
      const r = await readable(principalOf(req));
      const databases = [];
      for (const db of await catalog.listDatabases()) {
        const tables = [];
        for (const t of await catalog.listTables(db.name)) {
          const granted = r.get(`${db.name}.${t.name}`);
          if (!granted) continue;
          tables.push({
            name: t.name,
            format: t.format,
            location: t.location,
            schemaVersion: t.schemaVersion,
            columns: t.columns.filter((c) => granted.has(c.name)).length,
            partitions: (await catalog.listPartitions(db.name, t.name)).length,
            updatedAt: t.updatedAt,
          });
        }
        if (tables.length > 0) databases.push({ ...db, tables });
      }
      return { databases };
    });

    app.get<{ Params: { database: string; table: string } }>(
      '/catalog/:database/:table',
      async (req) => {
        const { database, table: name } = req.params;
        const granted = (await readable(principalOf(req))).get(`${database}.${name}`);
        const table = granted ? await catalog.getTable(database, name) : undefined;
        if (!granted || !table) {
          throw new HttpProblem(404, 'Not Found', `no table ${database}.${name}`, {}, 'not-found');
        }
        const visible = <T extends { name: string }>(cols: T[]): T[] =>
          cols.filter((c) => granted.has(c.name));
        const partitions = await catalog.listPartitions(database, name);
        const versions = await catalog.listSchemaVersions(database, name);
        return {
          table: { ...table, columns: visible(table.columns) },
          partitions: partitions.map((p) => ({
            values: p.values,
            location: p.location,
            schemaVersion: p.schemaVersion,
            files: p.files.length,
            bytes: p.files.reduce((n, f) => n + f.size, 0),
            readsAsNull: visible(table.columns)
              .filter((c) => !p.columns.some((pc) => pc.name === c.name))
              .map((c) => c.name),
            updatedAt: p.updatedAt,
          })),
          schemaVersions: versions.map((v) => ({ ...v, columns: visible(v.columns) })),
        };
      },
    );

    app.get('/jobs', async (req) => {
      const q = jobsQuery.safeParse(req.query ?? {});
      if (!q.success) throw invalid(q.error, 'query');
      const entities = await entitiesOf(principalOf(req));
      if (q.data.entity && !entities.has(q.data.entity)) return { runs: [] };
      const runs = deps.transformState
        .listRuns({ ...(q.data.entity ? { entity: q.data.entity } : {}), limit: q.data.limit })
        .filter((r) => entities.has(r.entity));
      return { runs };
    });

    app.get('/status', async (req) => {
      const entities = await entitiesOf(principalOf(req));
      const freshness = await freshnessReport(datalake, {
        entities: known,
        cadenceHours: Object.fromEntries(known.map((e) => [e, deps.freshnessHours])),
      });
      return {
        freshness: freshness.filter((f) => entities.has(f.entity)),
        lastRuns: [...entities].flatMap((e) =>
          deps.transformState.listRuns({ entity: e, limit: 1 }),
        ),
      };
    });

    app.get('/ingestion', async (req) => {
      const entities = await entitiesOf(principalOf(req));
      const out = [];
      for (const entity of known.filter((e) => entities.has(e))) {
        const days = new Map<string, { files: number; rows: number }>();
        let last: { loadedAt: string; file: string } | undefined;
        let files = 0;
        let rows = 0;
        for await (const o of listAll(datalake, `${MANIFEST_PREFIX}raw/raw/${entity}/`)) {
          let m;
          try {
            m = manifestEntrySchema.parse(JSON.parse((await datalake.get(o.key)).toString('utf8')));
          } catch {
            continue; // not a manifest entry (or one being written)
          }
          const d = days.get(m.loadDate) ?? { files: 0, rows: 0 };
          d.files++;
          d.rows += m.rows;
          days.set(m.loadDate, d);
          files++;
          rows += m.rows;
          if (!last || m.loadedAt > last.loadedAt) {
            last = { loadedAt: m.loadedAt, file: path.basename(m.rawKey) };
          }
        }
        out.push({
          entity,
          files,
          rows,
          ...(last ? { lastLoadedAt: last.loadedAt, lastFile: last.file } : {}),
          days: [...days.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([date, d]) => ({ date, ...d })),
        });
      }
      return { entities: out };
    });

    app.get('/quarantine', async (req) => {
      const principal = principalOf(req);
      const entities = await entitiesOf(principal);
      const files = [];
      for await (const o of listAll(datalake, QUARANTINE_PREFIX)) {
        if (!o.key.endsWith('.error.json')) continue;
        let doc: Record<string, unknown>;
        try {
          doc = JSON.parse((await datalake.get(o.key)).toString('utf8')) as Record<string, unknown>;
        } catch {
          continue;
        }
        const entity = typeof doc.entity === 'string' ? doc.entity : undefined;
        // A file of no known entity is shown to the admin only.
        const visible =
          principal === ADMIN_PRINCIPAL ||
          (entity !== undefined && entities.has(entity as EnergyEntity));
        if (!visible) continue;
        const key = o.key.slice(0, -'.error.json'.length);
        files.push({
          key,
          date: key.slice(QUARANTINE_PREFIX.length).split('/')[0],
          fileName: path.basename(key),
          sourceKey: doc.sourceKey,
          code: doc.code,
          message: doc.message,
          mensaje: doc.mensaje,
          ...(doc.missingColumns ? { missingColumns: doc.missingColumns } : {}),
          ...(entity ? { entity } : {}),
          bytes: doc.bytes,
          quarantinedAt: doc.quarantinedAt,
        });
      }
      files.sort((a, b) => String(b.quarantinedAt).localeCompare(String(a.quarantinedAt)));
      return { files };
    });

    app.post('/quarantine/reingest', async (req, reply) => {
      if (principalOf(req) !== ADMIN_PRINCIPAL) {
        throw new HttpProblem(
          403,
          'Forbidden',
          'only the admin may re-ingest a quarantined file',
          {},
          'forbidden',
        );
      }
      const body = reingestBody.safeParse(req.body ?? {});
      if (!body.success) throw invalid(body.error, 'body');
      const { key } = body.data;
      if (!(await datalake.head(key))) {
        throw new HttpProblem(404, 'Not Found', `no quarantined file ${key}`, {}, 'not-found');
      }
      // Back to landing under its file name (a free one if a file of that name is waiting).
      const name = path.basename(key).replace(/__[0-9a-f]{12}(\.[^.]*)?$/, '$1');
      const ext = path.extname(name);
      let sourceKey = name;
      for (let i = 2; await deps.source.head(sourceKey); i++) {
        sourceKey = `${name.slice(0, name.length - ext.length)}-${i}${ext}`;
      }
      await copyBetween(datalake, key, deps.source, sourceKey);
      await datalake.delete(`${key}.error.json`);
      await datalake.delete(key);
      req.log.info({ key, sourceKey }, 'quarantined file sent back to landing');
      deps.onReingest?.();
      void reply.status(202);
      return { sourceKey };
    });
  };
}
