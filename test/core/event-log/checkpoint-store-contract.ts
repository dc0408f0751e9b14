import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../../src/core/event-log/checkpoint-store.js';
import { EventLogValidationError } from '../../../src/core/event-log/event-log.js';

/**
 * A fresh, empty place for checkpoints: `open()` opens a store on it (again after a close, to
 * see what survived), `cleanup()` removes it.
 */
export type MakeCheckpointStore = () => Promise<{
  open: () => Promise<CheckpointStore>;
  cleanup: () => Promise<void>;
}>;

// Positions are opaque strings: a disk log's and a Kinesis sequence number.
const DISK = '00000000000000000042';
const KINESIS = '49655807591402418442129624913587224412716425433962741762';

/** The CheckpointStore contract: every implementation runs this suite. */
export function checkpointStoreContract(name: string, make: MakeCheckpointStore): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    let open: () => Promise<CheckpointStore>;
    let cleanup: () => Promise<void>;
    let store: CheckpointStore;

    beforeEach(async () => {
      ({ open, cleanup } = await make());
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('has no checkpoint for a consumer that never set one', async () => {
      expect(await store.get('fx-events', 'lake-writer')).toBeUndefined();
      expect(await store.list('fx-events')).toEqual([]);
    });

    it('returns the position set, and the last one after an overwrite', async () => {
      await store.set('fx-events', 'lake-writer', DISK);
      expect(await store.get('fx-events', 'lake-writer')).toBe(DISK);
      await store.set('fx-events', 'lake-writer', KINESIS);
      expect(await store.get('fx-events', 'lake-writer')).toBe(KINESIS);
      expect((await store.list('fx-events')).map((c) => c.position)).toEqual([KINESIS]);
    });

    it('keeps consumers and streams apart', async () => {
      await store.set('fx-events', 'lake-writer', '1');
      await store.set('fx-events', 'fx-orchestrator', '2');
      await store.set('otro.stream', 'lake-writer', '3');
      expect(await store.get('fx-events', 'lake-writer')).toBe('1');
      expect(await store.get('fx-events', 'fx-orchestrator')).toBe('2');
      expect(await store.get('otro.stream', 'lake-writer')).toBe('3');
      expect(await store.get('otro.stream', 'fx-orchestrator')).toBeUndefined();
    });

    it('lists every consumer of a stream once, with its position and when it was set', async () => {
      const before = Date.now();
      // Names that sort differently with and without a suffix: the port promises no order.
      for (const [consumer, position] of [
        ['a', '1'],
        ['a-b', '2'],
        ['a_b', '3'],
        ['Z.9', '4'],
      ] as const) {
        await store.set('fx-events', consumer, position);
      }
      await store.set('fx-events', 'a', '5');
      await store.set('other', 'solo', '6');
      const after = Date.now();
      const listed = await store.list('fx-events');
      expect(listed.map((c) => [c.consumer, c.position]).sort()).toEqual([
        ['Z.9', '4'],
        ['a', '5'],
        ['a-b', '2'],
        ['a_b', '3'],
      ]);
      for (const c of listed) {
        expect(c.updatedAt).toBeInstanceOf(Date);
        // Stored with millisecond precision at the most.
        expect(c.updatedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
        expect(c.updatedAt.getTime()).toBeLessThanOrEqual(after);
      }
      expect(await store.list('never-used')).toEqual([]);
    });

    it('deletes a checkpoint; deleting a missing one is not an error', async () => {
      await store.set('fx-events', 'lake-writer', DISK);
      await store.set('fx-events', 'fx-orchestrator', DISK);
      await store.delete('fx-events', 'lake-writer');
      expect(await store.get('fx-events', 'lake-writer')).toBeUndefined();
      expect((await store.list('fx-events')).map((c) => c.consumer)).toEqual(['fx-orchestrator']);
      await expect(store.delete('fx-events', 'lake-writer')).resolves.toBeUndefined();
      await expect(store.delete('never-used', 'nobody')).resolves.toBeUndefined();
    });

    it('keeps what a resolved set wrote across closing and reopening', async () => {
      await store.set('fx-events', 'lake-writer', DISK);
      await store.set('fx-events', 'fx-orchestrator', KINESIS);
      await store.delete('fx-events', 'fx-orchestrator');
      await store.close();
      store = await open();
      expect(await store.get('fx-events', 'lake-writer')).toBe(DISK);
      expect(await store.get('fx-events', 'fx-orchestrator')).toBeUndefined();
    });

    it('the last of many concurrent sets of one consumer wins, whole', async () => {
      const positions = Array.from({ length: 20 }, (_, i) => String(i).padStart(20, '0'));
      await Promise.all(positions.map((p) => store.set('fx-events', 'lake-writer', p)));
      expect(positions).toContain(await store.get('fx-events', 'lake-writer'));
      await store.set('fx-events', 'lake-writer', KINESIS);
      expect(await store.get('fx-events', 'lake-writer')).toBe(KINESIS);
    });

    it('refuses invalid stream and consumer names with a validation error', async () => {
      for (const bad of ['', '../x', 'a/b', 'con espacio', 'x'.repeat(129)]) {
        await expect(store.set('fx-events', bad, DISK), bad).rejects.toThrow(
          EventLogValidationError,
        );
        await expect(store.get('fx-events', bad), bad).rejects.toThrow(EventLogValidationError);
        await expect(store.set(bad, 'lake-writer', DISK), bad).rejects.toThrow(
          EventLogValidationError,
        );
      }
      for (const bad of ['.', '..']) {
        await expect(store.list(bad), bad).rejects.toThrow(EventLogValidationError);
      }
      expect(await store.list('fx-events')).toEqual([]);
    });
  });
}
