import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { compileEntity, type CompiledEntity, type EntitySource } from './compile.js';
import {
  contractFileSchema,
  entityContractSchema,
  type EntityContract,
  type ExtraAliases,
} from './contract-schema.js';
import type { JobDefinition } from '../transform/definitions.js';

/** A contract file that cannot be used; the message names the file, the entity and the key. */
export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

/** Every source entity the lake knows, from the shipped contract and the configured ones. */
export interface ContractSet {
  /** Contract files, in load order (the shipped one first). */
  files: readonly string[];
  /** Entities in dependency order: an entity comes after those its jobs read. */
  entities: readonly CompiledEntity[];
}

/** The entity names of a set. */
export function entityNames(set: ContractSet): string[] {
  return set.entities.map((e) => e.contract.name);
}

/** The transform jobs of a set, in dependency order. */
export function jobsOf(set: ContractSet): JobDefinition[] {
  return set.entities.map((e) => e.job);
}

/** The ingestion recognition of a set. */
export function sourcesOf(set: ContractSet): EntitySource[] {
  return set.entities.map((e) => e.source);
}

const SHIPPED = path.join('contracts', 'energia.yaml');

/**
 * The shipped contract file, `contracts/energia.yaml` at the package root, found from this module
 * (it runs from `src/`, `dist/` or `build/`).
 */
export function shippedContractPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, SHIPPED);
    if (existsSync(candidate) && existsSync(path.join(dir, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`the shipped ${SHIPPED} was not found above ${dir}`);
    dir = parent;
  }
}

function keyPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

function issuesText(file: string, where: string, error: z.ZodError, prefix = ''): string {
  return error.issues
    .map(
      (i) =>
        `${file}: ${where}${keyPath([...(prefix ? [prefix] : []), ...i.path]) || '(top level)'}: ${i.message}`,
    )
    .join('\n');
}

/** What one contract file declares. */
export interface ContractFile {
  entities: EntityContract[];
  aliases: ExtraAliases;
}

/** Reads and validates one contract file (no cross-file checks). @throws ContractError */
export function readContractFile(file: string): ContractFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ContractError(`${file}: cannot read the contract file: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ContractError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const top = contractFileSchema.safeParse(doc);
  if (!top.success) throw new ContractError(issuesText(file, '', top.error));
  const out: EntityContract[] = [];
  const problems: string[] = [];
  for (const [i, raw] of top.data.entities.entries()) {
    const name =
      raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
        ? (raw as { name: string }).name
        : `#${i + 1}`;
    const where = `entity "${name}": `;
    const parsed = entityContractSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(issuesText(file, where, parsed.error));
      continue;
    }
    const inner = checkEntity(parsed.data);
    problems.push(...inner.map((m) => `${file}: ${where}${m}`));
    out.push(parsed.data);
  }
  if (top.data.entities.length === 0 && Object.keys(top.data.aliases).length === 0) {
    problems.push(`${file}: entities: declares no entity and no aliases`);
  }
  if (problems.length) throw new ContractError(problems.join('\n'));
  return { entities: out, aliases: top.data.aliases };
}

/** Checks the names an entity uses refer to its own columns. */
function checkEntity(e: EntityContract): string[] {
  const problems: string[] = [];
  const declared = e.columns.map((c) => c.name);
  const seen = new Set<string>();
  for (const [i, c] of e.columns.entries()) {
    if (seen.has(c.name)) problems.push(`columns[${i}].name: "${c.name}" is declared twice`);
    seen.add(c.name);
  }
  const derivedCols = [
    ...e.columns.flatMap((c) => (c.type === 'identificacion' ? [c.check_digit_column] : [])),
    ...(e.derived
      ? [e.derived.total.column, e.derived.price_category.column, e.derived.counterparty.column]
      : []),
  ];
  const outputs = [...declared, ...derivedCols];
  const need = (key: string, column: string, among: readonly string[] = declared): void => {
    if (!among.includes(column)) problems.push(`${key}: no column "${column}" is declared`);
  };
  for (const [i, c] of e.columns.entries()) {
    if (c.type === 'identificacion' && c.type_column)
      need(`columns[${i}].type_column`, c.type_column);
    if (c.type === 'decimal' && c.scale > c.precision) {
      problems.push(`columns[${i}].scale: ${c.scale} is larger than the precision ${c.precision}`);
    }
    for (const [j, a] of c.aliases.entries()) {
      if (declared.includes(a)) {
        problems.push(`columns[${i}].aliases[${j}]: "${a}" is itself a declared column`);
      }
    }
  }
  e.key.columns.forEach((c, i) => need(`key.columns[${i}]`, c));
  e.key.hash_fallback?.forEach((c, i) => need(`key.hash_fallback[${i}]`, c));
  e.recognize.header_signature?.forEach((c, i) => need(`recognize.header_signature[${i}]`, c));
  for (const [i, t] of e.tests.entries()) {
    if (t.type === 'unique' || t.type === 'not_null') {
      t.columns.forEach((c, j) => need(`tests[${i}].columns[${j}]`, c, outputs));
    } else if (t.type === 'accepted_values' || t.type === 'relationships') {
      need(`tests[${i}].column`, t.column, outputs);
      if (t.type === 'relationships' && t.where)
        need(`tests[${i}].where.column`, t.where.column, outputs);
    }
  }
  if (e.derived) {
    const d = e.derived;
    need('derived.total.quantity', d.total.quantity);
    need('derived.total.price', d.total.price);
    need('derived.price_category.price', d.price_category.price);
    need('derived.price_category.group_by', d.price_category.group_by);
    need('derived.counterparty.name', d.counterparty.name);
    need('derived.counterparty.type', d.counterparty.type);
  }
  return problems;
}

/** Processed tables an entity's job reads (relationships, counterparties). */
function references(e: EntityContract): { key: string; entity: string; column: string }[] {
  const refs: { key: string; entity: string; column: string }[] = [];
  e.tests.forEach((t, i) => {
    if (t.type === 'relationships') refs.push({ key: `tests[${i}].to`, ...t.to });
  });
  e.derived?.counterparty.sources.forEach((s, i) =>
    refs.push({ key: `derived.counterparty.sources[${i}]`, entity: s.entity, column: s.column }),
  );
  return refs;
}

/**
 * Loads the shipped contract and `extra` contract files (config `contracts`), validates each, and
 * checks them together: entity names unique, every reference to another entity's column resolvable.
 * Entities come out in dependency order (an entity after the ones it reads).
 *
 * @throws ContractError naming the file, the entity and the key
 * @example const set = loadContracts(['./contratos/medidores.yaml']);
 */
export function loadContracts(
  extra: readonly string[] = [],
  shipped = shippedContractPath(),
): ContractSet {
  const files = [shipped, ...extra.map((f) => path.resolve(f))];
  const all: { file: string; contract: EntityContract }[] = [];
  const extraAliases: { file: string; aliases: ExtraAliases }[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      const read = readContractFile(file);
      for (const contract of read.entities) all.push({ file, contract });
      extraAliases.push({ file, aliases: read.aliases });
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) throw new ContractError(problems.join('\n'));
  const byName = new Map<string, { file: string; contract: EntityContract }>();
  for (const e of all) {
    const prior = byName.get(e.contract.name);
    if (prior) {
      problems.push(
        `${e.file}: entity "${e.contract.name}": name: already declared in ${prior.file}`,
      );
    } else byName.set(e.contract.name, e);
  }
  for (const e of all) {
    for (const r of references(e.contract)) {
      const target = byName.get(r.entity);
      const where = `${e.file}: entity "${e.contract.name}": ${r.key}`;
      if (!target) problems.push(`${where}: no entity "${r.entity}" is declared`);
      else if (!target.contract.columns.some((c) => c.name === r.column)) {
        problems.push(`${where}: entity "${r.entity}" has no column "${r.column}"`);
      }
    }
  }
  // Aliases declared apart from their entity are added to its columns.
  for (const { file, aliases } of extraAliases) {
    for (const [entity, columns] of Object.entries(aliases)) {
      const target = byName.get(entity);
      if (!target) {
        problems.push(`${file}: aliases.${entity}: no entity "${entity}" is declared`);
        continue;
      }
      for (const [column, spellings] of Object.entries(columns)) {
        const col = target.contract.columns.find((c) => c.name === column);
        if (!col) {
          problems.push(
            `${file}: aliases.${entity}.${column}: entity "${entity}" has no column "${column}"`,
          );
          continue;
        }
        col.aliases = [...col.aliases, ...spellings];
      }
    }
  }
  if (problems.length) throw new ContractError(problems.join('\n'));
  // Dependency order: declared order, each entity after the ones it references.
  const ordered: { file: string; contract: EntityContract }[] = [];
  const visiting = new Set<string>();
  const visit = (e: { file: string; contract: EntityContract }): void => {
    if (ordered.includes(e)) return;
    if (visiting.has(e.contract.name)) {
      throw new ContractError(
        `${e.file}: entity "${e.contract.name}": its references form a cycle`,
      );
    }
    visiting.add(e.contract.name);
    for (const r of references(e.contract)) {
      if (r.entity !== e.contract.name) visit(byName.get(r.entity)!);
    }
    visiting.delete(e.contract.name);
    ordered.push(e);
  };
  for (const e of all) visit(e);
  return { files, entities: ordered.map((e) => compileEntity(e.contract, e.file)) };
}

let builtin: ContractSet | undefined;
const configured = new Map<string, ContractSet>();

/**
 * The contracts of a configuration (the shipped one plus config `contracts`), loaded once per
 * list of files. @throws ContractError
 */
export function energyContracts(config: { contracts: readonly string[] }): ContractSet {
  if (config.contracts.length === 0) return builtinContracts();
  const key = JSON.stringify(config.contracts);
  let set = configured.get(key);
  if (!set) {
    set = loadContracts(config.contracts);
    configured.set(key, set);
  }
  return set;
}

/** The shipped contract alone (loaded once): the three built-in entities. */
export function builtinContracts(): ContractSet {
  builtin ??= loadContracts([]);
  return builtin;
}

/** The built-in transform jobs, generated from the shipped contract. */
export function builtinJobs(): JobDefinition[] {
  return jobsOf(builtinContracts());
}
