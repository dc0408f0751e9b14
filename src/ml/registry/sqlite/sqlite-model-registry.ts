import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
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
  type ModelRegistryOptions,
  type VersionDraft,
  type VersionRow,
} from '../registry-base.js';

export interface SqliteModelRegistryOptions extends ModelRegistryOptions {
  /** Database file, e.g. `$CORRIENTE_HOME/ml/registry.db`. */
  path: string;
}

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `CREATE TABLE model_groups (
     name TEXT PRIMARY KEY,
     description TEXT,
     created_at TEXT NOT NULL
   );
   CREATE TABLE model_versions (
     group_name TEXT NOT NULL REFERENCES model_groups(name),
     version INTEGER NOT NULL,
     -- 'reserved' while the artifact is being written; readers see only 'ready' rows.
     state TEXT NOT NULL,
     status TEXT NOT NULL,
     status_changed_at TEXT NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (group_name, version)
   );
   CREATE TABLE model_audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     group_name TEXT NOT NULL,
     version INTEGER NOT NULL,
     from_status TEXT,
     to_status TEXT NOT NULL,
     actor TEXT NOT NULL,
     reason TEXT NOT NULL,
     at TEXT NOT NULL
   );
   CREATE INDEX model_audit_by_version ON model_audit (group_name, version, seq);`,
];

/**
 * The embedded model registry: one SQLite file (WAL) for groups, versions and the audit
 * history; artifacts in the datalake ObjectStore. Writes run in `BEGIN IMMEDIATE` transactions,
 * so processes sharing the file (a CLI beside `corriente up`) serialize instead of corrupting
 * it; a registration reserves its version number first, so two never get the same one.
 */
export class SqliteModelRegistry extends ModelRegistryBase {
  private readonly db: BetterSqlite3.Database;
  private lastSeq = 0;

  constructor(options: SqliteModelRegistryOptions) {
    super(options, 1000);
    if (options.path !== ':memory:') mkdirSync(path.dirname(options.path), { recursive: true });
    this.db = new BetterSqlite3(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 10000');
    this.migrate();
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = applied; i < MIGRATIONS.length; i++) {
      this.db
        .transaction(() => {
          this.db.exec(MIGRATIONS[i]!);
          this.db.pragma(`user_version = ${i + 1}`);
        })
        .immediate();
    }
  }

  protected async insertGroup(group: ModelGroup): Promise<void> {
    const r = this.db
      .prepare(
        'INSERT INTO model_groups (name, description, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
      )
      .run(group.name, group.description ?? null, group.createdAt);
    if (r.changes === 0) {
      throw new ModelRegistryError(`model group ${group.name} already exists`, 'already-exists');
    }
  }

  protected async readGroups(): Promise<ModelGroup[]> {
    const rows = this.db
      .prepare('SELECT name, description, created_at FROM model_groups ORDER BY name')
      .all() as { name: string; description: string | null; created_at: string }[];
    return rows.map(groupFromRow);
  }

  protected async readGroup(name: string): Promise<ModelGroup | undefined> {
    const row = this.db
      .prepare('SELECT name, description, created_at FROM model_groups WHERE name = ?')
      .get(name) as { name: string; description: string | null; created_at: string } | undefined;
    return row ? groupFromRow(row) : undefined;
  }

  protected async insertVersion(
    draft: VersionDraft,
    artifact: Buffer,
    entry: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion> {
    const version = this.db
      .transaction(() => {
        const row = this.db
          .prepare('SELECT MAX(version) AS v FROM model_versions WHERE group_name = ?')
          .get(draft.group) as { v: number | null };
        const v = (row.v ?? 0) + 1;
        const record = {
          ...draft,
          artifact: { ...draft.artifact, key: artifactKey(draft.group, v) },
        };
        this.db
          .prepare(
            `INSERT INTO model_versions (group_name, version, state, status, status_changed_at, record)
             VALUES (?, ?, 'reserved', 'PendingManualApproval', ?, ?)`,
          )
          .run(draft.group, v, draft.createdAt, JSON.stringify(record));
        return v;
      })
      .immediate();
    try {
      await this.store.put(artifactKey(draft.group, version), artifact, {
        contentType: 'application/json',
      });
    } catch (err) {
      this.db
        .prepare(
          "DELETE FROM model_versions WHERE group_name = ? AND version = ? AND state = 'reserved'",
        )
        .run(draft.group, version);
      throw err;
    }
    this.db
      .transaction(() => {
        this.db
          .prepare("UPDATE model_versions SET state = 'ready' WHERE group_name = ? AND version = ?")
          .run(draft.group, version);
        this.insertAudit({ ...entry, version });
      })
      .immediate();
    return (await this.readVersion(draft.group, version))!;
  }

  protected async readVersions(group: string): Promise<ModelVersion[]> {
    const rows = this.db
      .prepare(
        `SELECT version, status, status_changed_at, record FROM model_versions
         WHERE group_name = ? AND state = 'ready' ORDER BY version`,
      )
      .all(group) as VersionRow[];
    return rows.map(versionFromRow);
  }

  protected async readVersion(group: string, version: number): Promise<ModelVersion | undefined> {
    const row = this.db
      .prepare(
        `SELECT version, status, status_changed_at, record FROM model_versions
         WHERE group_name = ? AND version = ? AND state = 'ready'`,
      )
      .get(group, version) as VersionRow | undefined;
    return row ? versionFromRow(row) : undefined;
  }

  protected async writeStatus(entry: AuditEntry & { from: ModelStatus }): Promise<void> {
    this.db
      .transaction(() => {
        const r = this.db
          .prepare(
            `UPDATE model_versions SET status = ?, status_changed_at = ?
             WHERE group_name = ? AND version = ? AND status = ? AND state = 'ready'`,
          )
          .run(entry.to, entry.at, entry.group, entry.version, entry.from);
        if (r.changes === 0) {
          throw new ModelRegistryError(
            `${entry.group} v${entry.version} is no longer ${entry.from} (changed by someone else); look again and retry`,
            'conflict',
          );
        }
        this.insertAudit(entry);
      })
      .immediate();
  }

  protected async readHistory(group: string, version?: number): Promise<AuditEntry[]> {
    const rows = (
      version === undefined
        ? this.db.prepare('SELECT * FROM model_audit WHERE group_name = ? ORDER BY seq').all(group)
        : this.db
            .prepare('SELECT * FROM model_audit WHERE group_name = ? AND version = ? ORDER BY seq')
            .all(group, version)
    ) as AuditRow[];
    return rows.map(auditFromRow);
  }

  protected async startChangeCursor(): Promise<void> {
    const row = this.db.prepare('SELECT MAX(seq) AS s FROM model_audit').get() as {
      s: number | null;
    };
    this.lastSeq = row.s ?? 0;
  }

  protected async pollChanges(): Promise<AuditEntry[]> {
    // SQLite serializes writers, so sequence numbers are committed in order: nothing below
    // lastSeq can appear later.
    const rows = this.db
      .prepare('SELECT * FROM model_audit WHERE seq > ? ORDER BY seq')
      .all(this.lastSeq) as AuditRow[];
    if (rows.length) this.lastSeq = Number(rows[rows.length - 1]!.seq);
    return rows.map(auditFromRow);
  }

  protected async closeStorage(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private insertAudit(e: AuditEntry): void {
    this.db
      .prepare(
        `INSERT INTO model_audit (group_name, version, from_status, to_status, actor, reason, at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(e.group, e.version, e.from, e.to, e.actor, e.reason, e.at);
  }
}
