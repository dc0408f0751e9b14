import { Option, type Command } from 'commander';
import { loadWarehouse, type WarehouseLoadReport } from '../../energy/warehouse/load.js';
import { openWarehouse } from '../../deploy/adapters.js';
import type { TableCount, WarehouseTarget } from '../../energy/warehouse/warehouse.js';
import { cliContext } from '../context.js';

const targetOption = (): Option =>
  new Option(
    '--target <target>',
    'warehouse to use (default: warehouse.target of the config)',
  ).choices(['duckdb', 'postgres']);

/** The human summary of a load: partitions, rows per table, SCD2 versions, duration. */
export function formatWarehouseReport(r: WarehouseLoadReport): string {
  const lines = [`warehouse ${r.target} at ${r.location}`];
  if (r.status === 'up-to-date') {
    lines.push('up to date: no processed partition is new or changed');
  } else {
    lines.push(`partitions loaded: ${r.partitions.length}`);
    for (const p of r.partitions) lines.push(`  ${p.entity.padEnd(14)} ${p.loadDate}`);
    lines.push(
      `  ${'table'.padEnd(20)} ${'staged'.padStart(8)} ${'inserted'.padStart(9)} ${'updated'.padStart(8)} ${'deleted'.padStart(8)}`,
    );
    for (const [table, c] of Object.entries(r.tables)) {
      lines.push(
        `  ${table.padEnd(20)} ${String(c.staged).padStart(8)} ${String(c.inserted).padStart(9)} ${String(c.updated).padStart(8)} ${String(c.deleted).padStart(8)}`,
      );
    }
    lines.push(
      `SCD2 dim_cliente: ${r.scd2.versionsOpened} versions opened, ${r.scd2.versionsClosed} closed`,
    );
  }
  lines.push(`duration: ${r.durationMs} ms`);
  return `${lines.join('\n')}\n`;
}

/**
 * `corriente warehouse load [--target duckdb|postgres] [--full] [--json]`: loads the star schema
 * from the processed partitions new or changed since the last load.
 * `corriente warehouse status [--target …] [--json]`: tables, row counts and loaded partitions.
 * PostgreSQL / Redshift connect through `CORRIENTE_WAREHOUSE_URL` (or `warehouse.postgresUrl`).
 */
export function registerWarehouse(program: Command): void {
  const wh = program
    .command('warehouse')
    .description('the star-schema warehouse (DuckDB file, or PostgreSQL / Redshift)');

  wh.command('load')
    .description(
      'load new or changed processed partitions into the star schema (MERGE, idempotent)',
    )
    .addOption(targetOption())
    .option('--full', 're-stage every processed partition (still changes nothing unchanged)', false)
    .option('--json', 'print the report as JSON', false)
    .action(
      async (opts: { target?: WarehouseTarget; full: boolean; json: boolean }, cmd: Command) => {
        const ctx = cliContext(cmd);
        const report = await loadWarehouse(
          {
            datalake: ctx.stores.datalake,
            home: ctx.config.home,
            log: ctx.log,
            openWarehouse: () => openWarehouse(ctx.config, opts.target),
          },
          { full: opts.full },
        );
        process.stdout.write(
          opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatWarehouseReport(report),
        );
      },
    );

  wh.command('status')
    .description('warehouse tables with their row counts, and the partitions loaded')
    .addOption(targetOption())
    .option('--json', 'print as JSON', false)
    .action(async (opts: { target?: WarehouseTarget; json: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const warehouse = await openWarehouse(ctx.config, opts.target);
      try {
        await warehouse.init();
        const tables: TableCount[] = await warehouse.tableCounts();
        const partitions = await warehouse.loadedPartitions();
        const status = {
          target: warehouse.target,
          location: warehouse.location,
          tables,
          partitions,
        };
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
          return;
        }
        const lines = [`warehouse ${status.target} at ${status.location}`];
        for (const t of tables)
          lines.push(`  ${t.table.padEnd(20)} ${String(t.rows).padStart(10)}`);
        lines.push(`partitions loaded: ${partitions.length}`);
        for (const p of partitions) {
          lines.push(`  ${p.entity.padEnd(14)} ${p.loadDate}  ${p.rows} rows  at ${p.loadedAt}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await warehouse.close();
      }
    });
}
