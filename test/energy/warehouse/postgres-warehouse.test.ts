import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { quoteQualified } from '../../../src/core/duckdb/duckdb.js';
import {
  isRedshift,
  PostgresWarehouse,
  redactUrl,
} from '../../../src/energy/warehouse/postgres/postgres-warehouse.js';
import {
  createTableSql,
  REDSHIFT_TABLE_ATTRIBUTES,
  TABLES,
} from '../../../src/energy/warehouse/schema.js';
import { WAREHOUSE_TABLES } from '../../../src/energy/warehouse/warehouse.js';
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

describe('PostgresWarehouse on Amazon Redshift', () => {
  it('recognises Redshift by its version string, and PostgreSQL as not Redshift', () => {
    expect(
      isRedshift(
        'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467',
      ),
    ).toBe(true);
    expect(isRedshift('PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64-pc-linux-gnu')).toBe(
      false,
    );
  });

  it('gives every table its distribution and sort keys on Redshift, none on PostgreSQL', () => {
    for (const t of WAREHOUSE_TABLES) {
      const sql = createTableSql(TABLES[t], quoteQualified('dw', t), true, true);
      expect(sql.endsWith(`)\n) ${REDSHIFT_TABLE_ATTRIBUTES[t]}`), t).toBe(true);
      expect(createTableSql(TABLES[t], quoteQualified('dw', t), true)).not.toMatch(/DIST|SORTKEY/);
    }
    expect(REDSHIFT_TABLE_ATTRIBUTES.fact_transaccion).toBe(
      'DISTKEY(cliente_key) SORTKEY(fecha_key)',
    );
    // Every key column named in an attribute exists in its table.
    for (const t of WAREHOUSE_TABLES) {
      for (const m of REDSHIFT_TABLE_ATTRIBUTES[t].matchAll(/(?:DISTKEY|SORTKEY)\(([^)]*)\)/g)) {
        for (const col of m[1]!.split(',').map((c) => c.trim())) {
          expect(
            TABLES[t].columns.map(([n]) => n),
            `${t}.${col}`,
          ).toContain(col);
        }
      }
    }
  });

  it.skipIf(skip !== undefined)(
    'converts the text digito_verificacion of an older PostgreSQL warehouse to INTEGER',
    async () => {
      const schema = `corriente_up_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: URL });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA "${schema}"`);
        for (const t of ['dim_cliente', 'dim_proveedor'] as const) {
          const old = {
            ...TABLES[t],
            columns: TABLES[t].columns.map(
              ([n, ty]) => [n, n === 'digito_verificacion' ? 'VARCHAR(8)' : ty] as const,
            ),
          };
          await admin.query(createTableSql(old, quoteQualified(schema, t), true));
        }
        await admin.query(
          `INSERT INTO "${schema}".dim_proveedor (proveedor_key, nombre_proveedor, digito_verificacion) VALUES (5, 'HIDRO ANDES', '8.0'), (6, 'SOL', NULL)`,
        );
        const wh = await PostgresWarehouse.open({ url: URL, schema });
        try {
          await wh.init();
          const rows = await wh.tableRows('dim_proveedor');
          expect(
            rows.filter((r) => Number(r.proveedor_key) > 0).map((r) => r.digito_verificacion),
          ).toEqual(['8', null]);
          const type = await admin.query(
            `SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'dim_cliente' AND column_name = 'digito_verificacion'`,
            [schema],
          );
          expect(type.rows[0]?.data_type).toBe('integer');
        } finally {
          await wh.close();
        }
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      }
    },
  );
});
