import type { Logger } from '../../../core/log/logger.js';
import type { FxConfig } from '../../fx-config.js';
import { silentLogger } from '../../../core/log/logger.js';
import { FX_MODEL_GROUP } from './model-group.js';
import {
  currentCodeVersion,
  ModelRegistryError,
  type ModelRegistry,
  type ModelVersion,
} from '../../../ml/registry/index.js';
import { trainModel, type TrainModelResult, type TrainingProgress } from './index.js';

export { FX_MODEL_GROUP };

export interface TrainAndRegisterOptions {
  registry: ModelRegistry;
  /** The local folder holding the datalake (see `withLocalLake`). */
  lakeDir: string;
  /** What training reads of the configuration: the time zone and `fx.model`. */
  config: { timezone: string; fx: Pick<FxConfig, 'model'> };
  /** Who trains: recorded in the registry's audit history. */
  actor: string;
  /** @default FX_MODEL_GROUP */
  group?: string;
  /** Range of the training history. @default the whole history */
  from?: Date;
  to?: Date;
  /** Overrides of `fx.model.training` (e.g. `horizonHours`, `seed`). */
  training?: Partial<Omit<FxConfig['model']['training'], 'gbdt'>>;
  /** Approve the new version at once, with this reason (the demo's first model). */
  approve?: string;
  onProgress?: (p: TrainingProgress) => void;
  tempDirectory?: string;
  log?: Logger;
}

/**
 * Trains the FX model from the lake (`trainModel`) and registers it as a new version of the
 * group (created when missing) with its metrics, feature version, training range and code
 * version; the registry's auto-approve policy may approve it, or `approve` does.
 * @returns the registered version and the training result.
 */
export async function trainAndRegister(
  o: TrainAndRegisterOptions,
): Promise<ModelVersion & { training: TrainModelResult }> {
  const group = o.group ?? FX_MODEL_GROUP;
  const log = o.log ?? silentLogger;
  const result = await trainModel({
    lakeDir: o.lakeDir,
    timezone: o.config.timezone,
    training: { ...o.config.fx.model.training, ...o.training },
    ...(o.from ? { from: o.from } : {}),
    ...(o.to ? { to: o.to } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.tempDirectory ? { tempDirectory: o.tempDirectory } : {}),
  });
  const version = await registerTrainedModel(o.registry, result, {
    group,
    actor: o.actor,
    ...(o.approve ? { approve: o.approve } : {}),
    log,
  });
  return { ...version, training: result };
}

/**
 * Registers a trained model as a new version of `group` (created when missing) with its metrics,
 * feature version, training range and code version. The registry's auto-approve policy may approve
 * it; `approve` (a reason) approves it explicitly when the policy did not.
 */
export async function registerTrainedModel(
  registry: ModelRegistry,
  result: TrainModelResult,
  o: { group?: string; actor: string; approve?: string; log?: Logger },
): Promise<ModelVersion> {
  const group = o.group ?? FX_MODEL_GROUP;
  const log = o.log ?? silentLogger;
  try {
    await registry.createGroup(group, 'Probabilidad de compra / venta de dólares por usuario');
  } catch (err) {
    if (!(err instanceof ModelRegistryError && err.code === 'already-exists')) throw err;
  }
  let version = await registry.registerVersion({
    group,
    model: result.model,
    metrics: result.metrics as unknown as Record<string, unknown>,
    featureVersion: result.featureVersion,
    featureNames: result.featureNames,
    trainingRange: result.trainingRange,
    codeVersion: currentCodeVersion(),
    actor: o.actor,
    reason: `trained on ${result.samples.train} samples, validated on ${result.samples.validation}, tested on ${result.samples.test}`,
  });
  log.info({ group, version: version.version, status: version.status }, 'model version registered');
  if (o.approve && version.status !== 'Approved') {
    version = await registry.setStatus(group, version.version, 'Approved', {
      actor: o.actor,
      reason: o.approve,
    });
  }
  return version;
}
