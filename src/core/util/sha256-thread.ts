import { Worker } from 'node:worker_threads';

// The thread's code, evaluated (`eval: true`) rather than loaded from a file so that it runs the
// same from `dist/` and from the TypeScript sources under test. It hashes the slot of the shared
// buffer it is told about and hands the slot back.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const { buffer, slotBytes } = workerData;
parentPort.on('message', (m) => {
  if (m === 'end') {
    parentPort.postMessage({ digest: hash.digest('hex') });
    parentPort.close();
    return;
  }
  hash.update(new Uint8Array(buffer, m.slot * slotBytes, m.length));
  parentPort.postMessage({ free: m.slot });
});
`;

/**
 * A sha256 computed in a worker thread, so that hashing (the costliest step of reading a landing
 * file) runs on a second core beside the thread that scans and writes the same bytes. Bytes are
 * copied into the slots of one shared buffer (`slots` × `slotBytes`, its whole memory): the
 * caller may reuse or write its chunk as soon as `update` returns, and `update` waits while
 * every slot is still being hashed.
 *
 * @example
 * const hash = new Sha256Thread();
 * for await (const chunk of stream) await hash.update(chunk);
 * const hex = await hash.digest();
 */
export class Sha256Thread {
  private readonly worker: Worker;
  private readonly buffer: SharedArrayBuffer;
  private readonly slotBytes: number;
  private readonly free: number[] = [];
  private waiting: (() => void) | undefined;
  private finished: { resolve: (hex: string) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  private done = false;

  /**
   * @param options.slots pieces in flight. @default 8
   * @param options.slotBytes bytes of each piece. @default 1 MiB
   */
  constructor(options: { slots?: number; slotBytes?: number } = {}) {
    const slots = options.slots ?? 8;
    this.slotBytes = options.slotBytes ?? 1 << 20;
    this.buffer = new SharedArrayBuffer(slots * this.slotBytes);
    for (let i = 0; i < slots; i++) this.free.push(i);
    this.worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { buffer: this.buffer, slotBytes: this.slotBytes },
    });
    this.worker.on('message', (m: { free?: number; digest?: string }) => {
      if (m.free !== undefined) {
        this.free.push(m.free);
        this.wake();
      } else if (m.digest !== undefined) {
        this.done = true;
        this.finished?.resolve(m.digest);
      }
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.done) this.fail(new Error(`the sha256 thread exited (code ${code})`));
    });
  }

  /**
   * Hands `chunk` to the thread (copied). Not to be called again before the returned promise
   * settles. What fits in free slots is sent before the first wait, so a caller that does other
   * work before awaiting it does that work while the thread hashes.
   */
  async update(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.byteLength;) {
      if (this.failure) throw this.failure;
      const slot = this.free.pop();
      if (slot === undefined) {
        await new Promise<void>((resolve) => {
          this.waiting = resolve;
        });
        continue;
      }
      const length = Math.min(this.slotBytes, chunk.byteLength - at);
      new Uint8Array(this.buffer, slot * this.slotBytes, length).set(
        chunk.subarray(at, at + length),
      );
      this.worker.postMessage({ slot, length });
      at += length;
    }
    if (this.failure) throw this.failure;
  }

  /** The hex digest of every byte given to `update`, in order; the thread ends. */
  digest(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      this.finished = { resolve, reject };
      this.worker.postMessage('end');
    });
  }

  /** Ends the thread without a digest (the read failed). */
  async abort(): Promise<void> {
    this.done = true;
    this.fail(new Error('the sha256 thread was stopped'));
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
    this.finished?.reject(this.failure);
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
