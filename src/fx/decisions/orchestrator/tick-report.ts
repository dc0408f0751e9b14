/** What the tick decider reports of a tick, and the scoring pool it may use. */
import type { Recommendation } from '../../events.js';
import type { LastSuggestion, SkipReason } from './policy.js';
import type { ScoringModel } from './scorer.js';

/** A decided recommendation and the state it leaves for the user. */
export interface Decided {
  event: Recommendation;
  last: LastSuggestion;
}

/** How the rules would have decided, beside the model (counts per tick). */
export interface ShadowReport {
  /** Both suggested the same side, or both stayed silent. */
  agree: number;
  /** Only the model / only the rules suggested, or they chose different sides. */
  modelOnly: number;
  rulesOnly: number;
  differentSide: number;
}

/** Where one tick's decision time went (milliseconds). */
export interface TickTimings {
  /** The score-free checks of every user (funds, quiet hours, cooldown). */
  gateMs: number;
  /** The feature vectors of the users not gated. */
  vectorsMs: number;
  /** Model (or rules) scores, and the rules' shadow scores. */
  scoreMs: number;
  /** The policy per scored user, the cap, reasons and events of the suggestions. */
  policyMs: number;
  /**
   * The rules' shadow scores and their comparison with the model's decisions; 0 until
   * computed (`decideAsync` leaves it to {@link TickDecider.compareShadow}, after the hand-off).
   */
  shadowMs: number;
}

/** What one tick decided. */
export interface TickReport {
  tickId: string;
  users: number;
  /** Users scored: the others were gated (skipped whatever their scores). */
  scored: number;
  scorer: 'model' | 'reglas';
  version: string;
  /** The model failed and the rules served this tick (the error). */
  fallback?: string;
  decided: Decided[];
  /**
   * Users skipped, per reason. A gated user counts under its gate's reason (`no-funds`,
   * `quiet-hours`, `cooldown`) even when its scores would also have been below the thresholds;
   * `deferred` counts suggestions due but over the tick's cap.
   */
  skipped: Record<SkipReason, number>;
  /** Suggestions decided for users in the holdout (recorded as `control`, not to be notified). */
  heldOut?: number;
  /** Users whose first suggestion waits for their consent (ask them), when any. */
  consentRequests?: string[];
  /**
   * How the rules would have decided (with a model and `shadowRules`). The model's side is its
   * policy decision before the cap: a deferred suggestion counts as the model's suggestion.
   */
  shadow?: ShadowReport;
  timings: TickTimings;
}

/** Scores model rows off the calling thread (the orchestrator's parallel predictor). */
export interface ModelPool {
  /** `out`: a buffer to reuse, when the pool can write into it. */
  predict(
    model: ScoringModel,
    x: Float32Array,
    nRows: number,
    out?: Float64Array,
  ): Promise<Float64Array>;
}
