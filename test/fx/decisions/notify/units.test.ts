import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../../src/core/util/retry.js';
import {
  signWebhook,
  verifyWebhookSignature,
} from '../../../../src/fx/decisions/notify/channels/webhook-signature.js';
import { notifyConfigSchema } from '../../../../src/fx/decisions/notify/notify-config.js';
import { QuietHoursClock } from '../../../../src/fx/decisions/orchestrator/quiet-hours.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('quiet hours', () => {
  const clock = new QuietHoursClock();
  const isInQuietHours = (w: typeof q, at: Date): boolean => clock.isQuiet(w, at.getTime());
  const q = { start: '22:00', end: '07:00', timezone: 'America/Bogota' };
  it('crosses midnight in the user time zone (Bogotá is UTC-5)', () => {
    expect(isInQuietHours(q, new Date('2026-03-01T03:30:00Z'))).toBe(true); // 22:30
    expect(isInQuietHours(q, new Date('2026-03-01T11:59:00Z'))).toBe(true); // 06:59
    expect(isInQuietHours(q, new Date('2026-03-01T12:00:00Z'))).toBe(false); // 07:00
    expect(isInQuietHours(q, new Date('2026-03-01T02:59:00Z'))).toBe(false); // 21:59
  });
  it('handles a same-day window', () => {
    const day = { start: '13:00', end: '14:00', timezone: 'UTC' };
    expect(isInQuietHours(day, new Date('2026-03-01T13:00:00Z'))).toBe(true);
    expect(isInQuietHours(day, new Date('2026-03-01T14:00:00Z'))).toBe(false);
  });
});

describe('backoff with full jitter', () => {
  const retry = { baseMs: 1000, capMs: 300_000 };
  it('grows exponentially under a cap and is deterministic for a seed', () => {
    expect(backoffMs(1, retry, () => 0.999999)).toBe(999);
    expect(backoffMs(4, retry, () => 0.5)).toBe(4000);
    expect(backoffMs(30, retry, () => 0.999999)).toBe(299_999);
    const a = [1, 2, 3, 4, 5].map((n, i, arr) => backoffMs(n, retry, seeded(42 + i + arr.length)));
    const b = [1, 2, 3, 4, 5].map((n, i, arr) => backoffMs(n, retry, seeded(42 + i + arr.length)));
    expect(a).toEqual(b);
    for (const [i, v] of a.entries()) expect(v).toBeLessThan(1000 * 2 ** i);
  });
});

describe('webhook signatures', () => {
  it('verifies within the tolerance, accepts any of several v1 values', () => {
    const header = signWebhook('sec', '{"a":1}', 1_700_000_000);
    expect(verifyWebhookSignature('sec', '{"a":1}', header, { nowSeconds: 1_700_000_100 })).toBe(
      true,
    );
    expect(verifyWebhookSignature('sec', '{"a":1}', header, { nowSeconds: 1_700_000_400 })).toBe(
      false,
    );
    expect(
      verifyWebhookSignature('sec', '{"a":1}', `${header},v1=${'0'.repeat(64)}`, {
        nowSeconds: 1_700_000_000,
      }),
    ).toBe(true);
    expect(verifyWebhookSignature('sec', '{"a":1}', 'v1=abc', { nowSeconds: 1 })).toBe(false);
    expect(verifyWebhookSignature('sec', '{"a":1}', undefined)).toBe(false);
  });
});

describe('fx.notifications config', () => {
  it('has documented defaults and names bad keys', () => {
    const c = notifyConfigSchema.parse(undefined);
    expect(c.topic).toBe('recomendaciones');
    expect(c.retry).toEqual({ attempts: 6, baseMs: 1000, capMs: 300_000 });
    expect(c.webhooks.allowPrivateTargets).toEqual([]);
    const bad = notifyConfigSchema.safeParse({
      webhooks: { allowPrivateTargets: ['10.0.0.0/33', 'example.com'] },
      webPush: { subject: 'ops@example.com' },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual([
      'webPush.subject',
      'webhooks.allowPrivateTargets.0',
      'webhooks.allowPrivateTargets.1',
    ]);
  });
});
