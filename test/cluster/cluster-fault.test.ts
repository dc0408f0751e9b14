import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../scripts/cluster/cluster.js';
import { jsonRecord } from '../../src/core/event-log/event-log.js';
import { KinesisEventLog } from '../../src/core/event-log/kinesis/index.js';
import { SqliteCheckpointStore } from '../../src/core/event-log/sqlite/index.js';
import { S3ObjectStore } from '../../src/core/object-store/s3/s3-object-store.js';
import type { FxEvent } from '../../src/fx/events.js';
import { DynamoDbPortfolioStore } from '../../src/fx/portfolio/dynamodb/dynamodb-portfolio-store.js';
import { mixedEvents } from '../fx/processor/events.js';
import { foldAll, lakeRows, storeContents } from '../fx/processor/harness.js';
import { eventually } from '../util/eventually.js';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../util/postgres.js';
import { seededRandom } from '../util/random.js';
import { tempDir } from '../util/tmp.js';

/**
 * The many-process fault test of the roles shared by lease: real `corriente up --roles …`
 * processes (2 processors, 2 orchestrators, 2 collectors, 1 dispatcher) on PostgreSQL state,
 * kinesalite, s3rver and dynalite. Under a steady load of trade events, the active processor,
 * the leading orchestrator and the leading collector are SIGKILLed at seeded random moments,
 * several rounds (a supervisor restarts each). Trades are appended straight to Kinesis here, not
 * sent through the API instances (which have their own multi-instance tests), and no API
 * instance is killed.
 */
const CLI = path.resolve('dist/cli/main.js');
const LEASE_SECONDS = 3;
const LEASE_MS = LEASE_SECONDS * 1000;
/** A lease expires within LEASE_MS; a standby looks every third of it; plus a noisy machine. */
const progress = (s: string): void => console.log(`[cluster fault] ${s}`);
const TAKEOVER_BOUND_MS = LEASE_MS + LEASE_MS / 3 + 2500;

describe.skipIf(postgresSkip !== undefined)('cluster under SIGKILL (PostgreSQL)', () => {
  const t = tempDir('corriente-cluster-fault-');
  let db: TestDatabase;
  let cluster: Cluster;
  let state: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('cluster');
    cluster = await startCluster({
      root: t.dir,
      databaseUrl: db.url,
      cli: CLI,
      counts: { api: 1, processor: 2, orchestrator: 2, collector: 2, dispatcher: 1 },
      shards: 4,
      leaseSeconds: LEASE_SECONDS,
      priceSchedule: '* * * * * *',
    });
    state = new pg.Pool({ connectionString: db.url, max: 2 });
  }, 180_000);

  afterAll(async () => {
    await state?.end();
    await cluster?.stop();
    await db?.drop();
    t.cleanup();
  }, 60_000);

  /** Unexpired holders of the leases named `prefix…`: lease name → owner's pid. */
  async function holders(prefix: string): Promise<Map<string, number>> {
    const r = await state.query<{ name: string; owner: string }>(
      `SELECT name, owner FROM corriente_leases
       WHERE name LIKE $1 AND expires_at > clock_timestamp()`,
      [`${prefix}%`],
    );
    return new Map(r.rows.map((row) => [row.name, Number(row.owner.split(':').at(-2))]));
  }

  function instanceOfPid(pid: number): string {
    for (const i of cluster.instances.values()) if (i.child?.pid === pid) return i.name;
    throw new Error(`no instance has pid ${pid}`);
  }

  it('every event lands exactly once, portfolios are exact and never negative, and each killed leader is replaced within the lease time', async () => {
    // The API instance (its own process on PostgreSQL state) answers.
    expect((await fetch(`${cluster.apiUrls[0]}/healthz`)).status).toBe(200);
    const random = seededRandom('cluster fault');
    const kinesis = new KinesisClient({
      region: 'us-east-1',
      endpoint: cluster.endpoints.kinesis,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      requestHandler: new NodeHttpHandler(),
    });
    const checkpoints = new SqliteCheckpointStore({ path: path.join(t.dir, 'load.db') });
    const log = new KinesisEventLog({ streamName: 'fx-events', client: kinesis, checkpoints });
    const events = mixedEvents({
      count: 30_000,
      users: 80,
      seed: random.int(1, 1e6),
      txRatio: 0.9,
    });
    const acknowledged: FxEvent[] = [];
    // The steady load, until the last kill: 25 events every 250 ms, each acknowledged by Kinesis
    // before it counts.
    let stopLoad = false;
    const load = (async () => {
      for (let i = 0; i < events.length && !stopLoad; i += 25) {
        const chunk = events.slice(i, i + 25);
        await log.appendBatch(chunk.map((e) => jsonRecord('userId' in e ? e.userId : e.source, e)));
        acknowledged.push(...chunk);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const takeovers: { role: string; ms: number }[] = [];
    const leaders = [
      { role: 'processor', prefix: 'fx-processor/fx-events/shards/' },
      { role: 'orchestrator', prefix: 'fx-orchestrator/fx-events' },
      { role: 'collector', prefix: 'fx-collector/fx-events' },
    ];
    for (let round = 0; round < 3; round++) {
      for (const { role, prefix } of leaders) {
        const held = await eventually(
          async () => {
            const h = await holders(prefix);
            return (role !== 'processor' || h.size === 4) && h.size > 0 ? h : undefined;
          },
          { timeoutMs: 30_000, message: () => `no ${role} holds ${prefix}` },
        );
        await new Promise((r) => setTimeout(r, random.int(0, 1500)));
        const victimPid = [...held.values()][random.int(0, held.size - 1)]!;
        const victim = instanceOfPid(victimPid);
        const names = [...held].filter(([, pid]) => pid === victimPid).map(([n]) => n);
        progress(`round ${round}: SIGKILL ${victim} (${role}, holding ${names.join(' ')})`);
        await cluster.kill(victim, 'SIGKILL');
        const killedAt = performance.now();
        await eventually(
          async () => {
            const now = await holders(prefix);
            return names.every((n) => now.has(n) && now.get(n) !== victimPid);
          },
          { timeoutMs: 30_000, intervalMs: 50, message: () => `${role} not taken over` },
        );
        takeovers.push({ role, ms: Math.round(performance.now() - killedAt) });
        progress(`${role} taken over in ${takeovers.at(-1)!.ms} ms; restarting ${victim}`);
        await cluster.start(victim);
      }
    }
    progress(`kills done; ${acknowledged.length} events acknowledged so far`);
    stopLoad = true;
    await load;
    progress(`load done: ${acknowledged.length} events`);
    console.log(`[cluster fault] seed ${random.seed}; takeovers (ms):`, JSON.stringify(takeovers));
    for (const { ms } of takeovers) expect(ms).toBeLessThan(TAKEOVER_BOUND_MS);

    // Everything acknowledged reaches the lake exactly once and the portfolios exactly.
    const lake = new S3ObjectStore({
      bucket: 'corriente-lago',
      endpoint: cluster.endpoints.s3,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const expectedTx = acknowledged
      .filter((e) => e.type === 'TransactionExecuted')
      .map((e) => e.id);
    const txRows = await eventually(
      async () => {
        const rows = await lakeRows(lake, 'raw/fx_transacciones/');
        return rows.length >= expectedTx.length ? rows : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 1000 },
    );
    const ids = txRows.map((r) => String(r.row.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(expectedTx));
    const portfolios = new DynamoDbPortfolioStore({
      tableName: 'fx-portafolios',
      region: 'us-east-1',
      endpoint: cluster.endpoints.dynamodb,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const expected = foldAll(acknowledged);
    const got = await eventually(
      async () => {
        const now = await storeContents(portfolios);
        return [...expected].every(([u, p]) => now.get(u)?.version === p.version) ? now : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 1000 },
    );
    expect(got).toEqual(expected);
    for (const p of got.values()) {
      expect(p.copCents).toBeGreaterThanOrEqual(0);
      expect(p.usdCents).toBeGreaterThanOrEqual(0);
    }
    // Prices kept flowing through the collector take-overs.
    expect((await lakeRows(lake, 'raw/fx_precios/')).length).toBeGreaterThan(0);
    await portfolios.close();
    await log.close();
    await checkpoints.close();
    kinesis.destroy();
  }, 900_000);
});
