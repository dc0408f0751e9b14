import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  NotificationRequest,
  Notifier,
} from '../../../../src/fx/decisions/notify/notifier.js';
import type { StoredNotification } from '../../../../src/fx/decisions/notify/sqlite/records.js';
import { rec } from './harness.js';

/** What reached a user, as the contract compares it: the stored notification without its SSE id. */
export type Received = Omit<StoredNotification, 'seq'>;

/**
 * A notifier and a view of what it queued for delivery. `received(userId)` lists what reached
 * that user, oldest first; `breakIt()` makes its backend refuse every further write.
 */
export type MakeNotifier = () => Promise<{
  notifier: Notifier;
  received: (userId: string) => Promise<Received[]>;
  breakIt: () => void;
  cleanup: () => Promise<void>;
}>;

/** The Notifier contract: every adapter runs this suite. */
export function notifierContract(name: string, make: MakeNotifier): void {
  describe(`Notifier contract: ${name}`, () => {
    let notifier: Notifier;
    let received: (userId: string) => Promise<Received[]>;
    let breakIt: () => void;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ notifier, received, breakIt, cleanup } = await make());
    });
    afterEach(() => cleanup());

    const burst = (requests: readonly NotificationRequest[]): Promise<void> =>
      notifier.notifyMany
        ? notifier.notifyMany(requests)
        : Promise.all(requests.map((r) => notifier.notify(r))).then(() => undefined);

    it('once notify resolves, the notification is queued for its user, whole', async () => {
      const n = rec('u_ana', 'Buen momento para comprar dólares');
      await notifier.notify(n);
      // Every field of the request, as it was given.
      expect(await received('u_ana')).toEqual([{ ...n }]);
    });

    it('a user receives only their own notifications', async () => {
      const a = rec('u_ana');
      const b = rec('u_beto');
      await Promise.all([notifier.notify(a), notifier.notify(b)]);
      expect((await received('u_ana')).map((r) => r.id)).toEqual([a.id]);
      expect((await received('u_beto')).map((r) => r.id)).toEqual([b.id]);
      expect(await received('u_nadie')).toEqual([]);
    });

    it('notifying the same id again is a no-op', async () => {
      const n = rec('u_ana');
      await notifier.notify(n);
      await notifier.notify(n);
      await burst([n]);
      expect((await received('u_ana')).map((r) => r.id)).toEqual([n.id]);
    });

    it('a burst of many users (more than one batch) is queued whole once it resolves', async () => {
      const requests = Array.from({ length: 23 }, (_, i) => rec(`u_${i % 7}`, `aviso ${i}`));
      await burst(requests);
      for (let u = 0; u < 7; u++) {
        const mine = requests.filter((r) => r.userId === `u_${u}`);
        expect((await received(`u_${u}`)).map((r) => r.id).sort()).toEqual(
          mine.map((r) => r.id).sort(),
        );
      }
    });

    it('many notify calls in one turn all resolve, each queued once', async () => {
      const requests = Array.from({ length: 23 }, (_, i) => rec('u_ana', `aviso ${i}`));
      await Promise.all(requests.map((r) => notifier.notify(r)));
      const got = (await received('u_ana')).map((r) => r.id);
      expect(got.sort()).toEqual(requests.map((r) => r.id).sort());
    });

    it('rejects when its backend cannot queue the notification', async () => {
      await notifier.notify(rec('u_ana'));
      breakIt();
      await expect(notifier.notify(rec('u_ana'))).rejects.toThrow();
      await expect(burst([rec('u_beto'), rec('u_ana')])).rejects.toThrow();
    });
  });
}
