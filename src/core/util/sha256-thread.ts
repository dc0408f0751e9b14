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
      const slot = this.free.length > 0 ? this.take() : await this.slot();
      const length = Math.min(this.slotBytes, chunk.byteLength - at);
      slot.bytes.set(chunk.subarray(at, at + length));
      this.submit(slot.index, length);
      at += length;
    }
    if (this.failure) throw this.failure;
  }

  /**
   * A free slot of the shared buffer, to be filled in place (a file read straight into it, no
   * copy), then handed to `submit`, or to `release` if it stays unused. The thread owns the slot
   * from `submit` until it has hashed it: the caller may still read it meanwhile (to inspect the
   * same bytes on its own thread) but must not write it, nor keep it past its next `slot` call.
   * Not to be called again before the returned promise settles.
   */
  async slot(): Promise<{ index: number; bytes: Buffer }> {
    while (this.free.length === 0) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    return this.take();
  }

  /** Hashes the first `length` bytes of a slot from `slot` (in order: next after the last). */
  submit(index: number, length: number): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage({ slot: index, length });
  }

  /** Gives back a slot from `slot` that was not submitted. */
  release(index: number): void {
    this.free.push(index);
  }

  private take(): { index: number; bytes: Buffer } {
    if (this.failure) throw this.failure;
    const index = this.free.pop()!;
    return {
      index,
      bytes: Buffer.from(this.buffer, index * this.slotBytes, this.slotBytes),
    };
  }

  /** The hex digest of every byte given to `update`, in order; the thread ends. */
  digest(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      this.finished = { resolve, reject };
      this.worker.postMessage('end');
    });
  }

  /** Ends the thread without a digest (the read failed, or never began); harmless once ended. */
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
