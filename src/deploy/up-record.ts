import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

/** What a running `corriente up` leaves in its home so other commands find it. */
export interface UpRecord {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  pid: number;
  startedAt: string;
}

/** `$CORRIENTE_HOME/run/up.json` (owner-only, like the whole home). */
export function upRecordPath(home: string): string {
  return path.join(home, 'run', 'up.json');
}

/** Records the running server (atomically, mode 0600). */
export function writeUpRecord(home: string, record: UpRecord): void {
  const file = upRecordPath(home);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Removes the record if it is this process's own. */
export function removeUpRecord(home: string, pid = process.pid): void {
  if (readUpRecord(home)?.pid === pid) rmSync(upRecordPath(home), { force: true });
}

/** The running `up` of this home, or undefined (no record, or its process is gone). */
export function readUpRecord(home: string): UpRecord | undefined {
  let record: UpRecord;
  try {
    record = JSON.parse(readFileSync(upRecordPath(home), 'utf8')) as UpRecord;
  } catch {
    return undefined;
  }
  if (typeof record.url !== 'string' || !Number.isInteger(record.pid)) return undefined;
  try {
    process.kill(record.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
  }
  return record;
}
