import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  PostgresWarehouse,
  redactUrl,
} from '../../../src/energy/warehouse/postgres/postgres-warehouse.js';
import { warehouseContract } from './contract.js';

/** The PostgreSQL server on this machine (trust auth); override with CORRIENTE_TEST_PG_URL. */
const URL = process.env.CORRIENTE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (
      `PostgreSQL is not reachable at ${URL} (${(err as Error).message}); install and start ` +
      `PostgreSQL 15+ (e.g. apt-get install postgresql && service postgresql start) with a database ` +
      `"test", or set CORRIENTE_TEST_PG_URL`
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

const skip = await reachable();
if (skip) console.warn(`[warehouse] ${skip}`);

warehouseContract(
  'PostgresWarehouse (PostgreSQL on 127.0.0.1)',
  async () => {
    // A unique schema per warehouse, dropped afterwards.
    const schema = `corriente_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const warehouse = await PostgresWarehouse.open({ url: URL, schema, batchRows: 2 });
    return {
      warehouse,
      cleanup: async () => {
        await warehouse.close();
        const admin = new pg.Client({ connectionString: URL });
        await admin.connect();
        try {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await admin.end();
        }
      },
    };
  },
  skip ? { skip } : {},
);

describe('PostgresWarehouse connection', () => {
  it('never shows a password from the connection URL', () => {
    expect(redactUrl('postgres://dw:s3creta@redshift.example:5439/energia')).toBe(
      'postgres://dw:***@redshift.example:5439/energia',
    );
    expect(redactUrl('not a url')).toBe('postgres://(unparsable URL)');
  });

  it.skipIf(skip !== undefined)('creates its tables in its own schema', async () => {
    const schema = `corriente_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const warehouse = await PostgresWarehouse.open({ url: URL, schema });
    const admin = new pg.Client({ connectionString: URL });
    await admin.connect();
    try {
      await warehouse.init();
      expect(warehouse.location).toContain(`(schema ${schema})`);
      const { rows } = await admin.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['dim_cliente', 'fact_transaccion', 'dim_fecha']),
      );
    } finally {
      await warehouse.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
