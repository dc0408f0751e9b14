import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { EnergyEntity } from '../../entities.js';
import type { JobRun, PartitionBookmark, TransformState } from '../transform-state.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_runs (
  run_id TEXT PRIMARY KEY,
  entity TEXT NOT NULL,
  status TEXT NOT NULL,
  full_run INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  duration_ms INTEGER,
  rows_in INTEGER NOT NULL DEFAULT 0,
  rows_out INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  partitions_json TEXT NOT NULL DEFAULT '[]',
  error TEXT
);
CREATE INDEX IF NOT EXISTS job_runs_entity ON job_runs (entity, started_at);
CREATE TABLE IF NOT EXISTS bookmarks (
  entity TEXT NOT NULL,
  load_date TEXT NOT NULL,
  files_json TEXT NOT NULL,
  run_id TEXT NOT NULL,
  committed_at TEXT NOT NULL,
  PRIMARY KEY (entity, load_date)
);
`;

interface RunRow {
  run_id: string;
  entity: string;
  status: string;
  full_run: number;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  rows_in: number;
  rows_out: number;
  rejected: number;
  duplicates: number;
  partitions_json: string;
  error: string | null;
}

/**
 * Job runs and bookmarks in a SQLite file (WAL, so `corriente jobs` reads while a run writes).
 *
 * @example const state = new SqliteTransformState({ path: path.join(home, 'state', 'transform.db') });
 */
export class SqliteTransformState implements TransformState {
  private readonly db: Database.Database;

  /** @param options.path a database file, or `:memory:` (tests) */
  constructor(options: { path: string }) {
    const file = options.path;
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  startRun(run: Pick<JobRun, 'runId' | 'entity' | 'full' | 'startedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO job_runs (run_id, entity, status, full_run, started_at) VALUES (?, ?, 'running', ?, ?)`,
      )
      .run(run.runId, run.entity, run.full ? 1 : 0, run.startedAt);
  }

  finishRun(run: JobRun): void {
    this.db
      .prepare(
        `UPDATE job_runs SET status = ?, finished_at = ?, duration_ms = ?, rows_in = ?, rows_out = ?,
           rejected = ?, duplicates = ?, partitions_json = ?, error = ? WHERE run_id = ?`,
      )
      .run(
        run.status,
        run.finishedAt ?? null,
        run.durationMs ?? null,
        run.rowsIn,
        run.rowsOut,
        run.rejected,
        run.duplicates,
        JSON.stringify(run.partitions),
        run.error ?? null,
        run.runId,
      );
  }

  listRuns(options: { entity?: EnergyEntity; limit?: number } = {}): JobRun[] {
    const rows = (
      options.entity
        ? this.db
            .prepare(
              `SELECT * FROM job_runs WHERE entity = ? ORDER BY started_at DESC, rowid DESC LIMIT ?`,
            )
            .all(options.entity, options.limit ?? 50)
        : this.db
            .prepare(`SELECT * FROM job_runs ORDER BY started_at DESC, rowid DESC LIMIT ?`)
            .all(options.limit ?? 50)
    ) as RunRow[];
    return rows.map((r) => ({
      runId: r.run_id,
      entity: r.entity as EnergyEntity,
      status: r.status as JobRun['status'],
      full: r.full_run === 1,
      startedAt: r.started_at,
      ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
      ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
      rowsIn: r.rows_in,
      rowsOut: r.rows_out,
      rejected: r.rejected,
      duplicates: r.duplicates,
      partitions: JSON.parse(r.partitions_json) as JobRun['partitions'],
      ...(r.error ? { error: r.error } : {}),
    }));
  }

  failInterrupted(now: Date): number {
    return this.db
      .prepare(
        `UPDATE job_runs SET status = 'failed', finished_at = ?, error = 'interrumpido: el proceso terminó antes de acabar la ejecución' WHERE status = 'running'`,
      )
      .run(now.toISOString()).changes;
  }

  bookmarks(entity: EnergyEntity): Map<string, PartitionBookmark> {
    const rows = this.db.prepare(`SELECT * FROM bookmarks WHERE entity = ?`).all(entity) as {
      load_date: string;
      files_json: string;
      run_id: string;
      committed_at: string;
    }[];
    return new Map(
      rows.map((r) => [
        r.load_date,
        {
          entity,
          loadDate: r.load_date,
          files: JSON.parse(r.files_json) as PartitionBookmark['files'],
          runId: r.run_id,
          committedAt: r.committed_at,
        },
      ]),
    );
  }

  saveBookmark(b: PartitionBookmark): void {
    this.db
      .prepare(
        `INSERT INTO bookmarks (entity, load_date, files_json, run_id, committed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (entity, load_date) DO UPDATE SET files_json = excluded.files_json,
           run_id = excluded.run_id, committed_at = excluded.committed_at`,
      )
      .run(b.entity, b.loadDate, JSON.stringify(b.files), b.runId, b.committedAt);
  }

  close(): void {
    this.db.close();
  }
}
