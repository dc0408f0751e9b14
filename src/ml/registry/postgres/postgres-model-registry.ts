import { withTransaction, type PgClient, type PgPool } from '../../../core/state/postgres/index.js';
import {
  artifactKey,
  ModelRegistryError,
  type AuditEntry,
  type ModelGroup,
  type ModelStatus,
  type ModelVersion,
} from '../model-registry.js';
import {
  auditFromRow,
  groupFromRow,
  ModelRegistryBase,
  versionFromRow,
  type AuditRow,
  type GroupRow,
  type ModelRegistryOptions,
  type VersionDraft,
  type VersionRow,
} from '../registry-base.js';

export interface PostgresModelRegistryOptions extends ModelRegistryOptions {
  /** The state store's pool, migrated with `ML_REGISTRY_MIGRATIONS` (part of STATE_MIGRATIONS). */
  pool: PgPool;
  /** Run by `close()`, e.g. ending a pool opened for this registry; else the pool stays open. */
  onClose?: () => Promise<void>;
}

const VERSION_COLUMNS = 'version, status, status_changed_at, record';
const AUDIT_COLUMNS = 'seq, group_name, version, from_status, to_status, actor, reason, at';

/**
 * The model registry of the many-process mode: groups, versions and the audit history in the
 * PostgreSQL state store (tables `ml_model_*`), artifacts in the datalake ObjectStore, so every
 * process of every home sees the same approvals. A registration numbers its version under a row
 * lock on the group (two processes never get the same number) and reserves it before writing the
 * artifact; a status change and its audit row commit together. Audit rows are numbered under the
 * lock of one head row, so they become visible in sequence order and `pollChanges` reads them
 * with a plain `seq > cursor`.
 */
export class PostgresModelRegistry extends ModelRegistryBase {
  private readonly pool: PgPool;
  private readonly onClose: (() => Promise<void>) | undefined;
  private lastSeq = 0n;
  private closed = false;

  constructor(options: PostgresModelRegistryOptions) {
    super(options, 1000);
    this.pool = options.pool;
    this.onClose = options.onClose;
  }

  protected async insertGroup(group: ModelGroup): Promise<void> {
    const r = await this.pool.query(
      `INSERT INTO ml_model_groups (name, description, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING`,
      [group.name, group.description ?? null, group.createdAt],
    );
    if (r.rowCount === 0) {
      throw new ModelRegistryError(`model group ${group.name} already exists`, 'already-exists');
    }
  }

  protected async readGroups(): Promise<ModelGroup[]> {
    const r = await this.pool.query<GroupRow>(
      'SELECT name, description, created_at FROM ml_model_groups ORDER BY name',
    );
    return r.rows.map(groupFromRow);
  }

  protected async readGroup(name: string): Promise<ModelGroup | undefined> {
    const r = await this.pool.query<GroupRow>(
      'SELECT name, description, created_at FROM ml_model_groups WHERE name = $1',
      [name],
    );
    return r.rows[0] ? groupFromRow(r.rows[0]) : undefined;
  }

  protected async insertVersion(
    draft: VersionDraft,
    artifact: Buffer,
    entry: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion> {
    const version = await withTransaction(this.pool, async (c) => {
      // The group's row lock makes concurrent registrations of one group take turns.
      const g = await c.query('SELECT 1 FROM ml_model_groups WHERE name = $1 FOR UPDATE', [
        draft.group,
      ]);
      if (g.rowCount === 0) {
        throw new ModelRegistryError(`unknown model group ${draft.group}`, 'not-found');
      }
      const max = await c.query<{ v: number | null }>(
        'SELECT MAX(version) AS v FROM ml_model_versions WHERE group_name = $1',
        [draft.group],
      );
      const v = (max.rows[0]?.v ?? 0) + 1;
      const record = {
        ...draft,
        artifact: { ...draft.artifact, key: artifactKey(draft.group, v) },
      };
      await c.query(
        `INSERT INTO ml_model_versions (group_name, version, state, status, status_changed_at, record)
         VALUES ($1, $2, 'reserved', 'PendingManualApproval', $3, $4)`,
        [draft.group, v, draft.createdAt, JSON.stringify(record)],
      );
      return v;
    });
    try {
      await this.store.put(artifactKey(draft.group, version), artifact, {
        contentType: 'application/json',
      });
    } catch (err) {
      await this.pool
        .query(
          `DELETE FROM ml_model_versions
           WHERE group_name = $1 AND version = $2 AND state = 'reserved'`,
          [draft.group, version],
        )
        .catch((e: unknown) =>
          this.log.warn(
            { err: e, group: draft.group, version },
            'model registry: cannot release a reserved version number',
          ),
        );
      throw err;
    }
    await withTransaction(this.pool, async (c) => {
      await c.query(
        `UPDATE ml_model_versions SET state = 'ready' WHERE group_name = $1 AND version = $2`,
        [draft.group, version],
      );
      await insertAudit(c, { ...entry, version });
    });
    return (await this.readVersion(draft.group, version))!;
  }

  protected async readVersions(group: string): Promise<ModelVersion[]> {
    const r = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM ml_model_versions
       WHERE group_name = $1 AND state = 'ready' ORDER BY version`,
      [group],
    );
    return r.rows.map(versionFromRow);
  }

  protected async readVersion(group: string, version: number): Promise<ModelVersion | undefined> {
    const r = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM ml_model_versions
       WHERE group_name = $1 AND version = $2 AND state = 'ready'`,
      [group, version],
    );
    return r.rows[0] ? versionFromRow(r.rows[0]) : undefined;
  }

  protected async writeStatus(entry: AuditEntry & { from: ModelStatus }): Promise<void> {
    await withTransaction(this.pool, async (c) => {
      const r = await c.query(
        `UPDATE ml_model_versions SET status = $1, status_changed_at = $2
         WHERE group_name = $3 AND version = $4 AND status = $5 AND state = 'ready'`,
        [entry.to, entry.at, entry.group, entry.version, entry.from],
      );
      if (r.rowCount === 0) {
        throw new ModelRegistryError(
          `${entry.group} v${entry.version} is no longer ${entry.from} (changed by someone else); look again and retry`,
          'conflict',
        );
      }
      await insertAudit(c, entry);
    });
  }

  protected async readHistory(group: string, version?: number): Promise<AuditEntry[]> {
    const r =
      version === undefined
        ? await this.pool.query<AuditRow>(
            `SELECT ${AUDIT_COLUMNS} FROM ml_model_audit WHERE group_name = $1 ORDER BY seq`,
            [group],
          )
        : await this.pool.query<AuditRow>(
            `SELECT ${AUDIT_COLUMNS} FROM ml_model_audit
             WHERE group_name = $1 AND version = $2 ORDER BY seq`,
            [group, version],
          );
    return r.rows.map(auditFromRow);
  }

  protected async startChangeCursor(): Promise<void> {
    const r = await this.pool.query<{ s: string }>(
      'SELECT COALESCE(MAX(seq), 0) AS s FROM ml_model_audit',
    );
    this.lastSeq = BigInt(r.rows[0]!.s);
  }

  protected async pollChanges(): Promise<AuditEntry[]> {
    // Audit rows are numbered under the head row's lock, held until commit: a row with a lower
    // number is always visible before one with a higher number, so nothing below lastSeq can
    // appear later.
    const r = await this.pool.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM ml_model_audit WHERE seq > $1 ORDER BY seq`,
      [this.lastSeq.toString()],
    );
    if (r.rows.length) this.lastSeq = BigInt(r.rows[r.rows.length - 1]!.seq);
    return r.rows.map(auditFromRow);
  }

  protected async closeStorage(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose?.();
  }
}

/** Records `e` with the next sequence number; the head row stays locked until the commit. */
async function insertAudit(c: PgClient, e: AuditEntry): Promise<void> {
  const head = await c.query<{ seq: string }>(
    'UPDATE ml_model_audit_head SET seq = seq + 1 WHERE id RETURNING seq',
  );
  await c.query(
    `INSERT INTO ml_model_audit (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [head.rows[0]!.seq, e.group, e.version, e.from, e.to, e.actor, e.reason, e.at],
  );
}
