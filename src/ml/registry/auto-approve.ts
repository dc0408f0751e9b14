import { z } from 'zod';
import type { ModelVersion } from './model-registry.js';

/**
 * A metric expression over a version's metrics object: a dotted path (`venta.rocAuc`), or
 * `min(…)`, `max(…)`, `mean(…)` of expressions (`min(compra.rocAuc, venta.rocAuc)`).
 */
export type MetricExpression =
  { kind: 'path'; path: string[] } | { kind: 'min' | 'max' | 'mean'; args: MetricExpression[] };

/** Parses a metric expression; throws an Error naming what is wrong. */
export function parseMetricExpression(text: string): MetricExpression {
  let pos = 0;
  const src = text;
  const skip = () => {
    while (pos < src.length && /\s/.test(src[pos]!)) pos++;
  };
  const expr = (): MetricExpression => {
    skip();
    const m = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*/.exec(src.slice(pos));
    if (!m) throw new Error(`metric expression ${JSON.stringify(text)}: expected a name at ${pos}`);
    pos += m[0].length;
    skip();
    if (src[pos] !== '(') return { kind: 'path', path: m[0].split('.') };
    const fn = m[0];
    if (fn !== 'min' && fn !== 'max' && fn !== 'mean') {
      throw new Error(`metric expression ${JSON.stringify(text)}: unknown function ${fn}`);
    }
    pos++;
    const args = [expr()];
    skip();
    while (src[pos] === ',') {
      pos++;
      args.push(expr());
      skip();
    }
    if (src[pos] !== ')') {
      throw new Error(`metric expression ${JSON.stringify(text)}: expected ")" at ${pos}`);
    }
    pos++;
    return { kind: fn, args };
  };
  const result = expr();
  skip();
  if (pos !== src.length) {
    throw new Error(`metric expression ${JSON.stringify(text)}: unexpected text at ${pos}`);
  }
  return result;
}

/** Evaluates an expression; `undefined` when a metric it needs is absent or not a number. */
export function evaluateMetric(
  metrics: Record<string, unknown>,
  expr: MetricExpression,
): number | undefined {
  if (expr.kind === 'path') {
    let v: unknown = metrics;
    for (const part of expr.path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[part];
    }
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
  const values: number[] = [];
  for (const a of expr.args) {
    const v = evaluateMetric(metrics, a);
    if (v === undefined) return undefined;
    values.push(v);
  }
  if (expr.kind === 'min') return Math.min(...values);
  if (expr.kind === 'max') return Math.max(...values);
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** The auto-approve policy (config `fx.model.registry.autoApprove`). */
export const autoApprovePolicySchema = z.strictObject({
  /** Validation metric, e.g. `min(compra.rocAuc, venta.rocAuc)`. */
  metric: z.string().superRefine((s, ctx) => {
    try {
      parseMetricExpression(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  /** The new version must beat the approved one by at least this much. @default 0.01 */
  margin: z.number().min(0).default(0.01),
  /** `false` for losses (log loss, Brier): lower is better. @default true */
  higherIsBetter: z.boolean().default(true),
  /** Approve the first version of a group (nothing approved yet). @default false */
  approveFirst: z.boolean().default(false),
});
export type AutoApprovePolicy = z.output<typeof autoApprovePolicySchema>;
export type AutoApprovePolicyInput = z.input<typeof autoApprovePolicySchema>;

export interface AutoApproveDecision {
  approve: boolean;
  /** Why, in words; recorded in the audit history. */
  reason: string;
}

const fmt = (v: number) => Number(v.toFixed(6)).toString();

/** Decides whether `candidate` replaces `current` (the newest approved version, if any). */
export function decideAutoApproval(
  policy: AutoApprovePolicy,
  candidate: ModelVersion,
  current: ModelVersion | undefined,
): AutoApproveDecision {
  const expr = parseMetricExpression(policy.metric);
  const value = evaluateMetric(candidate.metrics, expr);
  if (value === undefined) {
    return {
      approve: false,
      reason: `auto-approve: v${candidate.version} has no numeric ${policy.metric}; left for manual approval`,
    };
  }
  if (!current) {
    return policy.approveFirst
      ? {
          approve: true,
          reason: `auto-approve: first approved version of ${candidate.group} (${policy.metric} = ${fmt(value)})`,
        }
      : {
          approve: false,
          reason: `auto-approve: nothing approved yet in ${candidate.group} and approveFirst is off; left for manual approval`,
        };
  }
  const base = evaluateMetric(current.metrics, expr);
  if (base === undefined) {
    return {
      approve: false,
      reason: `auto-approve: approved v${current.version} has no numeric ${policy.metric}; left for manual approval`,
    };
  }
  const gain = policy.higherIsBetter ? value - base : base - value;
  const approve = gain >= policy.margin;
  return {
    approve,
    reason:
      `auto-approve: ${policy.metric} = ${fmt(value)} vs v${current.version}'s ${fmt(base)} ` +
      `(${policy.higherIsBetter ? 'higher' : 'lower'} is better): ` +
      (approve
        ? `beats it by ${fmt(gain)} ≥ margin ${policy.margin}`
        : `does not beat it by the margin ${policy.margin}; left for manual approval`),
  };
}
