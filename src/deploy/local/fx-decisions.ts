import { awsClientConfig } from '../../core/aws/client-config.js';
import { homeLayout } from '../home-layout.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import * as path from 'node:path';
import type { HttpPlugin } from '../../core/http/server.js';
import type { Logger } from '../../core/log/logger.js';
import { openModelRegistry, openOrchestratorState } from '../adapters.js';
import type { PgPool } from '../../core/state/postgres/index.js';
import type { Stores } from '../adapters.js';
import type { Config } from '../config.js';
import type { FxUsers } from '../../fx/api/users.js';
import type { EventLog } from '../../core/event-log/event-log.js';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  FanOutNotifier,
  notificationsOpenApi,
  type Notifier,
} from '../../fx/decisions/notify/index.js';
import {
  openEmbeddedNotifications,
  openPostgresNotifications,
  type Notifications,
} from './notifications.js';
import { SnsNotifier } from '../../fx/decisions/notify/sns/sns-notifier.js';
import {
  modelScorerSource,
  upliftScorerSource,
  startOrchestrator,
  type Orchestrator,
} from '../../fx/decisions/orchestrator/index.js';
import type { PortfolioStore } from '../../fx/portfolio/portfolio-store.js';
import {
  FEATURE_NAMES,
  LakeHistory,
  OnlineFeatureStore,
} from '../../fx/decisions/features/index.js';
import {
  FX_MODEL_GROUP,
  trainAndRegister,
} from '../../fx/decisions/training/train-and-register.js';
import { ModelRegistryError, type ModelRegistry } from '../../ml/registry/index.js';
import { mlOpenApi, mlRoutes, ModelHandle } from '../../ml/serve/index.js';
import { CLASS_NAMES } from '../../fx/decisions/features/feature-names.js';
import { withLocalLake } from '../../fx/decisions/training/lake-folder.js';
import type { LeaseStore } from '../../core/lease/lease.js';
import { startLeadership, type LeaderWork } from '../../core/lease/leadership.js';
import { ALL_ROLES, instanceId, type Role } from '../roles.js';

export interface FxDecisionsOptions {
  config: Config;
  stores: Stores;
  log: Logger;
  eventLog: EventLog;
  portfolios: PortfolioStore;
  users: FxUsers;
  /** Demo mode: train and approve a first model when the group has none. */
  demo: boolean;
  /** Where the shared secrets (admin token, VAPID keys, webhook key) are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The roles this process runs: `orchestrator` and `dispatcher` matter here. @default every role */
  roles?: ReadonlySet<Role>;
  /** When given, the orchestrator is a singleton elected by this lease store, with standbys. */
  leases?: { store: LeaseStore; ttlMs: number };
  /**
   * The PostgreSQL state store (`state.type = postgres`): the notification store and the
   * orchestrator's cooldowns and outbox live there, so any instance (and a standby taking over)
   * finds them. Without it, SQLite files under the home.
   */
  statePool?: PgPool;
}

/**
 * The decision half of the FX platform inside `corriente up` (SageMaker endpoint, inference
 * orchestrator, SNS): the model registry and the served model (hot-swapped on approval), the
 * notifications (in-app SSE, Web Push, webhooks), the online feature store and the orchestrator
 * consuming the event log. `routes` are mounted by the HTTP server.
 */
export class FxDecisions {
  readonly routes: HttpPlugin[];
  private readonly stops: (() => Promise<void>)[] = [];

  private constructor(
    readonly registry: ModelRegistry,
    readonly handle: ModelHandle,
    readonly notifications: Notifications,
    private orchestrator: Orchestrator | undefined,
    users: FxUsers,
    config: Config,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const serving = config.fx.model.serving;
    const adminToken = env.CORRIENTE_ADMIN_TOKEN;
    this.routes = [
      {
        prefix: '/api/fx/v1/notifications',
        plugin: notifications.routes(users, config.fx.api.rateLimitPerMinute),
        openapi: notificationsOpenApi,
      },
      {
        prefix: '/api/ml/v1',
        plugin: mlRoutes({
          handles: new Map([[FX_MODEL_GROUP, handle]]),
          maxRows: serving.maxRowsPerRequest,
          classLabels: new Map([[FX_MODEL_GROUP, CLASS_NAMES]]),
          rateLimitPerMinute: serving.rateLimitPerMinute,
          ...(serving.requireToken
            ? { authenticate: (token) => modelPrincipal(token, users, adminToken) }
            : {}),
        }),
        openapi: mlOpenApi({ classLabels: CLASS_NAMES }),
      },
    ];
  }

  static async start(o: FxDecisionsOptions): Promise<FxDecisions> {
    const { config, stores, log } = o;
    const registry = await openModelRegistry(config, stores.datalake, {
      log,
      ...(o.statePool ? { statePool: o.statePool } : {}),
    });
    const tmp = homeLayout(config.home).tmp('');
    if (o.demo && (await needsFirstModel(registry))) {
      log.info('training a first FX model from the simulated history (demo)…');
      try {
        const v = await withLocalLake(stores.datalake, tmp, (lakeDir) =>
          trainAndRegister({
            registry,
            lakeDir,
            config,
            actor: 'demo',
            approve: 'modelo inicial de la demostración',
            tempDirectory: path.join(tmp, 'duckdb-train'),
            log,
          }),
        );
        log.info(`model ${v.group} v${v.version} registered and approved`);
      } catch (err) {
        log.warn(
          { err },
          'could not train a first model; the rules policy serves until one is approved',
        );
      }
    }
    await ensureGroup(registry);
    const handle = await ModelHandle.fromRegistry(registry, FX_MODEL_GROUP, { log });
    if (!handle.current()) {
      log.info(
        `no approved version of ${FX_MODEL_GROUP} yet: the rules policy serves (train one with: corriente fx train)`,
      );
    }
    const notificationOptions = {
      home: config.home,
      config: config.fx.notifications,
      log,
      ...(o.env ? { env: o.env } : {}),
    };
    const notifications: Notifications = o.statePool
      ? await openPostgresNotifications({ ...notificationOptions, pool: o.statePool })
      : openEmbeddedNotifications(notificationOptions);
    const roles = o.roles ?? ALL_ROLES;
    // The dispatcher role works the delivery queue; other roles only enqueue into it.
    if (roles.has('dispatcher')) notifications.start();

    const d = new FxDecisions(registry, handle, notifications, undefined, o.users, config, o.env);
    const cfg = config.fx.orchestrator;
    // Ranking by uplift follows the uplift group's approved version; without one, propensity ranks.
    const upliftGroup = config.fx.model.uplift.group;
    const rankByUplift = cfg.enabled && cfg.rankBy === 'uplift';
    if (rankByUplift) {
      await ensureGroup(registry, upliftGroup, 'Uplift: efecto de notificar (T-learner)');
    }
    const upliftHandle = rankByUplift
      ? await ModelHandle.fromRegistry(registry, upliftGroup, { log })
      : undefined;
    if (upliftHandle && !upliftHandle.current()) {
      log.info(
        `fx.orchestrator.rankBy is uplift but ${upliftGroup} has no approved version: suggestions are ranked by propensity (train one with: corriente fx train --uplift)`,
      );
    }
    const lead = async (): Promise<LeaderWork> => {
      const features = await withLocalLake(stores.datalake, tmp, async (lakeDir) => {
        const history = await LakeHistory.open({ lakeDir });
        try {
          return await OnlineFeatureStore.hydrate({
            history,
            portfolios: o.portfolios,
            timezone: config.timezone,
          });
        } finally {
          history.close();
        }
      });
      const state = await openOrchestratorState(config, o.statePool);
      let orchestrator: Orchestrator;
      try {
        orchestrator = await startOrchestrator({
          log: o.eventLog,
          features,
          models: modelScorerSource(handle, FEATURE_NAMES),
          ...(upliftHandle ? { uplift: upliftScorerSource(upliftHandle, FEATURE_NAMES) } : {}),
          notifier: awsNotifier(config, notifications),
          preferences: notifications.notifier,
          state,
          config: cfg,
          logger: log,
        });
      } catch (err) {
        await state.close();
        throw err;
      }
      d.orchestrator = orchestrator;
      return {
        stop: async () => {
          await orchestrator.stop();
          if (d.orchestrator === orchestrator) d.orchestrator = undefined;
          await state.close();
        },
      };
    };
    if (cfg.enabled && roles.has('orchestrator')) {
      if (o.leases) {
        // A singleton: the instance holding the lease decides; the others stand by.
        const leadership = startLeadership({
          store: o.leases.store,
          name: `fx-orchestrator/${o.eventLog.stream}`,
          owner: instanceId('orchestrator'),
          ttlMs: o.leases.ttlMs,
          logger: log,
          lead,
        });
        d.stops.push(() => leadership.stop());
      } else {
        const work = await lead();
        d.stops.push(() => work.stop());
      }
    }
    d.stops.push(
      async () => {
        await notifications.close();
      },
      async () => {
        handle.close();
        upliftHandle?.close();
        await registry.close();
      },
    );
    return d;
  }

  /** The served model and the orchestrator's counters, for the console's overview. */
  overview(): Record<string, unknown> {
    const served = this.handle.current();
    return {
      servedModel: served ? { group: served.group, version: served.version } : null,
      orchestrator: this.orchestrator?.stats() ?? null,
    };
  }

  /** A one-line status: the served model and the orchestrator's counters. */
  status(): string {
    const served = this.handle.current();
    const model = served
      ? `model ${served.group ?? 'file'} v${served.version ?? '?'}`
      : 'no approved model (rules)';
    const s = this.orchestrator?.stats();
    if (!s) return `${model}; orchestrator off`;
    return (
      `${model}; ${s.recommendations} recommendations (${s.byScorer.model} model, ${s.byScorer.reglas} rules), ` +
      `${s.notified} notified` +
      (s.deferred > 0 ? `, ${s.deferred} deferred by the per-tick cap` : '') +
      (s.lastError ? `; last orchestrator error: ${s.lastError}` : '')
    );
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) await stop();
  }
}

async function ensureGroup(
  registry: ModelRegistry,
  group = FX_MODEL_GROUP,
  description = 'Probabilidad de compra / venta de dólares por usuario',
): Promise<void> {
  try {
    await registry.createGroup(group, description);
  } catch (err) {
    if (!(err instanceof ModelRegistryError && err.code === 'already-exists')) throw err;
  }
}

async function needsFirstModel(registry: ModelRegistry): Promise<boolean> {
  const groups = await registry.listGroups();
  if (!groups.some((g) => g.name === FX_MODEL_GROUP)) return true;
  return (await registry.listVersions(FX_MODEL_GROUP)).length === 0;
}

/**
 * The orchestrator's notifier: the embedded channels, plus the SNS topic when
 * `fx.notifications.aws.snsTopicArn` is configured (subscribers filter by `userId`).
 */
function awsNotifier(config: Config, embedded: Notifications): Notifier {
  const aws = config.fx.notifications.aws;
  if (!aws?.snsTopicArn) return embedded.notifier;
  const client = new SNSClient(
    awsClientConfig({ region: aws.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}) }),
  );
  return new FanOutNotifier([embedded.notifier, new SnsNotifier(client, aws.snsTopicArn)]);
}

/** Who may call the model endpoint: an FX user (by id) or the admin. */
function modelPrincipal(
  token: string | undefined,
  users: FxUsers,
  adminToken: string | undefined,
): string | undefined {
  if (token === undefined) return undefined;
  if (adminToken && safeEqual(token, adminToken)) return 'admin';
  return users.authenticate(token)?.id;
}

function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
