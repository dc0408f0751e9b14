import { homeLayout } from '../../deploy/home-layout.js';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { acquireLock } from '../../core/lock/pid-lock.js';
import { openCommandIngestClaims } from '../../deploy/adapters.js';
import { ingestOnce } from '../../energy/ingest/ingest.js';
import { isIsoDate } from '../../core/util/time-zone.js';
import { formatIngestReport } from '../../energy/ingest/report-format.js';
import { cliContext } from '../context.js';
import { sourcesOf } from '../../energy/contracts/index.js';
import { parseFlags } from '../parse-flags.js';

export const ingestArgsSchema = z.object({
  once: z.literal(true, {
    error: 'only `--once` is supported here; `corriente up` ingests continuously',
  }),
  loadDate: z
    .string()
    .refine(isIsoDate, { message: 'must be a real date written YYYY-MM-DD' })
    .optional(),
  json: z.boolean().default(false),
});

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('load every file now in the landing store into the raw zone, then exit')
    .addOption(new Option('--once', 'ingest what is there now and exit').default(false))
    .option(
      '--load-date <YYYY-MM-DD>',
      'partition date (default: today in the configured time zone)',
    )
    .option('--json', 'print the run report as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(ingestArgsSchema, {
        ...opts,
        once: opts.once === true ? true : undefined,
      });
      const ctx = cliContext(cmd);
      const release = acquireLock(homeLayout(ctx.config.home).ingestLock);
      const claims = await openCommandIngestClaims(ctx.config, { log: ctx.log });
      try {
        const report = await ingestOnce(
          {
            ...ctx.stores,
            claims,
            claimTtlMs: ctx.config.ingest.claimTtlSeconds * 1000,
            log: ctx.log,
            timezone: ctx.config.timezone,
            maxRecordBytes: ctx.config.ingest.maxRecordBytes,
            entities: sourcesOf(ctx.contracts),
          },
          args.loadDate ? { loadDate: args.loadDate } : {},
        );
        process.stdout.write(
          args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatIngestReport(report)}\n`,
        );
        // A file not accepted (failed or quarantined) is failed work: exit code 1.
        if (report.totals.failed + report.totals.quarantined > 0) process.exitCode = 1;
      } finally {
        await claims.close();
        release();
      }
    });
}
