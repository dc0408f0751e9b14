import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256Thread } from '../../../src/core/util/sha256-thread.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('Sha256Thread', () => {
  it('hashes every byte in order, with chunks larger than a slot and every slot busy', async () => {
    const body = randomBytes(100_003);
    // 3 slots of 1 000 bytes: a chunk spans many slots, and update waits for freed ones.
    const hash = new Sha256Thread({ slots: 3, slotBytes: 1000 });
    const sizes = [0, 1, 999, 1000, 1001, 7, 25_000, 0, 3];
    let at = 0;
    for (let i = 0; at < body.length; i++) {
      const n = sizes[i % sizes.length]!;
      await hash.update(body.subarray(at, at + n));
      at += n;
    }
    expect(await hash.digest()).toBe(sha(body));
  });

  it('hashes a copy: the caller may overwrite its chunk as soon as update resolves', async () => {
    const chunk = Buffer.alloc(4096);
    const expected = createHash('sha256');
    const hash = new Sha256Thread({ slots: 2, slotBytes: 1024 });
    for (let i = 0; i < 50; i++) {
      chunk.fill(i);
      expected.update(chunk);
      await hash.update(chunk);
    }
    expect(await hash.digest()).toBe(expected.digest('hex'));
  });

  it('hashes slots filled in place (no copy), released ones skipped, mixed with update', async () => {
    const body = randomBytes(10_007);
    const hash = new Sha256Thread({ slots: 2, slotBytes: 1000 });
    await hash.update(body.subarray(0, 1500));
    for (let at = 1500; at < body.length;) {
      const slot = await hash.slot();
      expect(slot.bytes.length).toBe(1000);
      const n = body.copy(slot.bytes, 0, at, Math.min(at + 700, body.length));
      hash.submit(slot.index, n);
      at += n;
      // A slot taken and given back unused adds nothing.
      const spare = await hash.slot();
      spare.bytes.fill(0xff);
      hash.release(spare.index);
    }
    expect(await hash.digest()).toBe(sha(body));
  });

  it('gives the digest of nothing when given nothing', async () => {
    expect(await new Sha256Thread().digest()).toBe(sha(Buffer.alloc(0)));
  });

  it('refuses updates once aborted', async () => {
    const hash = new Sha256Thread({ slots: 1, slotBytes: 16 });
    await hash.update(Buffer.from('abc'));
    await hash.abort();
    await expect(hash.update(Buffer.alloc(64))).rejects.toThrow('stopped');
    await expect(hash.digest()).rejects.toThrow('stopped');
  });
});
