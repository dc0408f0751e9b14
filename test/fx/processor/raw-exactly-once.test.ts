import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import {
  createPgPool,
  migratePostgres,
  type PgPool,
} from '../../../src/core/state/postgres/index.js';
import {
  FX_PROCESSOR_MIGRATIONS,
  PostgresRawEventClaims,
} from '../../../src/fx/processor/postgres/index.js';
import {
  processAvailable,
  resetStreamProcessor,
  STREAM_PROCESSOR_CONSUMER,
  type RawEventClaims,
} from '../../../src/fx/processor/index.js';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';
import { mixedEvents } from './events.js';
import { appendEvents, lakeHashes, lakeRows, openHarness, type Harness } from './harness.js';

describe.skipIf(postgresSkip !== undefined)('raw lake exactly-once per event id', () => {
  let db: TestDatabase;
  let pool: PgPool;
  let t: { dir: string; cleanup: () => void };
  let h: Harness;
  let claims: RawEventClaims;

  beforeAll(async () => {
    db = await createTestDatabase('raw_claims');
    pool = createPgPool({ url: db.url });
    await migratePostgres(pool, FX_PROCESSOR_MIGRATIONS);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE fx_raw_event_claims');
    t = tempDir('corriente-rawonce-');
    h = await openHarness(t.dir);
    claims = new PostgresRawEventClaims(pool);
  });
  afterEach(async () => {
    await h.close();
    t.cleanup();
  });

  it('an event appended twice, in two batches and inside one, lands once in raw; a replay rewrites identical files', async () => {
    const events = mixedEvents({ count: 300, users: 10, seed: 11 });
    const trade = events.find((e) => e.type === 'TransactionExecuted');
    const account = events.find((e) => e.type === 'AccountOpened');
    if (!trade || !account) throw new Error('the mix has no trade or account');
    // As the outbox relay of a killed API instance does: the same events appended again, later
    // (another batch) and twice in a row (the same batch).
    await appendEvents(h.log, [...events, trade, account, trade]);
    const stats = await processAvailable({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 100,
      rawClaims: claims,
    });
    expect(stats.records).toBe(303);
    expect(stats.batches).toBe(4);

    const rows = await lakeRows(h.datalake);
    const ids = rows.map((r) => r.row.id as string);
    expect(ids.filter((id) => id === trade.id)).toHaveLength(1);
    expect(ids.filter((id) => id === account.id)).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(300);

    // A replay from the start re-cuts the same batches and must rewrite the very same files,
    // the repeats still left out (the decisions are recorded beside the plans).
    const before = await lakeHashes(h.datalake);
    await resetStreamProcessor({ log: h.log, portfolios: h.portfolios });
    expect(await h.log.getCheckpoint(STREAM_PROCESSOR_CONSUMER)).toBeUndefined();
    await processAvailable({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 100,
      rawClaims: claims,
    });
    expect(await lakeHashes(h.datalake)).toEqual(before);
    expect(await lakeRows(h.datalake)).toHaveLength(300);
  });

  it('without claims the repeat is written twice (what the claims fix)', async () => {
    const events = mixedEvents({ count: 150, users: 10, seed: 12 });
    const trade = events.find((e) => e.type === 'TransactionExecuted');
    if (!trade) throw new Error('the mix has no trade');
    await appendEvents(h.log, [...events, trade]);
    await processAvailable({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 100,
    });
    const ids = (await lakeRows(h.datalake)).map((r) => r.row.id);
    expect(ids.filter((id) => id === trade.id)).toHaveLength(2);
  });

  it('claims are idempotent per batch and the first batch keeps an id', async () => {
    expect([...(await claims.claim('s', 'b1', ['a', 'b']))]).toEqual([]);
    expect([...(await claims.claim('s', 'b2', ['b', 'c']))]).toEqual(['b']);
    expect([...(await claims.claim('s', 'b1', ['a', 'b']))]).toEqual([]);
    expect([...(await claims.claim('s', 'b2', ['b', 'c']))]).toEqual(['b']);
    expect([...(await claims.claim('other', 'b2', ['b']))]).toEqual([]);
  });
});
