import type { Command } from 'commander';
import { crawl } from '../../core/crawler/crawler.js';
import { formatCrawlReport } from '../../core/crawler/report-text.js';
import { cliContext } from '../context.js';
import { openCatalog } from './catalog.js';
import { z } from 'zod';
import { parseFlags } from '../parse-flags.js';
import { flag } from '../flag-schemas.js';

/**
 * Registers `corriente crawl [--zone raw|processed|all] [--json]`: catalogs new files of the
 * datalake and prints the crawl report (text, or JSON on stdout).
 */
const crawlArgs = z.strictObject({
  zone: z.enum(['raw', 'processed', 'all']).default('all'),
  json: flag,
});

export function registerCrawl(program: Command): void {
  program
    .command('crawl')
    .description('catalog new files and partitions of the datalake (the Glue crawler)')
    .option('--zone <zone>', 'which zone to crawl: raw, processed or all (default all)')
    .option('--json', 'print the crawl report as JSON')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(crawlArgs, raw);
      const ctx = cliContext(cmd);
      const catalog = openCatalog(ctx.config);
      try {
        const report = await crawl(
          { datalake: ctx.stores.datalake, catalog, log: ctx.log },
          { zone: opts.zone },
        );
        const text = opts.json ? JSON.stringify(report, null, 2) : formatCrawlReport(report);
        process.stdout.write(`${text}\n`);
      } finally {
        await catalog.close();
      }
    });
}
