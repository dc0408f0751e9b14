import { z } from 'zod';
import { totalCopCents, type FxEvent } from '../events.js';

// The very pattern zod checks `z.iso.datetime({ offset: true })` with (same zod, same options).
const INSTANT: RegExp = (
  z.iso.datetime({ offset: true }) as unknown as { _zod: { pattern: RegExp } }
)._zod.pattern;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const isInstant = (v: unknown): boolean => typeof v === 'string' && INSTANT.test(v);
const isUlid = (v: unknown): boolean => typeof v === 'string' && ULID.test(v);
const isPositiveCents = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 1e13;
const isCents = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
const isText = (v: unknown, max: number): boolean =>
  typeof v === 'string' && v.length >= 1 && v.length <= max;

/**
 * A fast, conservative check of the FX event schemas (`fxEventSchema` in `events.ts`), for the
 * processor's hot path: `true` only for values the schema accepts. `false` means "ask zod" (which
 * gives the error message, or accepts what this check is too strict for). Unknown keys are left
 * in place, where zod would strip them; the raw rows read only known fields.
 */
export function isValidFxEvent(v: unknown): v is FxEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  if (e.version !== 1 || !isUlid(e.id) || !isInstant(e.ingestedAt)) return false;
  switch (e.type) {
    case 'PriceTick':
      return (
        isText(e.source, 100) &&
        isPositiveCents(e.bidCopCents) &&
        isPositiveCents(e.askCopCents) &&
        isPositiveCents(e.midCopCents) &&
        e.bidCopCents <= e.midCopCents &&
        e.midCopCents <= e.askCopCents &&
        isInstant(e.observedAt)
      );
    case 'AccountOpened':
      return (
        isText(e.userId, 64) && isCents(e.copCents) && isCents(e.usdCents) && isInstant(e.openedAt)
      );
    case 'TransactionExecuted':
      return (
        isText(e.userId, 64) &&
        (e.side === 'BUY' || e.side === 'SELL') &&
        isPositiveCents(e.amountUsdCents) &&
        isPositiveCents(e.priceCopCents) &&
        isPositiveCents(e.totalCopCents) &&
        Number.isSafeInteger(e.amountUsdCents * e.priceCopCents) &&
        e.totalCopCents === totalCopCents(e.amountUsdCents, e.priceCopCents) &&
        (e.priceTickId === undefined || isUlid(e.priceTickId)) &&
        (e.idempotencyKey === undefined || isText(e.idempotencyKey, 200)) &&
        (e.requestHash === undefined || typeof e.requestHash === 'string') &&
        isInstant(e.executedAt)
      );
    case 'Recommendation':
      return isValidRecommendation(e);
    default:
      return false;
  }
}

const isProbability = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;
const isOptionalText = (v: unknown, max: number): boolean => v === undefined || isText(v, max);

function isAudit(a: unknown): boolean {
  if (typeof a !== 'object' || a === null) return false;
  const x = a as Record<string, unknown>;
  return (
    Array.isArray(x.features) &&
    x.features.length <= 500 &&
    x.features.every((v) => v === null || typeof v === 'number') &&
    isText(x.featureVersion, 100) &&
    isText(x.featuresHash, 64) &&
    typeof x.copCents === 'number' &&
    typeof x.usdCents === 'number' &&
    isText(x.policyVersion, 100) &&
    Array.isArray(x.rules) &&
    x.rules.length <= 50 &&
    x.rules.every((r) => isText(r, 64))
  );
}

function isValidRecommendation(e: Record<string, unknown>): boolean {
  if (!(
    isText(e.userId, 64) &&
    (e.side === 'BUY' || e.side === 'SELL') &&
    isProbability(e.probability) &&
    (e.scorer === 'model' || e.scorer === 'reglas') &&
    isOptionalText(e.modelGroup, 100) &&
    isText(e.modelVersion, 100) &&
    isUlid(e.priceTickId) &&
    isPositiveCents(e.priceCopCents) &&
    isPositiveCents(e.suggestedAmountUsdCents) &&
    isInstant(e.createdAt) &&
    isInstant(e.expiresAt) &&
    Date.parse(e.expiresAt as string) > Date.parse(e.createdAt as string) &&
    Array.isArray(e.reasons) &&
    e.reasons.length <= 3 &&
    (e.spreadCostCopCents === undefined ||
      (Number.isInteger(e.spreadCostCopCents) && (e.spreadCostCopCents as number) >= 0)) &&
    (e.group === undefined || e.group === 'tratamiento' || e.group === 'control') &&
    (e.audit === undefined || isAudit(e.audit))
  )) {
    return false;
  }
  for (const r of e.reasons as unknown[]) {
    if (typeof r !== 'object' || r === null) return false;
    const reason = r as Record<string, unknown>;
    if (!isText(reason.code, 64) || !isText(reason.texto, 300)) return false;
  }
  return true;
}
