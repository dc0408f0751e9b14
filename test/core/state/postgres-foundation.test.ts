import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgPool,
  isRetryableTransactionError,
  migratePostgres,
  withTransaction,
  type PgMigration,
  type PgPool,
} from '../../../src/core/state/postgres/index.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';

describe('isRetryableTransactionError', () => {
  it('retries serialization failures and deadlocks only', () => {
    expect(isRetryableTransactionError({ code: '40001' })).toBe(true);
    expect(isRetryableTransactionError({ code: '40P01' })).toBe(true);
    expect(isRetryableTransactionError({ code: '23505' })).toBe(false);
    expect(isRetryableTransactionError(new Error('x'))).toBe(false);
    expect(isRetryableTransactionError(null)).toBe(false);
  });
});

describe.skipIf(postgresSkip !== undefined)('PostgreSQL state foundation', () => {
  const db = usePostgresDatabase('foundation');
  let pool: PgPool;
  beforeAll(() => {
    pool = createPgPool({ url: db.url, poolSize: 4 });
  });
  afterAll(async () => {
    await pool.end();
  });

  const base: PgMigration[] = [
    {
      name: 'test/0001-cuentas',
      up: 'CREATE TABLE cuentas (id text PRIMARY KEY, usd numeric NOT NULL)',
    },
    {
      name: 'test/0002-seed',
      up: async (c) => {
        await c.query('INSERT INTO cuentas (id, usd) VALUES ($1, $2), ($3, $4)', [
          'a',
          10,
          'b',
          10,
        ]);
      },
    },
  ];

  it('applies pending migrations once, in order, and records them', async () => {
    expect(await migratePostgres(pool, base)).toEqual(['test/0001-cuentas', 'test/0002-seed']);
    expect(await migratePostgres(pool, base)).toEqual([]);
    const more = [
      ...base,
      { name: 'test/0003-col', up: 'ALTER TABLE cuentas ADD COLUMN cop numeric' },
    ];
    expect(await migratePostgres(pool, more)).toEqual(['test/0003-col']);
    const r = await pool.query<{ name: string }>(
      'SELECT name FROM corriente_migrations ORDER BY name',
    );
    expect(r.rows.map((x) => x.name)).toEqual([
      'test/0001-cuentas',
      'test/0002-seed',
      'test/0003-col',
    ]);
  });

  it('applies nothing when one pending migration fails', async () => {
    const bad: PgMigration[] = [
      { name: 'test/0100-ok', up: 'CREATE TABLE otra (x int)' },
      { name: 'test/0101-bad', up: 'CREATE TABLE otra (x int)' },
    ];
    await expect(migratePostgres(pool, bad)).rejects.toThrow(/already exists/);
    const r = await pool.query(`SELECT to_regclass('otra') AS t`);
    expect(r.rows[0].t).toBeNull();
    const names = await pool.query(
      `SELECT name FROM corriente_migrations WHERE name LIKE 'test/01%'`,
    );
    expect(names.rowCount).toBe(0);
  });

  it('refuses two migrations with one name', async () => {
    await expect(migratePostgres(pool, [base[0]!, base[0]!])).rejects.toThrow(/two migrations/);
  });

  it('commits, and rolls back when the function throws', async () => {
    await withTransaction(pool, (c) =>
      c.query('UPDATE cuentas SET usd = usd - 1 WHERE id = $1', ['a']),
    );
    await expect(
      withTransaction(pool, async (c) => {
        await c.query('UPDATE cuentas SET usd = usd - 5 WHERE id = $1', ['a']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const r = await pool.query<{ usd: string }>('SELECT usd FROM cuentas WHERE id = $1', ['a']);
    expect(Number(r.rows[0]!.usd)).toBe(9);
  });

  it('reruns a transaction that lost a deadlock, so both transfers apply', async () => {
    const before = await pool.query<{ id: string; usd: string }>(
      'SELECT id, usd FROM cuentas ORDER BY id',
    );
    // Two transactions lock a then b, and b then a, each waiting for the other: PostgreSQL
    // aborts one with 40P01 and withTransaction runs it again.
    let attempts = 0;
    let ready = 0;
    let release!: () => void;
    const bothLocked = new Promise<void>((r) => (release = r));
    const transfer = (first: string, second: string) =>
      withTransaction(pool, async (c) => {
        attempts++;
        await c.query('UPDATE cuentas SET usd = usd - 1 WHERE id = $1', [first]);
        if (++ready === 2) release();
        await bothLocked;
        await c.query('UPDATE cuentas SET usd = usd + 1 WHERE id = $1', [second]);
      });
    await Promise.all([transfer('a', 'b'), transfer('b', 'a')]);
    expect(attempts).toBe(3);
    const after = await pool.query<{ id: string; usd: string }>(
      'SELECT id, usd FROM cuentas ORDER BY id',
    );
    expect(after.rows).toEqual(before.rows);
  });

  it('gives up after the bound on retries, throwing the serialization failure', async () => {
    let attempts = 0;
    await expect(
      withTransaction(
        pool,
        async (c) => {
          attempts++;
          await c.query(`DO $$ BEGIN RAISE EXCEPTION 'conflicto' USING ERRCODE = '40001'; END $$`);
        },
        { attempts: 3, random: () => 0 },
      ),
    ).rejects.toMatchObject({ code: '40001' });
    expect(attempts).toBe(3);
  });
});

describe.skipIf(postgresSkip !== undefined)('migrations started by two processes at once', () => {
  const db = usePostgresDatabase('migrate_race');

  // Each process migrates a fresh database with a slow, non-repeatable first migration: without
  // the advisory lock, both would run it and one would fail on "already exists" or a duplicate
  // record.
  const script = `
    import { createPgPool, migratePostgres } from ${JSON.stringify(
      path.resolve('dist/core/state/postgres/index.js'),
    )};
    const pool = createPgPool({ url: process.argv[1], poolSize: 2 });
    const applied = await migratePostgres(pool, [
      { name: 'race/0001', up: 'SELECT pg_sleep(0.5); CREATE TABLE carrera (quien text)' },
      { name: 'race/0002', up: "INSERT INTO carrera VALUES ('una vez')" },
    ]);
    process.stdout.write(JSON.stringify(applied));
    await pool.end();
  `;
  const run = (url: string) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, url]);
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, out, err }));
    });

  it('applies every migration exactly once', async () => {
    const [p1, p2] = await Promise.all([run(db.url), run(db.url)]);
    expect(p1.err).toBe('');
    expect(p2.err).toBe('');
    expect([p1.code, p2.code]).toEqual([0, 0]);
    const applied = [JSON.parse(p1.out) as string[], JSON.parse(p2.out) as string[]];
    expect(applied.flat().sort()).toEqual(['race/0001', 'race/0002']);
    expect(applied.some((a) => a.length === 0)).toBe(true);
    const pool = createPgPool({ url: db.url, poolSize: 1 });
    try {
      const r = await pool.query('SELECT quien FROM carrera');
      expect(r.rows).toEqual([{ quien: 'una vez' }]);
    } finally {
      await pool.end();
    }
  });
});
