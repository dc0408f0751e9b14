import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { ADMIN_PRINCIPAL, GovernanceError } from '../../core/governance/governance.js';
import { formatPlan, formatResult, type ResultFormat } from '../../core/query/format.js';
import { openQueryService } from '../../deploy/open-query-service.js';
import { QueryError } from '../../core/query/query-engine.js';
import { cliContext } from '../context.js';
import { UsageError } from '../usage-error.js';
import { parseFlags } from '../parse-flags.js';

const argsSchema = z
  .strictObject({
    sql: z.string().optional(),
    file: z.string().min(1).optional(),
    saved: z.string().min(1).optional(),
    list: z.boolean().default(false),
    database: z.string().min(1).optional(),
    format: z.enum(['table', 'csv', 'json']).default('table'),
    explain: z.boolean().default(false),
    as: z.string().min(1).default(ADMIN_PRINCIPAL),
    limit: z.coerce.number().int().min(1).optional(),
    timeout: z.coerce.number().int().min(1).optional(),
  })
  .refine((a) => a.list || [a.sql, a.file, a.saved].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of: <sql>, --file <query.sql>, --saved <name> (or --list)',
  })
  .refine((a) => !(a.explain && a.saved !== undefined && a.sql !== undefined), {
    message: '--explain applies to one query',
  });

export type QueryArgs = z.infer<typeof argsSchema>;

/**
 * Validates `corriente query` arguments (apart from running them, so parsing is tested alone).
 * @throws UsageError naming the bad flag
 */
export function parseQueryArgs(sql: string | undefined, opts: Record<string, unknown>): QueryArgs {
  return parseFlags(argsSchema, { ...opts, ...(sql !== undefined ? { sql } : {}) });
}

/**
 * Registers `corriente query "<sql>"`: SQL over the cataloged lake tables (`<database>.<table>`).
 *
 * `--database DB` makes `FROM clientes` mean `DB.clientes`; `--format table|csv|json` (json
 * prints one JSON array of row objects and nothing else on stdout); `--file query.sql`;
 * `--explain` prints the plan; `--saved NAME` runs a saved query, `--list` lists them;
 * `--as PRINCIPAL` applies that principal's grants (default `admin`); `--limit N` (default
 * 1000); `--timeout MS` (default 30000). A refused or failed query prints the reason on stderr
 * and exits with code 1.
 */
export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run read-only SQL over the lake tables (<database>.<table>)')
    .argument('[sql]', 'the query, e.g. "SELECT * FROM energy_processed_db.clientes LIMIT 5"')
    .option('-d, --database <db>', 'default database for unqualified table names')
    .option('-f, --format <format>', 'table, csv or json', 'table')
    .option('--file <path>', 'read the query from a file')
    .option('--saved <name>', 'run a saved query by name')
    .option('--list', 'list the saved queries')
    .option('--explain', 'print the query plan instead of running the query')
    .option('--as <principal>', 'run with this principal’s grants', ADMIN_PRINCIPAL)
    .option('--limit <n>', 'most rows printed (default: config query.defaultLimit, 1000)')
    .option('--timeout <ms>', 'cancel the query after this long (default: 30000)')
    .action(async (sql: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const args = parseQueryArgs(sql, opts);
      const { config } = cliContext(cmd);
      const service = openQueryService(config);
      try {
        if (args.list) {
          const saved = service.savedQueries();
          if (args.format === 'json') {
            process.stdout.write(`${JSON.stringify(saved)}\n`);
          } else {
            for (const q of saved) process.stdout.write(`${q.name}\n    ${q.description}\n`);
          }
          return;
        }
        let text = args.sql;
        if (args.file !== undefined) {
          try {
            text = await readFile(args.file, 'utf8');
          } catch (err) {
            throw new UsageError(`--file: cannot read ${args.file}: ${(err as Error).message}`);
          }
        }
        if (args.saved !== undefined) text = service.savedQuery(args.saved).sql;
        if (args.explain) text = `EXPLAIN ${text!}`;
        const limit = args.limit ?? config.query.defaultLimit;
        const result = await service.run(args.as, {
          sql: text!,
          limit: Math.min(limit, service.maxLimit),
          ...(args.database !== undefined ? { database: args.database } : {}),
          ...(args.timeout !== undefined ? { timeoutMs: args.timeout } : {}),
        });
        const format: ResultFormat = args.format;
        process.stdout.write(
          args.explain && format === 'table' ? formatPlan(result) : formatResult(result, format),
        );
        if (result.truncated) {
          process.stderr.write(
            `corriente: the result was cut at ${result.rows.length} rows (--limit to raise it)\n`,
          );
        }
      } catch (err) {
        if (err instanceof GovernanceError) throw new UsageError(`--as: ${err.message}`);
        if (err instanceof QueryError) {
          process.stderr.write(`corriente: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      } finally {
        await service.close();
      }
    });
}
