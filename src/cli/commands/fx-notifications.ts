import type { Command } from 'commander';
import { z } from 'zod';
import {
  openEmbeddedNotifications,
  openPostgresNotifications,
  type Notifications,
} from '../../deploy/local/notifications.js';
import { openPostgresState } from '../../deploy/state.js';
import type { DeliveryRecord } from '../../fx/decisions/notify/notification-store.js';
import { processEnv } from '../../deploy/environment.js';
import { sharedSecretsEnv } from '../../deploy/secrets.js';
import { cliContext } from '../context.js';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';

const deliveriesArgs = z.strictObject({
  user: z
    .string()
    .regex(/^u_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a user id (u_ + ULID)')
    .optional(),
  limit: z.coerce.number().int().min(1, 'must be a positive integer').max(100_000).default(50),
  json: z.boolean().optional(),
});

const replayArgs = z.strictObject({
  id: z.array(z.string().min(1)).optional(),
  json: z.boolean().optional(),
});

function line(d: DeliveryRecord): string {
  const when = d.sentAt ?? d.nextAttemptAt ?? d.updatedAt;
  const error = d.lastError ? `  ${d.lastError}` : '';
  return `${d.id}  ${d.status.padEnd(6)}  ${d.channel.padEnd(7)}  ${d.userId}  ${d.notificationId}  attempts=${d.attempts}  ${when}${error}\n`;
}

/**
 * Registers `corriente fx notifications`: `deliveries [--user U] [--limit N] [--json]`,
 * `dead-letters list [--json]` and `dead-letters replay [--id ID...] [--json]`.
 * Replay puts dead letters back in the queue with fresh attempts and tries each once at once;
 * one that fails again stays queued for the running server's dispatcher (`corriente up`).
 */
export function registerFxNotifications(fx: Command): Command {
  const notifications = fx
    .command('notifications')
    .description('notification deliveries and dead letters');

  notifications
    .command('deliveries')
    .description('the delivery log, newest first (queued, sent, failed, dead)')
    .option('--user <id>', 'only this user')
    .option('--limit <n>', 'at most this many (default 50)')
    .option('--json', 'print a JSON array')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(deliveriesArgs, opts);
      await withNotifications(cmd, async (n) => {
        const rows: DeliveryRecord[] = [];
        let cursor: string | undefined;
        do {
          const page = await n.store.deliveries({
            limit: Math.min(1000, args.limit - rows.length),
            ...(args.user ? { userId: args.user } : {}),
            ...(cursor ? { cursor } : {}),
          });
          rows.push(...page.deliveries);
          cursor = page.nextCursor;
        } while (cursor && rows.length < args.limit);
        if (args.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else if (rows.length === 0) process.stdout.write('no deliveries\n');
        else for (const d of rows) process.stdout.write(line(d));
      });
    });

  const dead = notifications
    .command('dead-letters')
    .description('deliveries that failed every attempt');
  dead
    .command('list')
    .description('list dead letters')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withNotifications(cmd, async (n) => {
        const rows = await n.store.deadLetters();
        if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else if (rows.length === 0) process.stdout.write('no dead letters\n');
        else for (const d of rows) process.stdout.write(line(d));
      });
    });
  dead
    .command('replay')
    .description('requeue dead letters (all, or --id) and attempt each once now')
    .option('--id <id...>', 'only these delivery ids')
    .option('--json', 'print the resulting deliveries as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(replayArgs, opts);
      await withNotifications(cmd, async (n) => {
        const deadIds = new Set((await n.store.deadLetters()).map((d) => d.id));
        const wanted = args.id ?? [...deadIds];
        const unknown = wanted.filter((id) => !deadIds.has(id));
        if (unknown.length > 0) {
          throw new UsageError(`--id: not a dead letter: ${unknown.join(', ')}`);
        }
        const requeued = await n.store.requeueDeadLetters(wanted);
        const results: DeliveryRecord[] = [];
        for (const id of requeued) {
          const d = await n.dispatcher.deliverNow(id);
          if (d) results.push(d);
        }
        if (args.json) process.stdout.write(`${JSON.stringify(results)}\n`);
        else if (results.length === 0) process.stdout.write('no dead letters to replay\n');
        else {
          for (const d of results) process.stdout.write(line(d));
          const sent = results.filter((d) => d.status === 'sent').length;
          process.stdout.write(
            `${sent} of ${results.length} delivered; the rest stay queued for the dispatcher of corriente up\n`,
          );
        }
      });
    });
  return notifications;
}

/**
 * Opens the notification store of the configured state (SQLite under the home, or the
 * PostgreSQL state store), runs `f` and closes it.
 */
async function withNotifications(
  cmd: Command,
  f: (n: Notifications) => Promise<void>,
): Promise<void> {
  const { config, log } = cliContext(cmd);
  const options = {
    home: config.home,
    config: config.fx.notifications,
    log,
    env: sharedSecretsEnv(config, processEnv()),
  };
  if (config.state.type !== 'postgres') {
    const n = openEmbeddedNotifications(options);
    try {
      await f(n);
    } finally {
      await n.close();
    }
    return;
  }
  const pool = await openPostgresState(config, { log, applicationName: 'corriente-cli' });
  try {
    const n = await openPostgresNotifications({ ...options, pool });
    try {
      await f(n);
    } finally {
      await n.close();
    }
  } finally {
    await pool.end();
  }
}
