import type { FxEvent, PriceTick, Recommendation } from '../../events.js';
import type { SimulationAdvisor } from '../../simulate/simulate.js';
import { OnlineFeatureStore } from '../features/index.js';
import type { OrchestratorConfig } from './orchestrator-config.js';
import type { LastSuggestion } from './policy.js';
import { rulesScorer } from './rules-scorer.js';
import { modelScorer, type Scorer, type ScoringModel } from './scorer.js';
import { TickDecider } from './tick-decider.js';

export interface SimulationAdvisorOptions {
  /** `fx.orchestrator`: policy, holdout, horizon. */
  config: OrchestratorConfig;
  /** A model to suggest with; without one (and without `scorer`) the rules decide. */
  model?: { model: ScoringModel; version: string; group?: string };
  /** Any scorer (tests); wins over `model`. */
  scorer?: Scorer;
  /** Decide on at most one tick per this many minutes. @default 15 */
  everyMinutes?: number;
  /** @default 'America/Bogota' */
  timezone?: string;
}

/**
 * The orchestrator's decisions inside a simulation (`simulateHistory({ advisor })`): the same
 * feature store, scorer, policy and holdout as `corriente up`, on the simulated clock, with the
 * last suggestions in memory. Every user counts as consenting (the simulation has no
 * preferences). What `fx simulate --respond` runs, so the lift report has a known truth to find.
 *
 * @example
 * await simulateHistory({ datalake, users: 500, days: 60, advisor: simulationAdvisor({ config }), effects: DEFAULT_RESPONSE_EFFECTS });
 */
export function simulationAdvisor(o: SimulationAdvisorOptions): SimulationAdvisor {
  const features = new OnlineFeatureStore({ timezone: o.timezone ?? 'America/Bogota' });
  const rules = rulesScorer(features.featureNames, o.config.rules);
  const scorer =
    o.scorer ??
    (o.model
      ? modelScorer(
          {
            model: o.model.model,
            version: o.model.version,
            ...(o.model.group ? { group: o.model.group } : {}),
          },
          features.featureNames,
        )
      : rules);
  const lasts = new Map<string, LastSuggestion>();
  let clock = 0;
  const decider = new TickDecider({
    features,
    models: { current: () => (scorer.kind === 'model' ? scorer : undefined) },
    rules: scorer.kind === 'rules' ? scorer : rules,
    config: { ...o.config, shadowRules: false },
    lastOf: (u) => lasts.get(u),
    now: () => clock,
  });
  const everyMs = (o.everyMinutes ?? 15) * 60_000;
  let next = -Infinity;
  return {
    observe(event: FxEvent): void {
      features.observe(event);
    },
    decide(tick: PriceTick): readonly Recommendation[] {
      const ms = Date.parse(tick.observedAt);
      if (ms < next) return [];
      next = ms + everyMs;
      clock = ms;
      const report = decider.decide(tick);
      for (const d of report.decided) lasts.set(d.event.userId, d.last);
      return report.decided.map((d) => d.event);
    },
  };
}
