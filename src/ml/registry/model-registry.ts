/**
 * The ModelRegistry port: SageMaker Model Registry's role. Model groups hold numbered versions
 * (1, 2, 3… per group); each version has an artifact in XGBoost's JSON format (kept in the
 * datalake ObjectStore under `models/<group>/v<version>/model.json`, its sha256 checked on
 * load), its validation metrics, what it was trained on and with, and an approval status.
 * The served model of a group is its newest Approved version.
 *
 * Adapters: `SqliteModelRegistry` (embedded default) and `SageMakerModelRegistry`.
 */
import type { GbdtModel } from '../gbdt/index.js';

/** SageMaker's `ModelApprovalStatus` values, used as they are. */
export const MODEL_STATUSES = ['PendingManualApproval', 'Approved', 'Rejected'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** Transitions a person (or the auto-approve policy) may make. Anything else is refused. */
export const ALLOWED_TRANSITIONS: Readonly<Record<ModelStatus, readonly ModelStatus[]>> = {
  PendingManualApproval: ['Approved', 'Rejected'],
  Approved: ['Rejected'],
  // Re-approving a rejected version is how a rollback is undone.
  Rejected: ['Approved'],
};

/** Group names follow SageMaker's ModelPackageGroupName rule, so both adapters accept the same. */
export const GROUP_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export interface ModelGroup {
  name: string;
  description?: string;
  createdAt: string;
}

/** What the trained model is, read from the artifact at registration. */
export interface ModelInfo {
  objective: GbdtModel['objective'];
  numClass: number;
  numFeature: number;
}

/** The code that trained the model. */
export interface CodeVersion {
  /** `version` of corriente's package.json. */
  packageVersion: string;
  /** `git rev-parse HEAD` when training ran in a git checkout. */
  gitCommit?: string;
}

/** Training data range, ISO 8601 timestamps, `from` inclusive, `to` exclusive. */
export interface TrainingRange {
  from: string;
  to: string;
}

export interface ModelVersion {
  group: string;
  version: number;
  status: ModelStatus;
  artifact: { key: string; sha256: string; size: number };
  model: ModelInfo;
  /** Validation metrics as produced by training (a JSON object). */
  metrics: Record<string, unknown>;
  featureVersion: string;
  featureNames: string[];
  trainingRange: TrainingRange;
  codeVersion: CodeVersion;
  createdAt: string;
  createdBy: string;
  /** When the status last changed (equal to `createdAt` until then). */
  statusChangedAt: string;
}

/** One audit entry: a registration (`from: null`) or a status change. */
export interface ModelStatusChanged {
  group: string;
  version: number;
  from: ModelStatus | null;
  to: ModelStatus;
  /** A user name, or `policy` for the auto-approve policy. */
  actor: string;
  reason: string;
  at: string;
}

export type AuditEntry = ModelStatusChanged;

export interface RegisterVersionInput {
  group: string;
  /** The trained model, or its XGBoost JSON text. */
  model: GbdtModel | string;
  metrics: Record<string, unknown>;
  featureVersion: string | number;
  featureNames: readonly string[];
  trainingRange: TrainingRange;
  codeVersion: CodeVersion;
  /** Who registers (a user name, or e.g. `corriente up`). */
  actor: string;
  /** @default 'registered' */
  reason?: string;
}

export interface StatusChangeInput {
  actor: string;
  /** Why; recorded in the audit history (and SageMaker's ApprovalDescription). */
  reason?: string;
}

/** Called for each registration and status change, in order. */
export type StatusChangeListener = (event: ModelStatusChanged) => void;

/**
 * The port. Every adapter records each registration and status change in an audit history,
 * refuses invalid transitions with a `ModelRegistryError`, and notifies `onStatusChange`
 * listeners of changes made by this instance at once and of changes made by other processes
 * (another CLI, another server) by polling.
 */
export interface ModelRegistry {
  /** Creates a group; `already-exists` if it does. */
  createGroup(name: string, description?: string): Promise<ModelGroup>;
  listGroups(): Promise<ModelGroup[]>;
  getGroup(name: string): Promise<ModelGroup | undefined>;
  /**
   * Stores the artifact and registers a new version (status PendingManualApproval), then lets
   * the auto-approve policy (if configured) decide. Returns the version as it stands after that.
   */
  registerVersion(input: RegisterVersionInput): Promise<ModelVersion>;
  /** Versions of a group, oldest first; `not-found` for an unknown group. */
  listVersions(group: string): Promise<ModelVersion[]>;
  getVersion(group: string, version: number): Promise<ModelVersion | undefined>;
  /** Loads the artifact, checks its sha256 (`integrity` error on mismatch) and parses it. */
  loadModel(group: string, version: number): Promise<GbdtModel>;
  setStatus(
    group: string,
    version: number,
    to: ModelStatus,
    change: StatusChangeInput,
  ): Promise<ModelVersion>;
  /** The newest Approved version: the one served. */
  latestApproved(group: string): Promise<ModelVersion | undefined>;
  /**
   * Rejects the newest Approved version so the previous Approved one is served again. Refuses
   * (`no-previous-approved`) when there is no previous Approved version. Returns the version
   * now served.
   */
  rollback(group: string, change: StatusChangeInput): Promise<ModelVersion>;
  /** Audit history of a group (or one version), oldest first. */
  history(group: string, version?: number): Promise<AuditEntry[]>;
  /** Subscribes to registrations and status changes; returns the unsubscribe function. */
  onStatusChange(listener: StatusChangeListener): () => void;
  close(): Promise<void>;
}

export type ModelRegistryErrorCode =
  | 'not-found'
  | 'already-exists'
  | 'invalid-input'
  | 'invalid-transition'
  | 'no-previous-approved'
  | 'integrity'
  | 'conflict';

/** Every refusal of the registry: a clear message and a stable code. */
export class ModelRegistryError extends Error {
  constructor(
    message: string,
    readonly code: ModelRegistryErrorCode,
  ) {
    super(message);
    this.name = 'ModelRegistryError';
  }
}

/** The ObjectStore key of a version's artifact. */
export function artifactKey(group: string, version: number): string {
  return `models/${group}/v${version}/model.json`;
}

/** Throws `invalid-input` unless `name` is a valid group name. */
export function assertGroupName(name: string): void {
  if (!GROUP_NAME_PATTERN.test(name)) {
    throw new ModelRegistryError(
      `invalid model group name ${JSON.stringify(name)}: use 1 to 63 letters, digits and ` +
        `hyphens, starting and ending with a letter or digit`,
      'invalid-input',
    );
  }
}

/** Throws `invalid-transition` unless `from → to` is allowed. */
export function assertTransition(
  group: string,
  version: number,
  from: ModelStatus,
  to: ModelStatus,
): void {
  if (from === to) {
    throw new ModelRegistryError(`${group} v${version} is already ${to}`, 'invalid-transition');
  }
  if (!ALLOWED_TRANSITIONS[from].includes(to)) {
    throw new ModelRegistryError(
      `${group} v${version} cannot go from ${from} to ${to} ` +
        `(allowed from ${from}: ${ALLOWED_TRANSITIONS[from].join(', ') || 'none'})`,
      'invalid-transition',
    );
  }
}
