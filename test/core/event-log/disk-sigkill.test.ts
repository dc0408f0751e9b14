import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DiskEventLog, diskPosition } from '../../../src/core/event-log/disk/index.js';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import { seededRandom, type SeededRandom } from '../../util/random.js';
import { tempDir } from '../../util/tmp.js';
import { readAll } from './event-log-contract.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'append-until-killed.mjs');
let modulePath: string;
let dir: string;
let cleanup: () => void;
let random: SeededRandom;

beforeAll(async () => {
  // The child runs the compiled adapter, which test/global-setup.ts builds once per test run.
  modulePath = path.resolve('dist/core/event-log/disk/index.js');
  ({ dir, cleanup } = tempDir('corriente-eventlog-kill-'));
  random = seededRandom('disk event log SIGKILL');
});
afterAll(() => cleanup());

/**
 * Runs the child until it has acknowledged `minAcks` appends, plus a random moment (0–150 ms,
 * seeded), then SIGKILLs it. The child appends forever, so the kill always lands inside the work;
 * it returns the acknowledged appends and whether the child died of the kill.
 */
async function runAndKill(
  minAcks: number,
): Promise<{ acked: Map<string, string>; killed: boolean }> {
  const child = spawn(process.execPath, [FIXTURE, dir, 'fx', modulePath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked = new Map<string, string>();
  let partial = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const [position, id] = line.split(' ');
        acked.set(position!, id!);
      }
      if (acked.size >= minAcks) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  const killedAfter = acked.size;
  await new Promise((r) => setTimeout(r, random.int(0, 150)));
  child.kill('SIGKILL');
  const [, signal] = await exited;
  expect(signal).toBe('SIGKILL');
  expect(killedAfter).toBeGreaterThanOrEqual(minAcks);
  return { acked, killed: signal === 'SIGKILL' };
}

it('after SIGKILL at random moments, every acknowledged record is there, intact, exactly once', async () => {
  const everAcked = new Map<string, string>();
  let total = 0;
  let kills = 0;
  for (let round = 0; round < 4; round++) {
    const { acked, killed } = await runAndKill(300 + round * 200);
    if (killed) kills++;
    for (const [p, id] of acked) everAcked.set(p, id);

    const log = await DiskEventLog.open({ dir, stream: 'fx', segmentBytes: 256 * 1024 });
    const records = await readAll(log, undefined, 5000);
    await log.close();
    // Contiguous positions from 1, nothing torn (every record passed its CRC to be returned).
    expect(records.length).toBeGreaterThanOrEqual(total);
    expect(records.map((r) => r.position)).toEqual(records.map((_, i) => diskPosition(i + 1)));
    const idAt = new Map(records.map((r) => [r.position, (parseJson(r) as { id: string }).id]));
    for (const [position, id] of everAcked) expect(idAt.get(position), position).toBe(id);
    const ids = [...idAt.values()];
    expect(new Set(ids).size).toBe(ids.length);
    total = records.length;
  }
  // Every round was killed while appending (after at least `minAcks` acknowledged appends).
  expect(kills).toBe(4);
  expect(everAcked.size).toBeGreaterThan(1000);
  const segments = (await fs.readdir(path.join(dir, 'fx'))).filter((f) => f.startsWith('segment-'));
  expect(segments.length).toBeGreaterThan(1);
}, 60_000);
