import { createHash } from 'node:crypto';
import type { OrchestratorConfig } from './orchestrator-config.js';

/**
 * Whether `userId` is in the random holdout (`percent` of users): a 32-bit FNV-1a hash of the
 * salt and the id, so membership is sticky (the same user, salt and percent always give the same
 * answer), needs no stored state, and is independent of everything the model sees.
 * @example isHeldOut('u-42', 'holdout-1', 10) // true for about 1 user in 10
 */
export function isHeldOut(userId: string, salt: string, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  let h = 0x811c9dc5;
  const key = `${salt}:${userId}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Basis points of the unsigned hash: percent may have two decimals.
  return (h >>> 0) % 10_000 < Math.round(percent * 100);
}

/** Bumped when the policy's code changes what it decides. */
const POLICY_CODE_VERSION = 'politica-2';

/**
 * The policy version recorded with each recommendation: the policy code's version and a hash of
 * the settings that decide (policy, holdout, outcome horizon), so two runs with different
 * settings never share a version.
 * @example policyVersion(config) // 'politica-2-3fa9c07e'
 */
export function policyVersion(
  config: Pick<OrchestratorConfig, 'policy' | 'outcomeHorizonHours'> &
    Partial<Pick<OrchestratorConfig, 'holdoutPercent' | 'holdoutSalt'>>,
): string {
  const settings = JSON.stringify({
    policy: config.policy,
    horizon: config.outcomeHorizonHours,
    holdout: [config.holdoutPercent ?? 0, config.holdoutSalt ?? ''],
  });
  return `${POLICY_CODE_VERSION}-${createHash('sha256').update(settings).digest('hex').slice(0, 8)}`;
}

/** SHA-256 (hex, first 16 characters) of a vector's float32 bytes: the audit's fingerprint. */
export function featuresHash(row: Float32Array): string {
  return (
    createHash('sha256')
      // A copy: the row may live in shared memory.
      .update(new Uint8Array(row.slice().buffer))
      .digest('hex')
      .slice(0, 16)
  );
}
