import { z } from 'zod';

/** A `postgres://` or `postgresql://` URL. */
const postgresUrl = z
  .string()
  .min(1)
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'postgres:' || u.protocol === 'postgresql:';
      } catch {
        return false;
      }
    },
    { message: 'is not a postgres:// URL (e.g. postgres://user@127.0.0.1:5432/corriente)' },
  );

const sqliteStateSchema = z.strictObject({ type: z.literal('sqlite') });

const postgresStateSchema = z.strictObject({
  type: z.literal('postgres'),
  /** Connection URL; `CORRIENTE_DATABASE_URL` sets it. Never put a password in a committed file. */
  url: postgresUrl,
  /** Connections each process keeps open to PostgreSQL. @default 10 */
  poolSize: z.number().int().min(1).max(500).default(10),
});

/**
 * Where the state of every role lives (users, ledger, idempotency, latest price, outbox, leases,
 * notification queue, …): `sqlite` files under `$CORRIENTE_HOME` for one machine, or one
 * PostgreSQL database shared by many processes. @default { type: 'sqlite' }
 */
export const stateConfigSchema = z
  .discriminatedUnion('type', [sqliteStateSchema, postgresStateSchema])
  .default({ type: 'sqlite' });

export type StateConfig = z.infer<typeof stateConfigSchema>;
export type PostgresStateConfig = z.infer<typeof postgresStateSchema>;

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
