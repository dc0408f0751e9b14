import * as fs from 'node:fs/promises';

/**
 * Overlapping `fdatasync`s of one file, each on its own file descriptor (a slot), at most one
 * in flight per slot.
 *
 * Why several descriptors: Linux reports a writeback error to every open file description at
 * its next fsync (errseq, since 4.13), but only once per description. Two fsyncs in flight on
 * one descriptor could let the later one consume an error that belongs to the data the earlier
 * one covers, which would then report success. With one slot per in-flight fsync, each fsync
 * sees every error that happened since its slot's previous (successful) fsync.
 *
 * A successful `sync()` makes durable every byte whose write completed before it was called,
 * whichever descriptor wrote it. Internal to the disk log.
 */
export class SyncSlots {
  private handles: fs.FileHandle[] = [];
  private busy: boolean[] = [];
  private readonly freed: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly count: number) {}

  /** Opens the slots on `file` (closing the previous file's, after their syncs). */
  async open(file: string): Promise<void> {
    await this.close();
    for (let i = 0; i < this.count; i++) this.handles.push(await fs.open(file, 'r+'));
    this.busy = this.handles.map(() => false);
  }

  /** Waits for a free slot and reserves it for one `syncOn`. */
  async acquire(): Promise<number> {
    let slot = this.busy.indexOf(false);
    while (slot < 0) {
      await new Promise<void>((resolve) => this.freed.push(resolve));
      slot = this.busy.indexOf(false);
    }
    this.busy[slot] = true;
    return slot;
  }

  /** The fdatasync of the file on a slot from `acquire`; the slot is free again after it. */
  syncOn(slot: number): Promise<void> {
    const handle = this.handles[slot]!;
    const done = handle.datasync().finally(() => {
      this.inFlight.delete(done);
      if (this.handles[slot] === handle) this.busy[slot] = false;
      this.freed.shift()?.();
    });
    this.inFlight.add(done);
    return done;
  }

  /** Resolves when no fsync is in flight (failures are reported by `sync` itself). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.drain();
    const handles = this.handles;
    this.handles = [];
    this.busy = [];
    for (const h of handles) await h.close().catch(() => {});
  }
}
