import { readFile } from 'node:fs/promises';
import type { Logger } from '../../core/log/logger.js';
import { GbdtModel } from '../gbdt/index.js';
import { silentLogger } from '../../core/log/logger.js';
import type { ModelRegistry } from '../registry/model-registry.js';

/** The model being served, with where it came from. Immutable: a swap replaces the whole object. */
export interface ServedModel {
  /** Set when the model comes from the registry. */
  group?: string;
  version?: number;
  /** Set when the model comes from a file. */
  file?: string;
  model: GbdtModel;
  loadedAt: string;
}

export type SwapListener = (now: ServedModel | undefined, before: ServedModel | undefined) => void;

export interface FromRegistryOptions {
  log?: Logger;
}

/**
 * Holds the current model. Callers take `current()` once per request and use that object to
 * the end, so a request finishes on the model it started with; a new model is loaded and
 * checked completely before the reference is replaced, in one assignment, so no request ever
 * sees a half-loaded model and none is dropped during a swap.
 *
 * @example
 * const handle = await ModelHandle.fromRegistry(registry, 'fx-recomendaciones');
 * const served = handle.current(); // undefined until a version is approved
 * if (served) served.model.predict(x, n);
 */
export class ModelHandle {
  private served: ServedModel | undefined;
  private readonly listeners = new Set<SwapListener>();
  private unsubscribe: (() => void) | undefined;
  private refreshing: Promise<void> = Promise.resolve();

  private constructor(
    served: ServedModel | undefined,
    private readonly source?: { registry: ModelRegistry; group: string; log: Logger },
  ) {
    this.served = served;
  }

  /** A handle on a fixed model (tests, library use). */
  static of(model: GbdtModel, info: Omit<ServedModel, 'model' | 'loadedAt'> = {}): ModelHandle {
    return new ModelHandle({ ...info, model, loadedAt: new Date().toISOString() });
  }

  /** Serves an XGBoost JSON model file; throws ModelFormatError naming what is wrong. */
  static async fromFile(file: string): Promise<ModelHandle> {
    const model = GbdtModel.parse(await readFile(file, 'utf8'));
    return new ModelHandle({ file, model, loadedAt: new Date().toISOString() });
  }

  /**
   * Serves the newest Approved version of `group` and follows the registry: when a version is
   * approved, or the served one is rejected (a rollback), the newest Approved version is loaded
   * and swapped in. With nothing approved, `current()` is undefined (the endpoint answers 503).
   */
  static async fromRegistry(
    registry: ModelRegistry,
    group: string,
    options: FromRegistryOptions = {},
  ): Promise<ModelHandle> {
    const log = (options.log ?? silentLogger).child({ component: 'model-handle', group });
    const handle = new ModelHandle(undefined, { registry, group, log });
    handle.unsubscribe = registry.onStatusChange((e) => {
      if (e.group === group && (e.to === 'Approved' || e.from === 'Approved')) {
        void handle.refresh();
      }
    });
    await handle.refresh();
    return handle;
  }

  /** The model to use for one request (or one batch); undefined when none is loaded. */
  current(): ServedModel | undefined {
    return this.served;
  }

  /** Called after each swap. Returns the unsubscribe function. */
  onSwap(listener: SwapListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Re-reads the registry and swaps to its newest Approved version if that is not the one
   * served. A version that cannot be loaded (e.g. its sha256 does not match) is not swapped in:
   * the current model keeps serving and the failure is logged. Calls are serialized.
   */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.doRefresh());
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    if (!this.source) return;
    const { registry, group, log } = this.source;
    try {
      const latest = await registry.latestApproved(group);
      const before = this.served;
      if (latest?.version === before?.version) return;
      if (!latest) {
        this.swap(undefined);
        log.warn({ was: before?.version }, 'no approved model version left: not serving');
        return;
      }
      const model = await registry.loadModel(group, latest.version);
      this.swap({ group, version: latest.version, model, loadedAt: new Date().toISOString() });
      log.info({ version: latest.version, was: before?.version }, 'serving model version');
    } catch (err) {
      log.error({ err }, 'cannot load the approved model version; the current one keeps serving');
    }
  }

  private swap(next: ServedModel | undefined): void {
    const before = this.served;
    this.served = next;
    for (const l of [...this.listeners]) l(next, before);
  }

  /** Stops following the registry. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
