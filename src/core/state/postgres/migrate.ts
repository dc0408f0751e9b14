import { Umzug, type UmzugStorage } from 'umzug';
import type { Logger } from '../../log/logger.js';
import type { PgClient, PgPool } from './pg-pool.js';

/**
 * One versioned schema change. Each module keeps its own ordered list beside its postgres
 * adapter (e.g. `src/fx/api/postgres/migrations.ts`); `src/deploy/` joins the lists into one.
 * Names are permanent: once applied, a migration is never edited, only followed by another.
 */
export interface PgMigration {
  /** Unique and stable, prefixed by the module, e.g. `fx-api/0001-users`. */
  name: string;
  /** SQL run as is (several statements allowed), or a function given the migrating client. */
  up: string | ((client: PgClient) => Promise<void>);
}

export interface MigrateOptions {
  /** Receives one `info` line per migration applied. */
  log?: Logger;
  /**
   * Key of the `pg_advisory_xact_lock` held while migrating: processes starting together take
   * turns, and the later ones find nothing left to do. @default 0x636f7272 ("corr")
   */
  lockKey?: number;
  /** Table recording the applied migrations. @default 'corriente_migrations' */
  table?: string;
}

const DEFAULT_LOCK_KEY = 0x636f7272;

/**
 * Applies the pending `migrations`, in list order, in ONE transaction holding an advisory lock
 * (PostgreSQL DDL is transactional: either every pending migration is applied and recorded, or
 * none). Umzug decides what is pending from the record table. Returns the names applied now.
 * @throws Error when two migrations share a name, or a migration fails (nothing is applied).
 * @example await migratePostgres(pool, [{ name: 'fx-api/0001-users', up: 'CREATE TABLE …' }])
 */
export async function migratePostgres(
  pool: PgPool,
  migrations: readonly PgMigration[],
  options: MigrateOptions = {},
): Promise<string[]> {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.name)) throw new Error(`two migrations are named ${m.name}`);
    seen.add(m.name);
  }
  const table = options.table ?? 'corriente_migrations';
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bad migration table name ${table}`);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [options.lockKey ?? DEFAULT_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const storage: UmzugStorage<PgClient> = {
      async executed({ context }) {
        const r = await context.query<{ name: string }>(`SELECT name FROM ${table}`);
        return r.rows.map((row) => row.name);
      },
      async logMigration({ name, context }) {
        await context.query(`INSERT INTO ${table} (name) VALUES ($1)`, [name]);
      },
      async unlogMigration({ name, context }) {
        await context.query(`DELETE FROM ${table} WHERE name = $1`, [name]);
      },
    };
    const umzug = new Umzug<PgClient>({
      context: client,
      storage,
      logger: undefined,
      migrations: migrations.map((m) => ({
        name: m.name,
        up: async ({ context }) => {
          if (typeof m.up === 'string') await context.query(m.up);
          else await m.up(context);
        },
      })),
    });
    const applied = await umzug.up();
    await client.query('COMMIT');
    for (const m of applied) options.log?.info({ migration: m.name }, 'state migration applied');
    return applied.map((m) => m.name);
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
