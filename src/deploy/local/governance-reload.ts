import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { GovernanceConfig } from '../../core/governance/governance-config.js';
import { Governance } from '../../core/governance/governance.js';
import type { Logger } from '../../core/log/logger.js';
import type { QueryService } from '../../core/query/query-service.js';
import { configFilePath, loadConfig, type LoadConfigOptions } from '../config.js';

/** What changed between two governance sections (names only: never a token hash). */
export interface GovernanceChange {
  principalsAdded: string[];
  principalsRemoved: string[];
  /** Principals whose roles, kind or tokens changed. */
  principalsChanged: string[];
  grantsAdded: number;
  grantsRemoved: number;
}

/** The difference between two `governance` sections. */
export function governanceChange(
  before: GovernanceConfig | undefined,
  after: GovernanceConfig | undefined,
): GovernanceChange {
  const byName = (g: GovernanceConfig | undefined) =>
    new Map((g?.principals ?? []).map((p) => [p.name, p]));
  const a = byName(before);
  const b = byName(after);
  const grantsBefore = (before?.grants ?? []).map((g) => JSON.stringify(g));
  const grantsAfter = (after?.grants ?? []).map((g) => JSON.stringify(g));
  return {
    principalsAdded: [...b.keys()].filter((n) => !a.has(n)),
    principalsRemoved: [...a.keys()].filter((n) => !b.has(n)),
    principalsChanged: [...b.keys()].filter(
      (n) => a.has(n) && !isDeepStrictEqual(a.get(n), b.get(n)),
    ),
    grantsAdded: grantsAfter.filter((g) => !grantsBefore.includes(g)).length,
    grantsRemoved: grantsBefore.filter((g) => !grantsAfter.includes(g)).length,
  };
}

export interface GovernanceReloadOptions {
  /** How `up` loaded its config: loaded again the same way on every reload. */
  configOptions: LoadConfigOptions;
  /** The governance in force at start. */
  initial: GovernanceConfig | undefined;
  service: Pick<QueryService, 'setGovernance'>;
  log: Logger;
  /** Changes closer together than this are applied once. @default 300 */
  debounceMs?: number;
}

/**
 * Applies access-control changes without a restart: when the config file changes (watched
 * through its folder, so editors that replace the file are seen too) or on SIGHUP, the config
 * is loaded again and its `governance` section (principals, tokens, grants) replaces the one in
 * force, with one log line saying what changed. An invalid file is refused with one log line
 * and the governance in force stays. Other sections need a restart.
 *
 * @returns stop(): closes the watcher and removes the SIGHUP handler.
 */
export function watchGovernance(o: GovernanceReloadOptions): () => void {
  const file = configFilePath(o.configOptions);
  let current = o.initial;
  let timer: NodeJS.Timeout | undefined;
  const reload = (why: string): void => {
    let next: GovernanceConfig | undefined;
    let governance: Governance;
    try {
      next = loadConfig(o.configOptions).governance;
      governance = Governance.fromConfig(next);
    } catch (err) {
      o.log.error(
        `governance not reloaded (${why}): ${(err as Error).message.replaceAll('\n', ' ')}; the previous access rules stay`,
      );
      return;
    }
    const change = governanceChange(current, next);
    o.service.setGovernance(governance);
    current = next;
    o.log.info({ reason: why, ...change }, 'governance reloaded');
  };
  const schedule = (why: string): void => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(why), o.debounceMs ?? 300);
  };
  let watcher: FSWatcher | undefined;
  if (file) {
    try {
      watcher = watch(path.dirname(file), (_event, name) => {
        if (name === path.basename(file)) schedule('config file changed');
      });
      watcher.on('error', (err) => o.log.warn({ err }, 'stopped watching the config file'));
    } catch (err) {
      o.log.warn({ err, file }, 'cannot watch the config file; reload with SIGHUP');
    }
  }
  const onHup = (): void => schedule('SIGHUP');
  process.on('SIGHUP', onHup);
  return () => {
    clearTimeout(timer);
    watcher?.close();
    process.off('SIGHUP', onHup);
  };
}
