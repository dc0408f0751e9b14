import {
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../util/process.js';

/** Thrown when another live process holds the lock. */
export class LockBusyError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: { pid: number; host: string; since: string },
  ) {
    super(
      `${path.basename(lockPath, '.lock')} is already running (pid ${holder.pid} on ${holder.host} since ${holder.since}); ` +
        (holder.host === hostname()
          ? `wait for it or stop it`
          : `wait for it or stop it; a lock of another host is never broken here: if ${holder.host} is gone for good, delete ${lockPath}`),
    );
    this.name = 'LockBusyError';
  }
}

/**
 * An exclusive, process-scoped lock file (`O_EXCL`) holding the owner's pid and host. A lock left
 * by a process of this host that died (even by SIGKILL) is taken over at once: the pid is
 * checked, not a timeout. A lock recorded by another host (a `CORRIENTE_HOME` on a shared file
 * system) is never broken: its pid means nothing here, so it stays busy until that host releases
 * it or a person deletes it.
 *
 * @returns a release function.
 */
export function acquireLock(lockPath: string): () => void {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Write the owner first, then link it into place: the lock never exists without its owner.
      const tmp = `${lockPath}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w');
      const me = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      try {
        linkSync(tmp, lockPath);
      } finally {
        unlinkSync(tmp);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          const holder = JSON.parse(readFileSync(lockPath, 'utf8')) as {
            pid: number;
            host: string;
          };
          if (holder.pid === process.pid && holder.host === hostname()) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid: number; host: string; since: string } | undefined;
      try {
        holder = JSON.parse(readFileSync(lockPath, 'utf8')) as typeof holder;
      } catch {
        holder = undefined; // corrupt: treat as stale
      }
      const otherHost = holder !== undefined && holder.host !== hostname();
      if (holder && (otherHost || (holder.pid !== process.pid && isProcessAlive(holder.pid)))) {
        throw new LockBusyError(lockPath, holder);
      }
      try {
        unlinkSync(lockPath);
      } catch {
        // someone else removed it first
      }
    }
  }
  throw new Error(`could not acquire ${lockPath}`);
}
