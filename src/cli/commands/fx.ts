import { homeLayout } from '../../deploy/home-layout.js';
import { adminTokenFromEnv } from '../../deploy/environment.js';
import type { Command } from 'commander';
import { z } from 'zod';
import type { Config } from '../../deploy/config.js';
import { createFxUser, openingBalanceCents } from '../../fx/api/create-user.js';
import { openFxDatabase } from '../../fx/api/fx-database.js';
import { FxLedger } from '../../fx/api/ledger.js';
import { FxUsers } from '../../fx/api/users.js';
import { WriterLockedError, type EventLog } from '../../core/event-log/event-log.js';
import { openFxEventLog } from '../../deploy/adapters.js';
import { readUpRecord } from '../../deploy/up-record.js';
import { cliContext } from '../context.js';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';
import { flag, positiveInt } from '../flag-schemas.js';

const createArgs = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(100),
  cop: z.string().optional(),
  usd: z.string().optional(),
  json: z.boolean().optional(),
  url: z.url().optional(),
});

interface CreatedOutput {
  id: string;
  name: string;
  createdAt: string;
  token: string;
  cop: number;
  usd: number;
}

/**
 * Registers `corriente fx` with `fx users create|list`, and returns the `fx` command so other
 * modules add theirs: `const fx = registerFx(program); registerFxReconcile(fx);`.
 */
export function registerFx(program: Command): Command {
  const fx = program
    .command('fx')
    .description('the FX platform: users, reconciliation, simulation');
  const users = fx.command('users').description('customers of the FX API');
  users
    .command('create')
    .description('create a user with opening balances; prints its API token once')
    .requiredOption('--name <name>', 'display name')
    .option('--cop <amount>', 'opening COP balance (default 0)')
    .option('--usd <amount>', 'opening USD balance (default 0)')
    .option('--json', 'print { id, name, createdAt, token, cop, usd } as JSON')
    .option('--url <url>', 'the running server (default: the one `up` recorded in the home)')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(createArgs, opts);
      let copCents: number;
      let usdCents: number;
      try {
        copCents = openingBalanceCents(args.cop, '--cop');
        usdCents = openingBalanceCents(args.usd, '--usd');
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const { config } = cliContext(cmd);
      const created = await createLocallyOrViaServer(
        config,
        args.name,
        copCents,
        usdCents,
        args.url,
      );
      if (args.json) process.stdout.write(`${JSON.stringify(created)}\n`);
      else {
        process.stdout.write(
          [
            `created user ${created.id} (${created.name}) with ${created.cop} COP and ${created.usd} USD`,
            `API token (shown once; corriente keeps only its hash):`,
            `  ${created.token}`,
            `use it as: Authorization: Bearer <token> on /api/fx/v1`,
            '',
          ].join('\n'),
        );
      }
    });
  users
    .command('list')
    .description('list users (id, name, created at)')
    .option('--limit <n>', 'at most this many (default all)')
    .option('--json', 'print a JSON array')
    .action((raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(z.strictObject({ limit: positiveInt.optional(), json: flag }), raw);
      const limit = opts.limit ?? Infinity;
      const { config } = cliContext(cmd);
      // Reading needs no writer lock: SQLite WAL readers run beside a running `corriente up`.
      const db = openFxDatabase(homeLayout(config.home).fxLedgerDb);
      try {
        const store = new FxUsers(db);
        const all = [];
        let cursor: string | undefined;
        do {
          const page = store.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
          all.push(...page.users);
          cursor = page.nextCursor;
        } while (cursor && all.length < limit);
        const shown = all.slice(0, limit === Infinity ? undefined : limit);
        if (opts.json) process.stdout.write(`${JSON.stringify(shown)}\n`);
        else if (shown.length === 0)
          process.stdout.write('no users yet (corriente fx users create --name NAME)\n');
        else {
          for (const u of shown) process.stdout.write(`${u.id}  ${u.createdAt}  ${u.name}\n`);
        }
      } finally {
        db.close();
      }
    });
  return fx;
}

async function createLocallyOrViaServer(
  config: Config,
  name: string,
  copCents: number,
  usdCents: number,
  overrideUrl?: string,
): Promise<CreatedOutput> {
  const logConfig = config.fx.eventLog;
  if (logConfig.type !== 'disk') {
    return viaServer(config, name, copCents, usdCents, 'the event log is Kinesis', overrideUrl);
  }
  let log: EventLog;
  try {
    log = await openFxEventLog(config);
  } catch (err) {
    if (err instanceof WriterLockedError) {
      return viaServer(
        config,
        name,
        copCents,
        usdCents,
        `the event log is held by pid ${err.holder.pid} (corriente up)`,
        overrideUrl,
      );
    }
    throw err;
  }
  const db = openFxDatabase(homeLayout(config.home).fxLedgerDb);
  try {
    const ledger = await FxLedger.open({ db, eventLog: log });
    const created = await createFxUser(
      { ledger, users: new FxUsers(db) },
      { name, copCents, usdCents },
    );
    await ledger.close();
    return {
      ...created.user,
      token: created.token,
      cop: created.copCents / 100,
      usd: created.usdCents / 100,
    };
  } finally {
    db.close();
    await log.close();
  }
}

/** Creates the user through the running server's admin API. */
async function viaServer(
  config: Config,
  name: string,
  copCents: number,
  usdCents: number,
  why: string,
  overrideUrl?: string,
): Promise<CreatedOutput> {
  const token = adminTokenFromEnv();
  if (!token) {
    throw new UsageError(
      `${why}, so users are created through the running server: set CORRIENTE_ADMIN_TOKEN ` +
        `(the same value \`corriente up\` was started with), or stop \`corriente up\` and run this again`,
    );
  }
  const url = `${runningUpUrl(config, overrideUrl)}/api/fx/v1/admin/users`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, cop: copCents / 100, usd: usdCents / 100 }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Error(
      `${why}, and the server at ${url} cannot be reached: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status !== 201) {
    throw new Error(
      `the server at ${url} refused to create the user (HTTP ${res.status}): ${String(body.detail ?? '')}`,
    );
  }
  return body as unknown as CreatedOutput;
}

/**
 * The base URL of the running `up`: `--url`, else the one `up` recorded in the home
 * (`run/up.json`), else the configured host and port.
 */
export function runningUpUrl(config: Config, overrideUrl?: string): string {
  if (overrideUrl) return overrideUrl.replace(/\/+$/, '');
  const recorded = readUpRecord(config.home);
  if (recorded) return recorded.url.replace(/\/+$/, '');
  const host = ['0.0.0.0', '::', ''].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
}
