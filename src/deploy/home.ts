import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../core/log/logger.js';
import { ConfigError } from './config.js';

/** Permission bits a data folder must not grant beyond its owner. */
const GROUP_OR_WORLD = 0o077;

/**
 * Makes `$CORRIENTE_HOME` private and usable before anything is written into it.
 *
 * - The process umask becomes 0077, so every folder (0700) and file (0600) created from here on —
 *   by Node, SQLite, DuckDB or a child process — is its owner's alone, whatever the shell's umask.
 * - A missing home is created 0700; a home that cannot be created or written is a ConfigError
 *   (exit code 2) at once.
 * - An existing home that its group or other users can read is reported with `log.warn` (its
 *   contents are not changed: the owner decides).
 *
 * @example prepareHome(config.home, log) // in every command, before stores are opened
 */
export function prepareHome(home: string, log?: Pick<Logger, 'warn'>): void {
  process.umask(GROUP_OR_WORLD);
  let mode: number;
  try {
    const st = statSync(home, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new Error('it is not a folder');
    if (!st) makeFolders(home);
    accessSync(home, constants.R_OK | constants.W_OK | constants.X_OK);
    mode = (st ?? statSync(home)).mode;
  } catch (err) {
    throw new ConfigError(
      `data folder ${home} is not usable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if ((mode & GROUP_OR_WORLD) !== 0) {
    log?.warn(
      { home, mode: `0${(mode & 0o777).toString(8)}` },
      `data folder ${home} is readable by other local users (mode 0${(mode & 0o777).toString(8)}); run: chmod -R go-rwx ${home}`,
    );
  }
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir loops forever on some paths (e.g.
 * `/proc/nope`, where mkdir keeps answering ENOENT), so each missing level is created alone.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!statSync(at, { throwIfNoEntry: false })) {
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) mkdirSync(d, { mode: 0o700 });
}
