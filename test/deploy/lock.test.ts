import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { acquireLock, LockBusyError } from '../../src/core/lock/pid-lock.js';
import { tempDir } from '../util/tmp.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

it('is exclusive while the holder lives, and released on demand', () => {
  const lock = path.join(t.dir, 'locks', 'ingest.lock');
  const release = acquireLock(lock);
  // Pretend another live process (our parent) holds it.
  writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), since: 'x' }));
  expect(() => acquireLock(lock)).toThrow(LockBusyError);
  expect(() => acquireLock(lock)).toThrow(/ingest is already running \(pid \d+/);
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), since: 'x' }));
  release();
  expect(existsSync(lock)).toBe(false);
});

it('takes over a lock left by a process killed with SIGKILL', () => {
  const lock = path.join(t.dir, 'ingest.lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.kill(process.pid, "SIGKILL")']);
  expect(dead.signal).toBe('SIGKILL');
  writeFileSync(lock, JSON.stringify({ pid: dead.pid, host: hostname(), since: 'x' }));
  const release = acquireLock(lock);
  expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
  release();
});

it('treats a corrupt lock file as stale', () => {
  const lock = path.join(t.dir, 'ingest.lock');
  writeFileSync(lock, '{not json');
  const release = acquireLock(lock);
  expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
  release();
});

it('never breaks a lock recorded by another host, even when that pid is not alive here', () => {
  const lock = path.join(t.dir, 'ingest.lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.kill(process.pid, "SIGKILL")']);
  const holder = { pid: dead.pid, host: `${hostname()}-otro-nodo`, since: 'x' };
  writeFileSync(lock, JSON.stringify(holder));
  expect(() => acquireLock(lock)).toThrow(LockBusyError);
  expect(() => acquireLock(lock)).toThrow(/a lock of another host is never broken/);
  // Still the other host's lock, untouched.
  expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual(holder);
});
