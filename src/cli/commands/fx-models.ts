import { operatorName } from '../../deploy/environment.js';
import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { buildHttpServer } from '../../core/http/server.js';
import {
  ModelRegistryError,
  type AuditEntry,
  type ModelRegistry,
  type ModelStatus,
  type ModelVersion,
} from '../../ml/registry/index.js';
import { inferenceRoutes, ModelHandle } from '../../ml/serve/index.js';
import { openModelRegistry } from '../../deploy/adapters.js';
import { FX_MODEL_GROUP } from '../../fx/decisions/training/model-group.js';
import { CLASS_NAMES } from '../../fx/decisions/features/feature-names.js';
import { cliContext } from '../context.js';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';

export { FX_MODEL_GROUP };

/** Who runs the command: `$USER`, else the OS user. */
export function currentActor(): string {
  return operatorName();
}

const groupArg = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'is not a model group name');
const versionArg = z.coerce.number().int().min(1, 'must be a version number ≥ 1');
const reasonOpt = z.string().trim().min(1).max(1000).optional();

async function withRegistry<T>(cmd: Command, fn: (r: ModelRegistry) => Promise<T>): Promise<T> {
  const ctx = cliContext(cmd);
  const registry = await openModelRegistry(ctx.config, ctx.stores.datalake);
  try {
    return await fn(registry);
  } catch (err) {
    // Unknown names, invalid transitions and refused rollbacks are the user's to fix: exit 2.
    if (err instanceof ModelRegistryError && err.code !== 'integrity')
      throw new UsageError(err.message);
    throw err;
  } finally {
    await registry.close();
  }
}

function parseArg<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new UsageError(`${name}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/** Numeric metrics as `path value` pairs (nested objects flattened, arrays skipped). */
export function metricsSummary(metrics: Record<string, unknown>, limit = 24): [string, number][] {
  const out: [string, number][] = [];
  const walk = (v: unknown, prefix: string, depth: number) => {
    if (out.length >= limit) return;
    if (typeof v === 'number') out.push([prefix, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 3) {
      for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k, depth + 1);
    }
  };
  walk(metrics, '', 0);
  return out;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(4));

function versionLine(v: ModelVersion, served: number | undefined): string {
  const mark = v.version === served ? '*' : ' ';
  const auc = metricsSummary(v.metrics)
    .filter(([k]) => /rocAuc$/.test(k))
    .map(([k, n]) => `${k}=${fmt(n)}`)
    .join(' ');
  return `${mark} v${v.version}  ${v.status.padEnd(21)}  ${v.createdAt}  ${v.createdBy}  ${auc}`;
}

function auditLine(e: AuditEntry): string {
  return `  ${e.at}  v${e.version}  ${e.from ?? '(new)'} → ${e.to}  by ${e.actor}: ${e.reason}`;
}

/**
 * Registers `corriente fx models list|show|approve|reject|rollback` on the `fx` command.
 *
 * @example registerFxModels(registerFx(program));
 */
export function registerFxModels(fx: Command): Command {
  const models = fx
    .command('models')
    .description('the model registry: versions, approval, rollback');
  models
    .command('list')
    .description('list model groups, or the versions of one group (* = served)')
    .option('--group <name>', 'list the versions of this group')
    .option('--json', 'print JSON')
    .action(async (opts: { group?: string; json?: boolean }, cmd: Command) => {
      const group =
        opts.group === undefined ? undefined : parseArg(groupArg, opts.group, '--group');
      await withRegistry(cmd, async (r) => {
        if (group === undefined) {
          const groups = [];
          for (const g of await r.listGroups()) {
            const versions = await r.listVersions(g.name);
            const served = await r.latestApproved(g.name);
            groups.push({ ...g, versions: versions.length, served: served?.version ?? null });
          }
          if (opts.json) return void process.stdout.write(`${JSON.stringify(groups)}\n`);
          if (!groups.length)
            return void process.stdout.write('no model groups yet (corriente fx train)\n');
          for (const g of groups) {
            process.stdout.write(
              `${g.name}  ${g.versions} versions  served: ${g.served ? `v${g.served}` : 'none'}\n`,
            );
          }
          return;
        }
        const versions = await r.listVersions(group);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(versions)}\n`);
        const served = (await r.latestApproved(group))?.version;
        if (!versions.length) process.stdout.write(`${group} has no versions yet\n`);
        for (const v of versions) process.stdout.write(`${versionLine(v, served)}\n`);
      });
    });
  models
    .command('show <group> [version]')
    .description('a group (versions and audit history) or one version (metrics, training, history)')
    .option('--json', 'print JSON')
    .action(async (g: string, ver: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const group = parseArg(groupArg, g, 'group');
      const version = ver === undefined ? undefined : parseArg(versionArg, ver, 'version');
      await withRegistry(cmd, async (r) => {
        const history = await r.history(group, version);
        const served = (await r.latestApproved(group))?.version;
        if (version === undefined) {
          const versions = await r.listVersions(group);
          if (opts.json) {
            return void process.stdout.write(
              `${JSON.stringify({ group, served: served ?? null, versions, history })}\n`,
            );
          }
          process.stdout.write(
            `${group}: ${versions.length} versions, served: ${served ? `v${served}` : 'none'}\n`,
          );
          for (const v of versions) process.stdout.write(`${versionLine(v, served)}\n`);
          process.stdout.write(`history:\n${history.map(auditLine).join('\n')}\n`);
          return;
        }
        const v = (await r.getVersion(group, version))!;
        if (opts.json) {
          return void process.stdout.write(
            `${JSON.stringify({ ...v, served: v.version === served, history })}\n`,
          );
        }
        const lines = [
          `${group} v${v.version}: ${v.status}${v.version === served ? ' (served)' : ''}`,
          `  model: ${v.model.objective}, ${v.model.numFeature} features, ${v.model.numClass} classes`,
          `  artifact: ${v.artifact.key} (${v.artifact.size} bytes, sha256 ${v.artifact.sha256})`,
          `  features: version ${v.featureVersion}: ${v.featureNames.join(', ')}`,
          `  trained on: ${v.trainingRange.from} .. ${v.trainingRange.to}`,
          `  code: ${v.codeVersion.packageVersion}${v.codeVersion.gitCommit ? ` (${v.codeVersion.gitCommit.slice(0, 12)})` : ''}`,
          `  registered: ${v.createdAt} by ${v.createdBy}`,
          'metrics:',
          ...metricsSummary(v.metrics).map(([k, n]) => `  ${k.padEnd(36)} ${fmt(n)}`),
          'history:',
          ...history.map(auditLine),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
  const change = (name: string, to: ModelStatus, description: string) =>
    models
      .command(`${name} <group> <version>`)
      .description(description)
      .option('--reason <text>', 'why (kept in the audit history)')
      .action(async (g: string, ver: string, opts: { reason?: string }, cmd: Command) => {
        const group = parseArg(groupArg, g, 'group');
        const version = parseArg(versionArg, ver, 'version');
        const reason = parseArg(reasonOpt, opts.reason, '--reason');
        await withRegistry(cmd, async (r) => {
          const v = await r.setStatus(group, version, to, {
            actor: currentActor(),
            ...(reason ? { reason } : {}),
          });
          const served = (await r.latestApproved(group))?.version;
          process.stdout.write(
            `${group} v${v.version} is now ${v.status}; served: ${served ? `v${served}` : 'none'}\n`,
          );
        });
      });
  change('approve', 'Approved', 'approve a version: the newest approved version is served');
  change('reject', 'Rejected', 'reject a version (if it was served, the previous approved one is)');
  models
    .command('rollback <group>')
    .description('reject the served version so the previous approved one is served again')
    .option('--reason <text>', 'why (kept in the audit history)')
    .action(async (g: string, opts: { reason?: string }, cmd: Command) => {
      const group = parseArg(groupArg, g, 'group');
      const reason = parseArg(reasonOpt, opts.reason, '--reason');
      await withRegistry(cmd, async (r) => {
        const before = (await r.latestApproved(group))?.version;
        const now = await r.rollback(group, {
          actor: currentActor(),
          ...(reason ? { reason } : {}),
        });
        process.stdout.write(`${group}: rolled back from v${before} to v${now.version}\n`);
      });
    });
  return models;
}

const serveArgs = z
  .object({
    modelFile: z.string().min(1).optional(),
    group: groupArg.optional(),
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('127.0.0.1'),
  })
  .refine((a) => !(a.modelFile && a.group), {
    message: 'give either --model-file or --group, not both',
    path: ['modelFile'],
  });

/**
 * Registers `corriente fx serve-model`: a standalone inference server on SageMaker's paths
 * (`GET /ping`, `POST /invocations`), serving a model file or a registry group's approved
 * version (following approvals and rollbacks). Stops on SIGINT/SIGTERM.
 */
export function registerFxServeModel(fx: Command): Command {
  return fx
    .command('serve-model')
    .description('serve a model on /ping and /invocations (the SageMaker container contract)')
    .option('--model-file <file>', 'an XGBoost JSON model file')
    .option(
      '--group <name>',
      `serve this registry group's approved version (default ${FX_MODEL_GROUP})`,
    )
    .option('--port <n>', 'TCP port (default 8080, as SageMaker)')
    .option('--host <host>', 'interface (default 127.0.0.1; 0.0.0.0 inside a container)')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(serveArgs, opts);
      const ctx = cliContext(cmd);
      let registry: ModelRegistry | undefined;
      let handle: ModelHandle;
      if (args.modelFile) {
        try {
          handle = await ModelHandle.fromFile(path.resolve(args.modelFile));
        } catch (err) {
          throw new UsageError(`--model-file ${args.modelFile}: ${(err as Error).message}`);
        }
      } else {
        const group = args.group ?? FX_MODEL_GROUP;
        registry = await openModelRegistry(ctx.config, ctx.stores.datalake);
        if (!(await registry.getGroup(group))) {
          await registry.close();
          throw new UsageError(`unknown model group ${group}`);
        }
        handle = await ModelHandle.fromRegistry(registry, group, { log: ctx.log });
      }
      const app = await buildHttpServer({
        log: ctx.log,
        requestTimeoutSeconds: ctx.config.http.requestTimeoutSeconds,
        connectionTimeoutSeconds: ctx.config.http.connectionTimeoutSeconds,
        keepAliveTimeoutSeconds: ctx.config.http.keepAliveTimeoutSeconds,
        plugins: [{ prefix: '', plugin: inferenceRoutes({ handle, classLabels: CLASS_NAMES }) }],
      });
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const url = await app.listen({ port: args.port, host: args.host });
        const served = handle.current();
        ctx.log.info(
          {
            url,
            model: served ? (served.file ?? `${served.group}@v${served.version}`) : null,
          },
          served
            ? 'serving model'
            : 'no approved model yet: /ping answers 503 until one is approved',
        );
        process.stdout.write(`listening on ${url} (GET /ping, POST /invocations)\n`);
        await new Promise<void>((resolve) =>
          stop.signal.addEventListener('abort', () => resolve()),
        );
        ctx.log.info('stopping the model server');
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await app.close();
        handle.close();
        await registry?.close();
      }
    });
}
