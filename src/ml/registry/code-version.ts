import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CodeVersion } from './model-registry.js';

/**
 * The version of the running code, recorded with each trained model: corriente's package
 * version, and the git commit when the code runs from a git checkout (absent otherwise, e.g.
 * in a Lambda bundle).
 */
export function currentCodeVersion(): CodeVersion {
  // src/ml/registry/ and dist/ml/registry/ are both three levels below the package root.
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  let packageVersion = 'unknown';
  try {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version?: string };
    packageVersion = pkg.version ?? 'unknown';
  } catch {
    // Bundled without package.json: the version stays unknown rather than failing training.
  }
  let gitCommit: string | undefined;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  } catch {
    gitCommit = undefined;
  }
  return {
    packageVersion,
    ...(gitCommit && /^[0-9a-f]{40}$/.test(gitCommit) ? { gitCommit } : {}),
  };
}
