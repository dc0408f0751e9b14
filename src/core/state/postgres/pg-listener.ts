import { silentLogger, type Logger } from '../../log/logger.js';
import type { PgClient, PgPool } from './pg-pool.js';

export interface PgListenerOptions {
  pool: PgPool;
  /** Channel names (lower-case identifiers). */
  channels: readonly string[];
  onNotify(channel: string, payload: string): void;
  /**
   * Called after every (re)connection: notifications sent while this process was not listening
   * are lost, so a caller re-reads what it caches.
   */
  onConnect?(): void;
  /** Wait before reconnecting after the connection is lost. @default 1000 */
  retryMs?: number;
  logger?: Logger;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * `LISTEN` on one pooled connection for the life of a process, reconnecting when it is lost.
 * PostgreSQL delivers a `NOTIFY` (or `pg_notify`) to listeners when the sending transaction
 * commits, so a process hears of a change once it is visible to its own queries.
 *
 * @example
 * const l = await PgListener.open({ pool, channels: ['fx_notify_inbox'], onNotify: (c, p) => … });
 * await l.close();
 */
export class PgListener {
  private client: PgClient | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly logger: Logger;

  private constructor(private readonly o: PgListenerOptions) {
    for (const c of o.channels) if (!CHANNEL_NAME.test(c)) throw new Error(`bad channel ${c}`);
    this.logger = o.logger ?? silentLogger;
  }

  /** Connects and listens; rejects when the first connection fails. */
  static async open(o: PgListenerOptions): Promise<PgListener> {
    const l = new PgListener(o);
    await l.connect();
    return l;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = await this.o.pool.connect();
    client.on('notification', (msg) => {
      if (this.o.channels.includes(msg.channel)) this.o.onNotify(msg.channel, msg.payload ?? '');
    });
    client.on('error', (err) => {
      this.logger.warn({ err }, 'state store listener: connection lost; reconnecting');
      if (this.client === client) this.client = undefined;
      client.release(err);
      this.scheduleReconnect();
    });
    try {
      for (const c of this.o.channels) await client.query(`LISTEN ${c}`);
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    if (this.closed) {
      client.release();
      return;
    }
    this.client = client;
    this.o.onConnect?.();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().catch(() => this.scheduleReconnect());
    }, this.o.retryMs ?? 1000);
    this.retry.unref();
  }

  /** Whether the listening connection is up. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Stops listening and gives the connection back to the pool. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    if (c) {
      await c.query('UNLISTEN *').catch(() => undefined);
      c.release();
    }
  }
}
