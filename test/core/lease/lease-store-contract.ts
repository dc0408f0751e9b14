import { afterEach, beforeEach, expect, it } from 'vitest';
import { LeaseValidationError, type LeaseStore } from '../../../src/core/lease/lease.js';
import { eventually } from '../../util/eventually.js';

/**
 * The LeaseStore contract: every adapter runs these cases. `open()` opens a fresh, empty store;
 * `openAnother()` opens a second handle on the same store (another process's view).
 */
export function leaseStoreContract(
  make: () => Promise<{
    open: () => Promise<LeaseStore>;
    cleanup: () => Promise<void>;
  }>,
): void {
  let open: () => Promise<LeaseStore>;
  let cleanup: () => Promise<void>;
  let a: LeaseStore;
  let b: LeaseStore;

  beforeEach(async () => {
    ({ open, cleanup } = await make());
    a = await open();
    b = await open();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await cleanup();
  });

  it('grants a free lease, and refuses it to another owner while it is held', async () => {
    const lease = await a.acquire('fx-collector', 'uno', 10_000);
    expect(lease).toMatchObject({ name: 'fx-collector', owner: 'uno' });
    expect(lease!.token).toBeGreaterThan(0);
    expect(await b.acquire('fx-collector', 'dos', 10_000)).toBeUndefined();
    // The holder asking again renews, keeping its token.
    const again = await b.acquire('fx-collector', 'uno', 10_000);
    expect(again?.token).toBe(lease!.token);
  });

  it('lets another owner take an expired lease, with a larger fencing token', async () => {
    const first = await a.acquire('shard', 'uno', 150);
    expect(first).toBeDefined();
    const second = await eventually(() => b.acquire('shard', 'dos', 10_000), {
      timeoutMs: 5000,
    });
    expect(second.owner).toBe('dos');
    expect(second.token).toBeGreaterThan(first!.token);
    // The old holder cannot renew or release it any more.
    expect(await a.renew(first!, 10_000)).toBeUndefined();
    expect(await a.release(first!)).toBe(false);
    const listed = await a.list('shard');
    expect(listed).toEqual([expect.objectContaining({ owner: 'dos', expired: false })]);
  });

  it('renews a held lease (same token, later expiry by the store clock)', async () => {
    const lease = (await a.acquire('l', 'uno', 1000))!;
    const renewed = await b.renew(lease, 60_000);
    expect(renewed?.token).toBe(lease.token);
    expect(renewed!.expiresAt).toBeGreaterThan(lease.expiresAt);
    expect(renewed!.expiresAt - Date.now()).toBeGreaterThan(30_000);
  });

  it('release frees the lease at once and never resets the token', async () => {
    const lease = (await a.acquire('l', 'uno', 60_000))!;
    expect(await a.release(lease)).toBe(true);
    const next = await b.acquire('l', 'dos', 60_000);
    expect(next?.owner).toBe('dos');
    expect(next!.token).toBeGreaterThan(lease.token);
    // A release by someone who does not hold it changes nothing.
    expect(await a.release({ ...next!, owner: 'uno' })).toBe(false);
    expect(await a.acquire('l', 'tres', 60_000)).toBeUndefined();
  });

  it("re-acquiring one's own expired lease starts a new tenure", async () => {
    const lease = (await a.acquire('l', 'uno', 100))!;
    await eventually(async () => (await a.list('l'))[0]?.expired, { timeoutMs: 5000 });
    const again = (await a.acquire('l', 'uno', 60_000))!;
    expect(again.token).toBeGreaterThan(lease.token);
  });

  it('of many owners racing for a lease exactly one wins', async () => {
    const stores = [a, b, a, b, a, b, a, b];
    const results = await Promise.all(
      stores.map((s, i) => s.acquire('carrera', `owner-${i}`, 60_000)),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('lists leases by name prefix, in name order, with their expiry', async () => {
    await a.acquire('fx-processor/fx-events/shards/s2', 'uno', 60_000);
    await a.acquire('fx-processor/fx-events/shards/s1', 'dos', 60_000);
    await a.acquire('fx-processor/otro/shards/s1', 'uno', 60_000);
    await a.acquire('fx_collector', 'uno', 60_000);
    const listed = await b.list('fx-processor/fx-events/');
    expect(listed.map((l) => [l.name, l.owner, l.expired])).toEqual([
      ['fx-processor/fx-events/shards/s1', 'dos', false],
      ['fx-processor/fx-events/shards/s2', 'uno', false],
    ]);
    // `_` and `%` in a prefix are characters, not patterns.
    expect((await b.list('fx_')).map((l) => l.name)).toEqual(['fx_collector']);
    expect((await b.list('FX')).map((l) => l.name)).toEqual([]);
    expect((await b.list()).length).toBe(4);
  });

  it('refuses bad names, owners and TTLs with a validation error', async () => {
    await expect(a.acquire('', 'uno', 1000)).rejects.toThrow(LeaseValidationError);
    await expect(a.acquire('con espacio', 'uno', 1000)).rejects.toThrow(LeaseValidationError);
    await expect(a.acquire('ok', '', 1000)).rejects.toThrow(LeaseValidationError);
    await expect(a.acquire('ok', 'uno', 0)).rejects.toThrow(LeaseValidationError);
    await expect(a.acquire('ok', 'uno', 1.5)).rejects.toThrow(LeaseValidationError);
    expect(await a.list()).toEqual([]);
  });
}
