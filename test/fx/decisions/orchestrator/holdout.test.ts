import { describe, expect, it } from 'vitest';
import { defaultOrchestratorConfig } from '../../../../src/fx/decisions/orchestrator/index.js';
import {
  featuresHash,
  isHeldOut,
  policyVersion,
} from '../../../../src/fx/decisions/orchestrator/holdout.js';

describe('holdout', () => {
  it('holds out about holdoutPercent of users, always the same ones for a salt', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `usuario-${i}`);
    const held = ids.filter((u) => isHeldOut(u, 'holdout-1', 10));
    // 10 % of 20,000 = 2,000; a binomial SD is 42: 5 SD either side.
    expect(held.length).toBeGreaterThan(1790);
    expect(held.length).toBeLessThan(2210);
    expect(ids.filter((u) => isHeldOut(u, 'holdout-1', 10))).toEqual(held);
    // Another salt draws another group, about as large.
    const other = ids.filter((u) => isHeldOut(u, 'holdout-2', 10));
    const overlap = other.filter((u) => held.includes(u)).length;
    expect(overlap).toBeLessThan(400); // independent draws share ~1 % of users
    expect(ids.some((u) => isHeldOut(u, 'x', 0))).toBe(false);
    expect(ids.every((u) => isHeldOut(u, 'x', 100))).toBe(true);
  });

  it('versions the policy by its settings, and fingerprints vectors', () => {
    const a = defaultOrchestratorConfig();
    const b = defaultOrchestratorConfig();
    expect(policyVersion(a)).toBe(policyVersion(b));
    b.policy.maxPerWeek = 3;
    expect(policyVersion(b)).not.toBe(policyVersion(a));
    const row = new Float32Array([1, 2, NaN]);
    expect(featuresHash(row)).toBe(featuresHash(new Float32Array([1, 2, NaN])));
    expect(featuresHash(row)).not.toBe(featuresHash(new Float32Array([1, 2, 3])));
  });
});
