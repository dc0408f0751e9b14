import { Option, type Command } from 'commander';
import type { CrawlZone } from '../../core/catalog/catalog.js';
import { crawl } from '../../core/crawler/crawler.js';
import { formatCrawlReport } from '../../core/crawler/report-text.js';
import { cliContext } from '../context.js';
import { openCatalog } from './catalog.js';

/**
 * Registers `corriente crawl [--zone raw|processed|all] [--json]`: catalogs new files of the
 * datalake and prints the crawl report (text, or JSON on stdout).
 */
export function registerCrawl(program: Command): void {
  program
    .command('crawl')
    .description('catalog new files and partitions of the datalake (the Glue crawler)')
    .addOption(
      new Option('--zone <zone>', 'which zone to crawl')
        .choices(['raw', 'processed', 'all'])
        .default('all'),
    )
    .option('--json', 'print the crawl report as JSON')
    .action(async (opts: { zone: CrawlZone; json?: boolean }, cmd: Command) => {
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
