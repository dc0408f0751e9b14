import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../../util/process.js';
import { WriterLockedError } from '../event-log.js';

export { WriterLockedError };

/** Locks held by this process; a pid check alone cannot tell two writers in one process apart. */
const heldHere = new Set<string>();

/**
 * Takes the stream's writer lock: a file created with link() (atomic, fails if it exists)
 * holding the owner's pid. A lock whose owner died (even by SIGKILL) is taken over.
 * @returns a release function.
 */
export function acquireWriterLock(lockPath: string): () => void {
  const key = path.resolve(lockPath);
  for (let attempt = 0; attempt < 3; attempt++) {
    const me = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    if (heldHere.has(key)) throw new WriterLockedError(key, readHolder(key) ?? me);
    const tmp = `${key}.${process.pid}.${attempt}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, key);
      heldHere.add(key);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(key);
        try {
          unlinkSync(key);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(key);
      // Our own pid without an entry in heldHere is a leftover of an earlier process that had
      // the same pid (pid 1 in containers): stale.
      const live =
        holder &&
        (holder.host !== hostname() || (holder.pid !== process.pid && isProcessAlive(holder.pid)));
      if (holder && live) {
        throw new WriterLockedError(key, holder);
      }
      try {
        unlinkSync(key); // stale: its owner is gone
      } catch {
        // someone else removed it first
      }
    } finally {
      unlinkSync(tmp);
    }
  }
  throw new Error(`could not acquire the writer lock ${key}`);
}

function readHolder(lockPath: string): { pid: number; host: string; since: string } | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as {
      pid: number;
      host: string;
      since: string;
    };
  } catch {
    return undefined;
  }
}
