import { createHash } from 'node:crypto';
import type { Logger } from '../../core/log/logger.js';
import { GbdtModel } from '../gbdt/index.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import { silentLogger } from '../../core/log/logger.js';
import { decideAutoApproval, type AutoApprovePolicy } from './auto-approve.js';
import {
  assertGroupName,
  assertTransition,
  ModelRegistryError,
  type AuditEntry,
  type ModelGroup,
  type ModelRegistry,
  type ModelStatus,
  type ModelVersion,
  type RegisterVersionInput,
  type StatusChangeInput,
  type StatusChangeListener,
} from './model-registry.js';

/** Options every adapter takes. */
export interface ModelRegistryOptions {
  /** The datalake store: artifacts go under `models/`. */
  store: ObjectStore;
  /** Auto-approve policy; without it every new version waits for a person. */
  autoApprove?: AutoApprovePolicy;
  /**
   * How often changes made by other processes are looked for while someone listens to
   * `onStatusChange`; 0 turns polling off. @default adapter-specific
   */
  pollIntervalMs?: number;
  log?: Logger;
  /** @default () => new Date() */
  now?: () => Date;
}

/** A version about to be registered: everything but its number and status. */
export type VersionDraft = Omit<ModelVersion, 'version' | 'status' | 'statusChangedAt'>;

/**
 * The registry's behaviour, shared by the adapters: input checks, artifact hashing and
 * integrity checks, the auto-approve policy, rollback, and change notification. An adapter
 * implements only storage (the protected abstract methods).
 */
export abstract class ModelRegistryBase implements ModelRegistry {
  protected readonly store: ObjectStore;
  protected readonly log: Logger;
  protected readonly now: () => Date;
  private readonly autoApprove: AutoApprovePolicy | undefined;
  private readonly pollIntervalMs: number;
  private readonly listeners = new Set<StatusChangeListener>();
  private cursorReady: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  protected constructor(options: ModelRegistryOptions, defaultPollIntervalMs: number) {
    this.store = options.store;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    this.autoApprove = options.autoApprove;
    this.pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
  }

  protected abstract insertGroup(group: ModelGroup): Promise<void>;
  protected abstract readGroups(): Promise<ModelGroup[]>;
  protected abstract readGroup(name: string): Promise<ModelGroup | undefined>;
  /** Allocates the next version number, stores `artifact` at its key, records the version. */
  protected abstract insertVersion(
    draft: VersionDraft,
    artifact: Buffer,
    entry: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion>;
  protected abstract readVersions(group: string): Promise<ModelVersion[]>;
  protected abstract readVersion(group: string, version: number): Promise<ModelVersion | undefined>;
  /** Sets the status if it still is `entry.from` (else `conflict`) and records `entry`. */
  protected abstract writeStatus(entry: AuditEntry & { from: ModelStatus }): Promise<void>;
  protected abstract readHistory(group: string, version?: number): Promise<AuditEntry[]>;
  /** Positions the change cursor at the present: later changes are what `pollChanges` returns. */
  protected abstract startChangeCursor(): Promise<void>;
  /** Changes recorded (by any process) since the last call, oldest first. */
  protected abstract pollChanges(): Promise<AuditEntry[]>;
  protected abstract closeStorage(): Promise<void>;

  async createGroup(name: string, description?: string): Promise<ModelGroup> {
    assertGroupName(name);
    const group: ModelGroup = {
      name,
      ...(description ? { description } : {}),
      createdAt: this.now().toISOString(),
    };
    await this.insertGroup(group);
    return (await this.readGroup(name)) ?? group;
  }

  listGroups(): Promise<ModelGroup[]> {
    return this.readGroups();
  }

  getGroup(name: string): Promise<ModelGroup | undefined> {
    return this.readGroup(name);
  }

  async registerVersion(input: RegisterVersionInput): Promise<ModelVersion> {
    await this.requireGroup(input.group);
    const model = toModel(input.model);
    const text = model.toXgboostText();
    const bytes = Buffer.from(text, 'utf8');
    checkRegistration(input, model);
    await this.ensureCursor();
    const at = this.now().toISOString();
    const version = await this.insertVersion(
      {
        group: input.group,
        artifact: { key: '', sha256: sha256(bytes), size: bytes.length },
        model: {
          objective: model.objective,
          numClass: model.numClass,
          numFeature: model.numFeature,
        },
        metrics: input.metrics,
        featureVersion: String(input.featureVersion),
        featureNames: [...input.featureNames],
        trainingRange: { ...input.trainingRange },
        codeVersion: { ...input.codeVersion },
        createdAt: at,
        createdBy: input.actor,
      },
      bytes,
      {
        group: input.group,
        from: null,
        to: 'PendingManualApproval',
        actor: input.actor,
        reason: input.reason ?? 'registered',
        at,
      },
    );
    this.log.info(
      { group: version.group, version: version.version, sha256: version.artifact.sha256 },
      'model version registered',
    );
    await this.flush();
    if (!this.autoApprove) return version;
    const current = await this.latestApproved(input.group);
    const decision = decideAutoApproval(this.autoApprove, version, current);
    if (!decision.approve) {
      this.log.info({ group: version.group, version: version.version }, decision.reason);
      return version;
    }
    return this.setStatus(input.group, version.version, 'Approved', {
      actor: 'policy',
      reason: decision.reason,
    });
  }

  async listVersions(group: string): Promise<ModelVersion[]> {
    await this.requireGroup(group);
    return this.readVersions(group);
  }

  getVersion(group: string, version: number): Promise<ModelVersion | undefined> {
    return this.readVersion(group, version);
  }

  async loadModel(group: string, version: number): Promise<GbdtModel> {
    const v = await this.requireVersion(group, version);
    const bytes = await this.store.get(v.artifact.key);
    const digest = sha256(bytes);
    if (digest !== v.artifact.sha256) {
      throw new ModelRegistryError(
        `artifact of ${group} v${version} (${v.artifact.key}) has sha256 ${digest}, but ` +
          `${v.artifact.sha256} was registered: the file was changed or corrupted; refusing to load it`,
        'integrity',
      );
    }
    return GbdtModel.parse(bytes.toString('utf8'));
  }

  async setStatus(
    group: string,
    version: number,
    to: ModelStatus,
    change: StatusChangeInput,
  ): Promise<ModelVersion> {
    const v = await this.requireVersion(group, version);
    assertTransition(group, version, v.status, to);
    await this.ensureCursor();
    await this.writeStatus({
      group,
      version,
      from: v.status,
      to,
      actor: change.actor,
      reason: change.reason ?? defaultReason(to),
      at: this.now().toISOString(),
    });
    this.log.info(
      { group, version, from: v.status, to, actor: change.actor },
      'model status changed',
    );
    await this.flush();
    return (await this.readVersion(group, version))!;
  }

  async latestApproved(group: string): Promise<ModelVersion | undefined> {
    const versions = await this.listVersions(group);
    let best: ModelVersion | undefined;
    for (const v of versions) {
      if (v.status === 'Approved' && (!best || v.version > best.version)) best = v;
    }
    return best;
  }

  async rollback(group: string, change: StatusChangeInput): Promise<ModelVersion> {
    const approved = (await this.listVersions(group))
      .filter((v) => v.status === 'Approved')
      .sort((a, b) => b.version - a.version);
    const [latest, previous] = approved;
    if (!latest) {
      throw new ModelRegistryError(
        `${group} has no approved version to roll back`,
        'no-previous-approved',
      );
    }
    if (!previous) {
      throw new ModelRegistryError(
        `${group} v${latest.version} is the only approved version: there is no previous ` +
          `approved version to roll back to (reject v${latest.version} to serve none)`,
        'no-previous-approved',
      );
    }
    await this.setStatus(group, latest.version, 'Rejected', {
      actor: change.actor,
      reason: change.reason ?? `rollback to v${previous.version}`,
    });
    return previous;
  }

  async history(group: string, version?: number): Promise<AuditEntry[]> {
    await this.requireGroup(group);
    if (version !== undefined) await this.requireVersion(group, version);
    return this.readHistory(group, version);
  }

  onStatusChange(listener: StatusChangeListener): () => void {
    this.listeners.add(listener);
    void this.ensureCursor().catch((err: unknown) =>
      this.log.warn({ err }, 'model registry: cannot start watching for changes'),
    );
    if (!this.timer && this.pollIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush(), this.pollIntervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  /**
   * Resolves once the changes made from now on (by any process) reach the `onStatusChange`
   * listeners: the change cursor is read asynchronously, so a change committed before it is
   * not delivered.
   */
  watching(): Promise<void> {
    return this.ensureCursor();
  }

  async close(): Promise<void> {
    this.stopPolling();
    this.listeners.clear();
    await this.flushing;
    await this.closeStorage();
  }

  /** Delivers the changes recorded since the last delivery to the listeners, in order. */
  protected flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.cursorReady) return;
      let entries: AuditEntry[];
      try {
        await this.cursorReady;
        entries = await this.pollChanges();
      } catch (err) {
        this.log.warn({ err }, 'model registry: cannot read recent changes');
        return;
      }
      for (const e of entries) {
        for (const listener of [...this.listeners]) {
          try {
            listener(e);
          } catch (err) {
            this.log.error({ err, group: e.group, version: e.version }, 'status listener failed');
          }
        }
      }
    });
    return this.flushing;
  }

  private ensureCursor(): Promise<void> {
    this.cursorReady ??= this.startChangeCursor();
    return this.cursorReady;
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  protected async requireGroup(group: string): Promise<ModelGroup> {
    const g = await this.readGroup(group);
    if (!g) throw new ModelRegistryError(`unknown model group ${group}`, 'not-found');
    return g;
  }

  protected async requireVersion(group: string, version: number): Promise<ModelVersion> {
    await this.requireGroup(group);
    const v = await this.readVersion(group, version);
    if (!v) throw new ModelRegistryError(`${group} has no version ${version}`, 'not-found');
    return v;
  }
}

/** Hex sha256 of bytes. */
export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function defaultReason(to: ModelStatus): string {
  return to === 'Approved' ? 'approved' : to === 'Rejected' ? 'rejected' : 'reset';
}

function toModel(model: GbdtModel | string): GbdtModel {
  if (typeof model !== 'string') return model;
  try {
    return GbdtModel.parse(model);
  } catch (err) {
    throw new ModelRegistryError(
      `the model is not valid: ${(err as Error).message}`,
      'invalid-input',
    );
  }
}

function checkRegistration(input: RegisterVersionInput, model: GbdtModel): void {
  const problems: string[] = [];
  if (!input.actor.trim()) problems.push('actor: is required');
  if (input.featureNames.length !== model.numFeature) {
    problems.push(
      `featureNames: ${input.featureNames.length} names for a model of ${model.numFeature} features`,
    );
  }
  const { from, to } = input.trainingRange;
  if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)) || from > to) {
    problems.push(`trainingRange: needs ISO timestamps with from ≤ to (got ${from} .. ${to})`);
  }
  if (!input.codeVersion.packageVersion) problems.push('codeVersion.packageVersion: is required');
  if (input.metrics === null || typeof input.metrics !== 'object' || Array.isArray(input.metrics)) {
    problems.push('metrics: must be a JSON object');
  }
  if (problems.length) {
    throw new ModelRegistryError(`cannot register: ${problems.join('; ')}`, 'invalid-input');
  }
}

/** A stored group row, as both table-backed adapters keep it. */
export interface GroupRow {
  name: string;
  description: string | null;
  created_at: string;
}

/** A stored version row: the draft as JSON, and the mutable status beside it. */
export interface VersionRow {
  version: number;
  status: ModelStatus;
  status_changed_at: string;
  record: string;
}

/** A stored audit row (`seq` orders them: a number in SQLite, a bigint string in PostgreSQL). */
export interface AuditRow {
  seq: number | string;
  group_name: string;
  version: number;
  from_status: ModelStatus | null;
  to_status: ModelStatus;
  actor: string;
  reason: string;
  at: string;
}

export function groupFromRow(r: GroupRow): ModelGroup {
  return {
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    createdAt: r.created_at,
  };
}

export function versionFromRow(r: VersionRow): ModelVersion {
  const record = JSON.parse(r.record) as VersionDraft;
  return { ...record, version: r.version, status: r.status, statusChangedAt: r.status_changed_at };
}

export function auditFromRow(r: AuditRow): AuditEntry {
  return {
    group: r.group_name,
    version: r.version,
    from: r.from_status,
    to: r.to_status,
    actor: r.actor,
    reason: r.reason,
    at: r.at,
  };
}
