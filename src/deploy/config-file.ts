import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { ConfigError } from '../core/util/config-error.js';
import { governanceConfigSchema } from '../core/governance/governance-config.js';

/** What `addPrincipalToken` did. */
export interface PrincipalTokenEdit {
  /** True when the principal was not in the file and was added (without roles or grants). */
  addedPrincipal: boolean;
}

function asList(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string];
}

/**
 * Adds a token's sha256 to a principal in the config file itself (`governance.principals`),
 * creating the section or the principal when missing, and keeping the rest of the file: a YAML
 * file keeps its comments and layout (the `yaml` Document API), a JSON file its indentation. The
 * result is checked against the governance schema before it replaces the file (atomically,
 * with the file's mode).
 *
 * @throws ConfigError when the file cannot be read, parsed or would become invalid.
 * @example addPrincipalToken('corriente.config.yaml', 'ana', 'ab12…');
 */
export function addPrincipalToken(
  file: string,
  principal: string,
  tokenSha256: string,
): PrincipalTokenEdit {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let edited: string;
  let governance: unknown;
  let addedPrincipal = false;
  if (/\.ya?ml$/i.test(file)) {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      throw new ConfigError(`config file ${file} is not valid: ${doc.errors[0]!.message}`);
    }
    if (doc.contents === null) doc.contents = doc.createNode({}) as never;
    if (!isMap(doc.contents))
      throw new ConfigError(`config file ${file}: the top level must be a map`);
    let principals = doc.getIn(['governance', 'principals']);
    if (!isSeq(principals)) {
      doc.setIn(['governance', 'principals'], doc.createNode([]));
      principals = doc.getIn(['governance', 'principals']);
    }
    const seq = principals as YAMLSeq;
    const entry = seq.items.find((i): i is YAMLMap => isMap(i) && i.get('name') === principal);
    if (entry) {
      const hashes = asList((entry.toJSON() as { tokenSha256?: unknown }).tokenSha256);
      if (!hashes.includes(tokenSha256)) {
        entry.set(
          'tokenSha256',
          doc.createNode([...hashes, tokenSha256], { flow: hashes.length === 0 }),
        );
      }
    } else {
      seq.add(doc.createNode({ name: principal, tokenSha256 }));
      addedPrincipal = true;
    }
    edited = doc.toString();
    governance = (doc.toJS() as { governance?: unknown }).governance;
  } else {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${file}: the top level must be an object`);
    }
    const g = (parsed.governance ??= {}) as Record<string, unknown>;
    const principals = (g.principals ??= []) as Record<string, unknown>[];
    const entry = principals.find((p) => p.name === principal);
    if (entry) {
      const hashes = asList(entry.tokenSha256);
      if (!hashes.includes(tokenSha256)) entry.tokenSha256 = [...hashes, tokenSha256];
    } else {
      principals.push({ name: principal, tokenSha256 });
      addedPrincipal = true;
    }
    const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
    edited = `${JSON.stringify(parsed, null, indent)}\n`;
    governance = g;
  }
  const checked = governanceConfigSchema.safeParse(governance);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new ConfigError(
      `config file ${file}: governance.${issue.path.join('.')} would be invalid: ${issue.message}`,
    );
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, edited, { mode: statSync(file).mode & 0o777 });
  renameSync(tmp, file);
  return { addedPrincipal };
}
