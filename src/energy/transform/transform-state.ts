import type { EnergyEntity } from '../entities.js';
import type { DataTestResult } from './data-tests.js';

export type RunStatus = 'running' | 'succeeded' | 'failed';

/** What happened to one partition in a run. */
export interface PartitionRun {
  loadDate: string;
  status: 'committed' | 'failed';
  rowsIn: number;
  rowsOut: number;
  rejected: number;
  broken: number;
  duplicates: number;
  files: number;
  tests: DataTestResult[];
  error?: string;
}

/** One run of one job. */
export interface JobRun {
  runId: string;
  entity: EnergyEntity;
  status: RunStatus;
  full: boolean;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  rowsIn: number;
  rowsOut: number;
  rejected: number;
  duplicates: number;
  partitions: PartitionRun[];
  error?: string;
}

/** A job bookmark: the raw files of a partition as last committed (Glue job bookmarks' role). */
export interface PartitionBookmark {
  entity: EnergyEntity;
  loadDate: string;
  /** Raw files with their version tag (sha256 from the manifest). */
  files: { key: string; tag: string }[];
  runId: string;
  committedAt: string;
}

/** Where job runs and bookmarks are kept (port; `SqliteTransformState` is the embedded adapter). */
export interface TransformState {
  startRun(run: Pick<JobRun, 'runId' | 'entity' | 'full' | 'startedAt'>): void;
  finishRun(run: JobRun): void;
  /** Newest first. */
  listRuns(options?: { entity?: EnergyEntity; limit?: number }): JobRun[];
  /** Marks runs left `running` by a process that died as failed; returns how many. */
  failInterrupted(now: Date): number;
  bookmarks(entity: EnergyEntity): Map<string, PartitionBookmark>;
  saveBookmark(bookmark: PartitionBookmark): void;
  close(): void;
}
