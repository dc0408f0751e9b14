import { type PriceSource, type Quote } from '../price-source.js';
import { SeededRandom } from './random.js';

const YEAR_MS = 365.25 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface SimulatedPriceSourceOptions {
  /** @default 7 */
  seed?: number;
  /** Long-run mid level, COP per USD. @default 4050 */
  meanMidCop?: number;
  /** Annualized volatility of the diffusion. @default 0.10 */
  annualVolatility?: number;
  /**
   * Mean-reversion speed of the log price per year (a half-life of ln 2 / κ years), which keeps
   * the level realistic (about 3,900–4,200 with the defaults) over long runs.
   * @default 50
   */
  meanReversionPerYear?: number;
  /** Expected jumps per day (Poisson). @default 0.2 */
  jumpsPerDay?: number;
  /** Jump size range as fractions; the sign is random. @default [0.005, 0.015] */
  jumpSize?: [number, number];
  /** Bid–ask spread range as fractions of the mid. @default [0.001, 0.003] */
  spread?: [number, number];
  /** @default 'simulated' */
  name?: string;
}

/**
 * A simulated COP/USD market: the log mid follows a mean-reverting diffusion (Ornstein–Uhlenbeck,
 * exact for any step, i.e. GBM-like intraday with `annualVolatility` scaled to the tick interval)
 * plus Poisson jumps of ±0.5–1.5 %; bid and ask sit around the mid with a 0.1–0.3 % spread.
 *
 * Deterministic: the same seed and the same sequence of `fetch` timestamps give the same quotes.
 * A timestamp not after the previous one returns the previous quote unchanged.
 *
 * @example
 * const source = new SimulatedPriceSource({ seed: config.fx.prices.seed });
 * const quote = await source.fetch(new Date());
 */
export class SimulatedPriceSource implements PriceSource {
  readonly name: string;
  private readonly rng: SeededRandom;
  private readonly o: Required<Omit<SimulatedPriceSourceOptions, 'seed' | 'name'>>;
  private logDeviation: number | undefined;
  /** The current regime (see {@link setRegime}). */
  private volatilityScale = 1;
  private levelShift = 0;
  private lastMs = -Infinity;
  private last: Quote | undefined;

  constructor(options: SimulatedPriceSourceOptions = {}) {
    this.name = options.name ?? 'simulated';
    this.rng = new SeededRandom(options.seed ?? 7);
    this.o = {
      meanMidCop: options.meanMidCop ?? 4050,
      annualVolatility: options.annualVolatility ?? 0.1,
      meanReversionPerYear: options.meanReversionPerYear ?? 50,
      jumpsPerDay: options.jumpsPerDay ?? 0.2,
      jumpSize: options.jumpSize ?? [0.005, 0.015],
      spread: options.spread ?? [0.001, 0.003],
    };
  }

  fetch(now: Date): Promise<Quote | undefined> {
    return Promise.resolve(this.step(now.getTime()));
  }

  /**
   * Switches the market's regime from the next step: the volatility times `volatilityScale`, and
   * the long-run level moved by `levelShift` (a fraction: 0.03 = 3 % dearer dollar), towards which
   * the price then drifts. `setRegime(1, 0)` is the configured market.
   */
  setRegime(volatilityScale: number, levelShift: number): void {
    this.volatilityScale = volatilityScale;
    this.levelShift = levelShift;
  }

  /** The quote at `ms` (synchronous core of `fetch`). */
  step(ms: number): Quote {
    if (!Number.isFinite(ms)) throw new RangeError('invalid timestamp');
    if (this.last && ms <= this.lastMs) return this.last;
    const { annualVolatility: sigma, meanReversionPerYear: kappa } = this.o;
    if (this.logDeviation === undefined) {
      this.logDeviation = 0.01 * this.rng.normal();
    } else {
      const dtYears = (ms - this.lastMs) / YEAR_MS;
      const decay = Math.exp(-kappa * dtYears);
      const sd = sigma * this.volatilityScale * Math.sqrt((1 - decay * decay) / (2 * kappa));
      const target = Math.log(1 + this.levelShift);
      let x = target + (this.logDeviation - target) * decay + sd * this.rng.normal();
      const jumps = this.rng.poisson((this.o.jumpsPerDay * (ms - this.lastMs)) / DAY_MS);
      for (let i = 0; i < jumps; i++) {
        const [lo, hi] = this.o.jumpSize;
        const size = lo + (hi - lo) * this.rng.uniform();
        x += Math.log(1 + (this.rng.uniform() < 0.5 ? -size : size));
      }
      this.logDeviation = x;
    }
    const mid = Math.round(this.o.meanMidCop * Math.exp(this.logDeviation) * 100);
    const [slo, shi] = this.o.spread;
    const spread = slo + (shi - slo) * this.rng.uniform();
    const half = Math.max(1, Math.round((mid * spread) / 2));
    this.lastMs = ms;
    this.last = {
      bidCopCents: mid - half,
      askCopCents: mid + half,
      midCopCents: mid,
      observedAt: new Date(ms).toISOString(),
      source: this.name,
    };
    return this.last;
  }
}
