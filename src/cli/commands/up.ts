import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { acquireLock } from '../../app/lock.js';
import { formatIngestReport } from '../../energy/ingest/report-format.js';
import { Platform } from '../../platform/platform.js';
import { cliContext } from '../context.js';
import { UsageError } from '../usage-error.js';
import { prepareDemo } from '../../platform/demo.js';

const upArgsSchema = z.object({
  demo: z.boolean().default(true),
  port: z.coerce.number().int().min(0).max(65_535).optional(),
  pollInterval: z.coerce.number().positive().max(86_400).optional(),
});

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run the platform: ingestion loop (and, on an empty home, a demo day of data)')
    .option('--no-demo', 'start the bare platform: no sample data')
    .option('--port <port>', 'HTTP port (default 8080, or $PORT)')
    .option('--poll-interval <seconds>', 'seconds between polls of the landing store (default 10)')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const parsed = upArgsSchema.safeParse(opts);
      if (!parsed.success) throw UsageError.fromZod(parsed.error);
      const args = parsed.data;
      const ctx = cliContext(cmd, {
        'http.port': args.port,
        'ingest.pollIntervalSeconds': args.pollInterval,
      });
      const { config, stores, log } = ctx;
      const releaseUp = acquireLock(path.join(config.home, 'locks', 'up.lock'));
      const out = (s: string): boolean => process.stdout.write(`${s}\n`);

      const demo = args.demo ? await prepareDemo({ config, stores, log }) : undefined;
      const platform = new Platform({
        config,
        stores,
        log,
        onIngest: (report) => out(formatIngestReport(report)),
      });
      out(
        [
          'corriente is up',
          `  data folder     ${config.home}`,
          `  landing store   ${stores.source.url}   ← drop clientes/proveedores/transacciones CSV exports here`,
          `  datalake store  ${stores.datalake.url}`,
          `  raw zone        ${stores.datalake.url}/raw/<entity>/year=YYYY/month=MM/day=DD/`,
          `  quarantine      ${stores.datalake.url}/quarantine/files/<date>/`,
          `  polling every   ${config.ingest.pollIntervalSeconds} s (and on every new file)`,
          demo ? `  demo            ${demo}` : '  demo            off',
          'Stop with Ctrl+C: the file in progress is finished first.',
        ].join('\n'),
      );
      platform.start();

      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals): void => {
          if (stopping) {
            log.warn(`${signal} again: exiting now`);
            process.exit(130);
          }
          stopping = true;
          log.info(`${signal}: finishing work in progress, then stopping`);
          void platform.stop().then(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      releaseUp();
      out('corriente stopped');
    });
}
