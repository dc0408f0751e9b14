import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskEventLog } from '../../../src/core/event-log/disk/index.js';
import type { AppendInput, AppendResult, EventLog } from '../../../src/core/event-log/event-log.js';
import {
  createPgPool,
  outboxTableSql,
  OutboxRelay,
  withTransaction,
  type PgPool,
} from '../../../src/core/state/postgres/index.js';
import { eventually } from '../../util/eventually.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';

const LOCK = 0x7e57;

describe.skipIf(postgresSkip !== undefined)('OutboxRelay on PostgreSQL', () => {
  const db = usePostgresDatabase('outbox');
  const tmp = tempDir();
  let pool: PgPool;
  let log: DiskEventLog;
  let table = 0;

  beforeAll(async () => {
    pool = createPgPool({ url: db.url, poolSize: 4 });
    log = await DiskEventLog.open({ dir: path.join(tmp.dir, 'log'), stream: 'salidas' });
  });
  afterAll(async () => {
    await log.close();
    await pool.end();
    tmp.cleanup();
  });

  /** A fresh outbox table holding `n` rows, two partition keys alternating. */
  async function outboxWith(n: number): Promise<string> {
    const name = `salida_${++table}`;
    await pool.query(outboxTableSql(name));
    await pool.query(
      `INSERT INTO ${name} (partition_key, payload)
       SELECT 'clave-' || (i % 2), 'evento-' || i FROM generate_series(1, $1) AS i`,
      [n],
    );
    return name;
  }

  async function readAll(): Promise<{ key: string; data: string }[]> {
    const out: { key: string; data: string }[] = [];
    let from = await log.trimHorizon();
    for (;;) {
      const page = await log.read(from, { max: 1000 });
      if (page.records.length === 0) return out;
      for (const r of page.records) out.push({ key: r.partitionKey, data: r.data.toString() });
      from = page.next;
    }
  }

  it('appends the oldest rows in outbox order and deletes them', async () => {
    const name = await outboxWith(25);
    const before = (await readAll()).length;
    const relay = new OutboxRelay({ pool, table: name, eventLog: log, lockKey: LOCK, batch: 10 });
    expect(await relay.relayOnce()).toBe(10);
    expect(await relay.pending()).toBe(15);
    expect(await relay.relayOnce()).toBe(10);
    expect(await relay.relayOnce()).toBe(5);
    expect(await relay.relayOnce()).toBe(0);
    const relayed = (await readAll()).slice(before);
    expect(relayed.map((r) => r.data)).toEqual(
      Array.from({ length: 25 }, (_, i) => `evento-${i + 1}`),
    );
    expect(relayed[0]).toEqual({ key: 'clave-1', data: 'evento-1' });
    expect(relay.relayed).toBe(25);
  });

  it('keeps the rows when the append fails, and relays them in the next round', async () => {
    const name = await outboxWith(3);
    let fail = true;
    const flaky: EventLog = Object.create(log) as EventLog;
    flaky.appendBatch = async (records: readonly AppendInput[]): Promise<AppendResult[]> => {
      if (fail) throw new Error('the log is down');
      return log.appendBatch(records);
    };
    const relay = new OutboxRelay({ pool, table: name, eventLog: flaky, lockKey: LOCK });
    await expect(relay.relayOnce()).rejects.toThrow('the log is down');
    expect(await relay.pending()).toBe(3);
    fail = false;
    expect(await relay.relayOnce()).toBe(3);
    expect(await relay.pending()).toBe(0);
  });

  it('relays nothing while another process holds the relay lock', async () => {
    const name = await outboxWith(2);
    const relay = new OutboxRelay({ pool, table: name, eventLog: log, lockKey: LOCK });
    await withTransaction(pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
      expect(await relay.relayOnce()).toBe(-1);
      expect(await relay.pending()).toBe(2);
    });
    expect(await relay.relayOnce()).toBe(2);
  });

  it('vacuums the table every vacuumEveryRows relayed rows', async () => {
    const name = await outboxWith(250);
    const vacuumCount = async (): Promise<number> => {
      const r = await pool.query<{ n: string }>(
        'SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = $1',
        [name],
      );
      return Number(r.rows[0]?.n ?? 0);
    };
    const relay = new OutboxRelay({
      pool,
      table: name,
      eventLog: log,
      lockKey: LOCK,
      batch: 50,
      vacuumEveryRows: 100,
    });
    while ((await relay.relayOnce()) > 0);
    expect(relay.relayed).toBe(250);
    expect(relay.vacuums).toBe(2);
    await eventually(async () => (await vacuumCount()) === 2, { message: 'vacuum_count' });
  });

  it('carries rows written while it runs, and the rest when stopped', async () => {
    const name = await outboxWith(0);
    const before = (await readAll()).length;
    const relay = new OutboxRelay({ pool, table: name, eventLog: log, lockKey: LOCK, pollMs: 20 });
    relay.start();
    for (let i = 1; i <= 40; i++) {
      await pool.query(`INSERT INTO ${name} (partition_key, payload) VALUES ('k', $1)`, [
        `vivo-${i}`,
      ]);
      relay.kick();
    }
    await relay.stop();
    expect(await relay.pending()).toBe(0);
    const relayed = (await readAll()).slice(before).map((r) => r.data);
    expect(relayed).toEqual(Array.from({ length: 40 }, (_, i) => `vivo-${i + 1}`));
  });
});
