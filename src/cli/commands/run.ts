import { homeLayout } from '../../deploy/home-layout.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { acquireLock } from '../../core/lock/pid-lock.js';
import { formatCrawlReport } from '../../core/crawler/index.js';
import { ingestOnce } from '../../energy/ingest/ingest.js';
import { isIsoDate } from '../../core/util/time-zone.js';
import { formatIngestReport } from '../../energy/ingest/report-format.js';
import { openCommandIngestClaims, openLakeChain } from '../../deploy/adapters.js';
import { runLakeChain } from '../../energy/lake-chain.js';
import { formatTransformReport } from '../../energy/transform/report-format.js';
import { cliContext } from '../context.js';
import { sourcesOf } from '../../energy/contracts/index.js';
import { formatWarehouseReport } from './warehouse.js';
import { parseFlags } from '../parse-flags.js';

const runArgsSchema = z.object({
  once: z.literal(true, { error: 'only `--once` is supported; `corriente up` runs continuously' }),
  loadDate: z
    .string()
    .refine(isIsoDate, { message: 'must be a real date written YYYY-MM-DD' })
    .optional(),
  json: z.boolean().default(false),
});

/**
 * `corriente run --once`: the whole energy chain once — ingest → crawl raw → transform →
 * crawl processed → warehouse load — then exit. Exit code 1 when a file failed or a job failed.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'run the energy chain once: ingest → crawl raw → transform → crawl processed → warehouse',
    )
    .option('--once', 'run once and exit')
    .option('--load-date <YYYY-MM-DD>', 'partition date of this ingestion')
    .option('--json', 'print every step report as one JSON object')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(runArgsSchema, {
        ...opts,
        once: opts.once === true ? true : undefined,
      });
      const { config, stores, log, contracts } = cliContext(cmd);
      const release = acquireLock(homeLayout(config.home).ingestLock);
      const chain = openLakeChain(config, stores, log);
      const claims = await openCommandIngestClaims(config, { log });
      try {
        const ingest = await ingestOnce(
          {
            ...stores,
            claims,
            claimTtlMs: config.ingest.claimTtlSeconds * 1000,
            log,
            timezone: config.timezone,
            maxRecordBytes: config.ingest.maxRecordBytes,
            entities: sourcesOf(contracts),
          },
          args.loadDate ? { loadDate: args.loadDate } : {},
        );
        const rest = await runLakeChain(chain);
        if (args.json) {
          process.stdout.write(`${JSON.stringify({ ingest, ...rest }, null, 2)}\n`);
        } else {
          process.stdout.write(
            [
              formatIngestReport(ingest),
              formatCrawlReport(rest.crawlRaw),
              formatTransformReport(rest.transform),
              formatCrawlReport(rest.crawlProcessed),
              formatWarehouseReport(rest.warehouse),
            ].join('\n\n') + '\n',
          );
        }
        if (
          ingest.totals.failed + ingest.totals.quarantined > 0 ||
          rest.transform.status === 'failed'
        )
          process.exitCode = 1;
      } finally {
        await chain.close();
        await claims.close();
        release();
      }
    });
}
