import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskEventLog } from '../../../../src/core/event-log/disk/index.js';
import { jsonRecord } from '../../../../src/core/event-log/event-log.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import { SqliteOrchestratorState } from '../../../../src/fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js';
import { seededRandom } from '../../../util/random.js';
import { tempDir } from '../../../util/tmp.js';
import { opened, recommendationsIn, tick } from './timeline.js';

const dist = (p: string) => JSON.stringify(pathToFileURL(path.resolve('dist', p)).href);

// The compiled orchestrator in a child process: hydrates its features from the whole log (as
// `up` does from the lake), then decides every tick after its checkpoint, one record per page,
// with a scorer that gives every user P(BUY) = 0.5 and a cap of 7 suggestions per tick. It
// prints the outbox it found, then per tick `notify` once its recommendations are appended (the
// notifier then waits 20 ms, so a kill there lands between the append and the notification) and
// `tick` once it is handed on, and `done` at the end of the log.
const CHILD = `
const { DiskEventLog } = await import(${dist('core/event-log/disk/index.js')});
const { parseJson } = await import(${dist('core/event-log/event-log.js')});
const { EmbeddedNotifier } = await import(${dist('fx/decisions/notify/embedded-notifier.js')});
const { SqliteNotificationStore } = await import(${dist('fx/decisions/notify/sqlite/sqlite-notification-store.js')});
const o = await import(${dist('fx/decisions/orchestrator/index.js')});
const { OnlineFeatureStore } = await import(${dist('fx/decisions/features/index.js')});
const dir = process.argv[1];
const log = await DiskEventLog.open({ dir: dir + '/log', stream: 'fx-events' });
const features = new OnlineFeatureStore();
for (let from; ; ) {
  const page = await log.read(from, { max: 1000 });
  if (page.records.length === 0) break;
  from = page.next;
  for (const r of page.records) {
    const e = parseJson(r);
    if (e.type !== 'Recommendation') features.observe(e);
  }
}
const config = o.defaultOrchestratorConfig();
config.policy.quietHours = null;
config.policy.maxPerTick = 7;
config.holdoutPercent = 0;
config.policy.requireConsent = false;
config.maxTickAgeSeconds = 1e9;
const scorer = {
  kind: 'model', version: '1',
  score: (_x, n, out = new Float64Array(n * 3)) => { for (let i = 0; i < n; i++) out.set([0.45, 0.5, 0.05], 3 * i); return out; },
  reasons: () => [{ code: 'probabilidad', texto: 'prueba' }],
};
const { SqliteOrchestratorState } = await import(${dist('fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js')});
const state = SqliteOrchestratorState.open(dir + '/orchestrator.db');
const store = new SqliteNotificationStore({ path: dir + '/notifications.db' });
process.stdout.write('outbox ' + (await state.outbox()).length + '\\n');
const notifier = new EmbeddedNotifier(store, undefined, undefined);
const slow = {
  notify: (n) => notifier.notify(n),
  notifyMany: async (ns) => {
    process.stdout.write('notify\\n');
    await new Promise((r) => setTimeout(r, 20));
    return notifier.notifyMany(ns);
  },
};
const stats = await o.processOrchestratorAvailable({
  log, features, models: { current: () => scorer }, state, config, readMax: 1, scoringWorkers: 0,
  notifier: slow,
  onTick: () => process.stdout.write('tick\\n'),
});
process.stdout.write('done ' + JSON.stringify(stats) + '\\n');
`;

interface Run {
  out: string;
  code: number | null;
}

/** Runs the child; kills it once `kill.marker` was printed `kill.count` times. */
function runChild(dir: string, kill?: { marker: 'tick' | 'notify'; count: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (kill && out.split(`${kill.marker}\n`).length - 1 >= kill.count) {
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ out, code }));
  });
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

describe('orchestrator killed with SIGKILL', () => {
  it('at random points of its ticks: after restarts, every user is suggested to once, in the log and notified, and the outbox is empty', async () => {
    const tmp = tempDir('corriente-orch-kill-');
    cleanup.push(tmp.cleanup);
    const users = 120;
    const now = Date.now();
    const log = await DiskEventLog.open({ dir: path.join(tmp.dir, 'log'), stream: 'fx-events' });
    const events = [];
    for (let u = 0; u < users; u++) {
      events.push(opened(`u${String(u).padStart(3, '0')}`, now - 3_600_000, 5_000_000, 0));
    }
    // 30 ticks × 7 suggestions ≥ 120 users: all are served before the last tick.
    for (let k = 0; k < 30; k++) events.push(tick(now - 60_000 + k * 1000, 400_000 - k * 100));
    await log.appendBatch(events.map((e) => jsonRecord('seed', e)));
    await log.close();

    // Kills at a point drawn anew each round: right after a tick was handed on (the checkpoint,
    // the next read or decision), or after an append, before its notification is durable.
    const random = seededRandom('orchestrator SIGKILL');
    let kills = 0;
    let outboxesFound = 0;
    let final: Run | undefined;
    for (let round = 0; round < 12 && !final; round++) {
      const marker = round % 2 === 0 ? 'notify' : 'tick';
      const r = await runChild(tmp.dir, { marker, count: random.int(1, 3) });
      if (!r.out.startsWith('outbox 0')) outboxesFound++;
      if (r.out.includes('done')) final = r;
      else {
        expect(r.code).toBeNull(); // killed, not crashed
        kills++;
      }
    }
    final ??= await runChild(tmp.dir);
    expect(final.out).toContain('done');
    expect(kills).toBeGreaterThan(3);
    // Restarts did find recommendations appended but not notified, and finished them.
    expect(outboxesFound).toBeGreaterThan(0);

    const check = await DiskEventLog.open({ dir: path.join(tmp.dir, 'log'), stream: 'fx-events' });
    try {
      const recs = await recommendationsIn(check);
      // Each user once: no decision lost, none repeated by a restart.
      expect(recs.map((r) => r.userId).sort()).toEqual(
        Array.from({ length: users }, (_, u) => `u${String(u).padStart(3, '0')}`),
      );
      expect(new Set(recs.map((r) => r.id)).size).toBe(users);
      const store = new SqliteNotificationStore({ path: path.join(tmp.dir, 'notifications.db') });
      const state = SqliteOrchestratorState.open(path.join(tmp.dir, 'orchestrator.db'));
      try {
        for (const r of recs) {
          // Notified exactly once, with the logged recommendation's id.
          expect(store.notifications(r.userId, 10).map((n) => n.id)).toEqual([r.id]);
          expect(state.last(r.userId)?.id).toBe(r.id);
        }
        expect(await state.outbox()).toEqual([]);
      } finally {
        store.close();
        await state.close();
      }
    } finally {
      await check.close();
    }
  }, 120_000);
});
