import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One statement run: the index of a statement given to the thread, and its parameters. */
export type WriteOp = readonly [statement: number, params: readonly unknown[]];

// The thread's code. It is evaluated (`eval: true`) rather than loaded from a file so that it
// runs the same from `dist/` and from the TypeScript sources under test; it only executes the
// statements it is given, in one transaction per call, so all the logic stays in typed code.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 10000');
const statements = workerData.statements.map((sql) => db.prepare(sql));
const runAll = db.transaction((ops) => {
  for (const [i, params] of ops) statements[i].run(...params);
});
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    runAll(m.ops);
    parentPort.postMessage({ id: m.id });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.stack ? err.stack : err) });
  }
});
`;

interface Call {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A worker thread with its own connection to a SQLite file (WAL mode), which runs batches of
 * prepared statements, one transaction per batch, off the main thread: a commit (page writes,
 * WAL checkpoints) no longer stalls the event loop that answers requests. The main thread keeps
 * its own connection for reads; WAL lets them run while the thread writes, and a read started
 * after `run` resolved sees the batch.
 *
 * @example
 * const writer = new SqliteWriterThread(dbFile, ['INSERT INTO t (a, b) VALUES (?, ?)']);
 * await writer.run([[0, ['x', 1]], [0, ['y', 2]]]); // committed together
 * await writer.close();
 */
export class SqliteWriterThread {
  private readonly worker: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private exited = false;

  /**
   * @param file the database file (not `:memory:`, which a second connection cannot share).
   * @param statements the SQL of the statements `run` refers to by index.
   */
  constructor(file: string, statements: readonly string[]) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { driver, file, statements },
    });
    // The owner closes it; an idle thread must not keep the process alive on its own. While a
    // batch or the close is in flight it is referenced: otherwise a process with nothing else
    // to do would end with the awaited reply unsettled (exit code 13) and the batch unwritten.
    this.worker.unref();
    this.worker.on('message', (m: { id: number; error?: string }) => {
      const call = this.calls.get(m.id);
      if (!call) return;
      this.calls.delete(m.id);
      if (this.calls.size === 0 && !this.closing) this.worker.unref();
      if (m.error === undefined) call.resolve();
      else call.reject(new Error(`SQLite write failed: ${m.error}`));
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      for (const call of this.calls.values()) call.reject(err);
      this.calls.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      this.exited = true;
      fail(new Error(`the SQLite writer thread exited (code ${code})`));
    });
  }

  /** Runs `ops` in order in one transaction; resolves once it is committed. */
  run(ops: readonly WriteOp[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('the SQLite writer thread is closed'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, ops });
    });
  }

  /** Finishes the batches sent, closes the thread's connection and ends the thread. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      this.worker.ref();
      this.worker.postMessage('close');
    });
    return this.closing;
  }
}
