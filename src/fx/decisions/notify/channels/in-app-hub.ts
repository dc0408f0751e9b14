import type { ServerResponse } from 'node:http';
import type { Awaitable, StoredNotification } from '../notification-store.js';

/** What an SSE stream reads from: the durable in-app inbox. */
export interface InboxReader {
  inAppAfter(userId: string, afterSeq: number, limit: number): Awaitable<StoredNotification[]>;
}

const PAGE = 100;

/**
 * One open `text/event-stream` response. It is a cursor over the inbox rather than a queue of
 * pushed messages: a wake-up makes it read what follows its last event id and write until the
 * socket pushes back (`write` returns false), then it waits for `drain`. A slow client therefore
 * holds no unbounded buffer, and nothing is lost or repeated: the next read starts exactly after
 * the last event written, the same way a reconnect with `Last-Event-ID` does.
 */
export class SseStream {
  private pumping = false;
  private again = false;
  private closed = false;
  /** Waiting for `drain`: the client reads slower than messages arrive. */
  stalled = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    readonly userId: string,
    private readonly res: ServerResponse,
    private lastSeq: number,
    private readonly inbox: InboxReader,
    heartbeatMs: number,
    private readonly onClose: (s: SseStream) => void,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Browsers reconnect after this many ms; the first line also flushes the headers.
    res.write('retry: 2000\n: conectado\n\n');
    this.heartbeat = setInterval(() => {
      if (!this.pumping && res.writableLength === 0) res.write(': ping\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
    res.on('close', () => this.close());
  }

  /** Writes every in-app message after the last one sent. */
  pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    // A failed read (the state store unreachable) ends this pump; the next wake-up reads again
    // from the last event sent.
    void this.run()
      .catch(() => undefined)
      .finally(() => {
        this.pumping = false;
      });
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      let rows: StoredNotification[];
      do {
        if (this.closed) return;
        rows = await this.inbox.inAppAfter(this.userId, this.lastSeq, PAGE);
        if (this.closed) return;
        for (const n of rows) {
          const data = JSON.stringify({
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            data: n.data,
            createdAt: n.createdAt,
          });
          this.lastSeq = n.seq;
          if (!this.res.write(`id: ${n.seq}\ndata: ${data}\n\n`)) await this.drained();
          if (this.closed) return;
        }
      } while (rows.length === PAGE);
    } while (this.again);
  }

  private drained(): Promise<void> {
    this.stalled = true;
    return new Promise((resolve) => {
      const done = () => {
        this.stalled = false;
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  /** Bytes written to the response but not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.res.writableLength + (this.res.socket?.writableLength ?? 0);
  }

  /** Ends the response (server shutdown, too many streams, or the client went away). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
    this.onClose(this);
  }
}

/** The open in-app streams per user; woken after each committed batch of notifications. */
export class InAppHub {
  private readonly streams = new Map<string, SseStream[]>();

  constructor(
    private readonly inbox: InboxReader,
    private readonly options: { heartbeatMs: number; maxStreamsPerUser: number },
  ) {}

  /** Starts streaming to `res` from just after `lastSeq`. */
  open(userId: string, res: ServerResponse, lastSeq: number): SseStream {
    const list = this.streams.get(userId) ?? [];
    // Oldest first out: a user reconnecting from a new tab should not be refused.
    while (list.length >= this.options.maxStreamsPerUser) list.shift()?.close();
    const stream = new SseStream(userId, res, lastSeq, this.inbox, this.options.heartbeatMs, (s) =>
      this.detach(s),
    );
    list.push(stream);
    this.streams.set(userId, list);
    stream.pump();
    return stream;
  }

  /** Wakes the streams of these users (new in-app messages were committed). */
  wake(userIds: Iterable<string>): void {
    for (const u of userIds) for (const s of this.streams.get(u) ?? []) s.pump();
  }

  /** Wakes every open stream (a missed cross-process wake-up: each reads what follows it). */
  wakeAll(): void {
    for (const list of this.streams.values()) for (const s of list) s.pump();
  }

  /** Open streams of a user (metrics, tests). */
  count(userId?: string): number {
    if (userId) return this.streams.get(userId)?.length ?? 0;
    let n = 0;
    for (const l of this.streams.values()) n += l.length;
    return n;
  }

  /** Bytes buffered in the server for a user's streams (bounded by backpressure). */
  bufferedBytes(userId: string): number {
    return (this.streams.get(userId) ?? []).reduce((sum, s) => sum + s.bufferedBytes, 0);
  }

  /** Streams of a user waiting for their client to read (backpressure). */
  stalled(userId: string): number {
    return (this.streams.get(userId) ?? []).filter((s) => s.stalled).length;
  }

  /** Closes the streams of one user, or all; clients reconnect with `Last-Event-ID`. */
  closeAll(userId?: string): void {
    const lists = userId ? [this.streams.get(userId) ?? []] : [...this.streams.values()];
    for (const l of lists) for (const s of [...l]) s.close();
  }

  private detach(s: SseStream): void {
    const list = this.streams.get(s.userId);
    if (!list) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.streams.delete(s.userId);
  }
}
