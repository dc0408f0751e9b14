import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';

/**
 * The machine's PostgreSQL (trust auth, user postgres). A test file gets its own database,
 * created here and dropped afterwards; override the server with CORRIENTE_TEST_PG_ADMIN_URL.
 */
export const PG_ADMIN_URL =
  process.env.CORRIENTE_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(err as Error).message}): start it ` +
      `(CI's .ci/run does) or set CORRIENTE_TEST_PG_ADMIN_URL; the PostgreSQL tests are skipped`
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the PostgreSQL tests skip (printed once per file), or undefined when the server answers. */
export const postgresSkip: string | undefined = await probe();
if (postgresSkip) console.warn(`[postgres] ${postgresSkip}`);

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  /** Connection URL of the new database. */
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** Creates a uniquely named, empty database (`corriente_t_<label>_<pid>_<random>`). */
export async function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  const name = `corriente_t_${safe}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(),
  };
}

/**
 * One database for the calling file (or describe block): created in `beforeAll`, dropped in
 * `afterAll`. Read `.url` inside tests. Call it only where PostgreSQL is reachable (e.g. inside a
 * `describe.skipIf(postgresSkip !== undefined)`).
 */
export function usePostgresDatabase(label: string): { readonly url: string } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(label);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get url(): string {
      if (!db) throw new Error('the test database is not created yet (use .url inside a test)');
      return db.url;
    },
  };
}

/** An opened adapter and how to close it. */
export interface Opened<T> {
  adapter: T;
  close(): Promise<void>;
}

/** How a contract suite opens a fresh adapter of one technology. */
export interface StateAdapterFactories<T> {
  /** Opens a SQLite adapter (e.g. in a temporary folder). */
  sqlite: () => Promise<Opened<T>>;
  /** Opens a PostgreSQL adapter on the file's database (`url`), migrated. */
  postgres: (url: string) => Promise<Opened<T>>;
}

/**
 * The contract-suite pattern for state ports: `suite` runs once per adapter (`describe.each`
 * over SQLite and PostgreSQL), given `open()` for a fresh adapter. The PostgreSQL run gets its
 * own database and skips, with the reason printed, only when the server is unreachable.
 * @example
 * stateContract('PriceBook', { sqlite: openSqlite, postgres: openPg }, (open) => {
 *   it('keeps the newest tick', async () => { const { adapter, close } = await open(); … });
 * });
 */
export function stateContract<T>(
  port: string,
  factories: StateAdapterFactories<T>,
  suite: (open: () => Promise<Opened<T>>) => void,
): void {
  const kinds = [{ kind: 'sqlite' as const }, { kind: 'postgres' as const }];
  describe.each(kinds)(`${port} contract on $kind`, ({ kind }) => {
    if (kind === 'sqlite') {
      suite(() => factories.sqlite());
      return;
    }
    describe.skipIf(postgresSkip !== undefined)('(PostgreSQL on 127.0.0.1)', () => {
      const db = usePostgresDatabase(port);
      suite(() => factories.postgres(db.url));
    });
  });
}
