import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { loadConfig, type Config } from '../../deploy/config.js';
import {
  ContractError,
  loadContracts,
  type CompiledEntity,
  type ContractSet,
} from '../../energy/contracts/index.js';
import { formatInferred, inferContract } from '../../energy/contracts/infer.js';
import { renderSparkSql } from '../../energy/transform/spark/glue-script.js';
import { flag, positiveInt } from '../flag-schemas.js';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';

/** The config alone: these commands report contract errors themselves. */
function configOf(cmd: Command): Config {
  const globals = cmd.optsWithGlobals<{ config?: string; home?: string }>();
  return loadConfig({
    ...(globals.config ? { file: globals.config } : {}),
    overrides: { home: globals.home },
  });
}

/** Loads the configured contracts; a bad one is a usage error here (exit 2, every problem). */
function contractsOf(cmd: Command, extra: readonly string[] = []): ContractSet {
  try {
    return loadContracts([...configOf(cmd).contracts, ...extra]);
  } catch (err) {
    if (err instanceof ContractError) throw new UsageError(err.message.replace(/\n/g, '; '));
    throw err;
  }
}

/** `corriente contracts list` as text: one line per entity. */
export function formatContractList(set: ContractSet): string {
  const lines = set.entities.map((e) => {
    const c = e.contract;
    return `${c.name.padEnd(16)} ${String(c.columns.length).padStart(3)} columns  ${String(c.tests.length).padStart(2)} tests  patterns ${e.source.filePatterns.join(', ')}  (${e.file})`;
  });
  return `${lines.join('\n')}\n`;
}

function summary(e: CompiledEntity): Record<string, unknown> {
  return {
    name: e.contract.name,
    file: e.file,
    columns: e.contract.columns.length,
    tests: e.contract.tests.length,
    filePatterns: e.source.filePatterns,
    headerSignature: e.source.headerSignature,
    requiredColumns: e.source.requiredColumns,
  };
}

const showArgs = z.strictObject({ json: flag, sql: z.enum(['spark']).optional() });
const checkArgs = z.strictObject({ json: flag });
const inferArgs = z.strictObject({ rows: positiveInt.max(1_000_000).default(10_000) });

/**
 * Registers `corriente contracts list|show|check|infer`: the source contracts (shipped
 * `contracts/energia.yaml` plus config `contracts`), shown, checked, or drafted from a sample.
 */
export function registerContracts(program: Command): void {
  const contracts = program
    .command('contracts')
    .description('source contracts: the entities the lake accepts and how they are cleaned');
  contracts
    .command('list')
    .description('list the entities of the shipped and configured contracts')
    .option('--json', 'print JSON')
    .action((raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(checkArgs, raw);
      const set = contractsOf(cmd);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(set.entities.map(summary), null, 2)}\n`
          : formatContractList(set),
      );
    });
  contracts
    .command('show')
    .description('print one entity contract as YAML (defaults filled in)')
    .argument('<entity>', 'entity name')
    .option('--json', 'print JSON')
    .option('--sql <engine>', 'print the generated transform instead (spark)')
    .action((entity: string, raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(showArgs, raw);
      const set = contractsOf(cmd);
      const found = set.entities.find((e) => e.contract.name === entity);
      if (!found) {
        throw new UsageError(
          `unknown entity ${entity} (known: ${set.entities.map((e) => e.contract.name).join(', ')})`,
        );
      }
      if (opts.sql) process.stdout.write(renderSparkSql(found.job));
      else if (opts.json) process.stdout.write(`${JSON.stringify(found.contract, null, 2)}\n`);
      else process.stdout.write(`# ${found.file}\n${stringify(found.contract)}`);
    });
  contracts
    .command('check')
    .description('validate the configured contracts and these files; exit 1 when one is invalid')
    .argument('[files...]', 'more contract files to check with them')
    .option('--json', 'print JSON')
    .action((files: string[], raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(checkArgs, raw);
      for (const f of files) {
        if (!existsSync(f)) throw new UsageError(`no such file: ${f}`);
      }
      try {
        const set = loadContracts([...configOf(cmd).contracts, ...files]);
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ ok: true, files: set.files, entities: set.entities.map(summary) }, null, 2)}\n`
            : `ok: ${set.entities.length} entities in ${set.files.length} file(s)\n`,
        );
      } catch (err) {
        if (!(err instanceof ContractError)) throw err;
        const problems = err.message.split('\n');
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ ok: false, problems }, null, 2)}\n`
            : `${problems.join('\n')}\n`,
        );
        process.exitCode = 1;
      }
    });
  contracts
    .command('infer')
    .description('draft a contract (YAML on stdout) from a sample CSV file, for a person to edit')
    .argument('<file>', 'a sample export (CSV)')
    .option('--rows <n>', 'data rows to sample (default 10000)')
    .action(async (file: string, raw: Record<string, unknown>) => {
      const opts = parseFlags(inferArgs, raw);
      if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
      let inferred;
      try {
        inferred = await inferContract(file, { maxRows: opts.rows });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      process.stdout.write(formatInferred(file, inferred));
    });
}
