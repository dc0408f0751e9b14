import { retry } from '../../../core/util/retry.js';
import { midOf, PriceSourceError, type PriceSource, type Quote } from '../price-source.js';

export interface HttpPriceSourceOptions {
  /** The JSON endpoint, e.g. `https://example.com/fx/usdcop`. */
  url: string;
  /** Dotted path of the bid (COP per USD, a number or numeric string). @default 'bid' */
  bidField?: string;
  /** @default 'ask' */
  askField?: string;
  /** Dotted path of the observation time (ISO 8601 or epoch ms); absent: the fetch time. */
  timeField?: string;
  /** Per attempt. @default 5000 */
  timeoutMs?: number;
  /** Further attempts after a failure. @default 3 */
  retries?: number;
  /** Ceiling of the first backoff; doubled each retry, full jitter (`core/util/retry.ts`). @default 200 */
  backoffMs?: number;
  /** @default `http:<host>` */
  name?: string;
  headers?: Record<string, string>;
}

/**
 * Reads a quote from a JSON HTTP endpoint, mapping fields by dotted paths
 * (`data.quote.bid`, `rates.0.ask`). Each attempt has a timeout; network errors, timeouts,
 * 5xx/408/429 answers and unparseable or incomplete bodies are retried with exponential backoff.
 *
 * @example
 * new HttpPriceSource({ url, bidField: 'data.bid', askField: 'data.ask', timeField: 'data.ts' })
 */
export class HttpPriceSource implements PriceSource {
  readonly name: string;
  private readonly o: Required<Omit<HttpPriceSourceOptions, 'timeField' | 'name' | 'headers'>>;

  constructor(private readonly options: HttpPriceSourceOptions) {
    this.name = options.name ?? `http:${new URL(options.url).host}`;
    this.o = {
      url: options.url,
      bidField: options.bidField ?? 'bid',
      askField: options.askField ?? 'ask',
      timeoutMs: options.timeoutMs ?? 5000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 200,
    };
  }

  async fetch(now: Date): Promise<Quote | undefined> {
    const failures: string[] = [];
    try {
      return await retry(
        async (attempt) => {
          try {
            return await this.attempt(now);
          } catch (err) {
            failures.push(`attempt ${attempt}: ${(err as Error).message}`);
            throw err;
          }
        },
        {
          attempts: this.o.retries + 1,
          baseMs: this.o.backoffMs,
          capMs: this.o.backoffMs * 2 ** this.o.retries,
          retryable: (err) => !(err instanceof PermanentError),
        },
      );
    } catch {
      // every attempt failed: the error names them all
    }
    throw new PriceSourceError(
      `price source ${this.o.url} failed after ${failures.length} attempt(s): ${failures.join('; ')}`,
    );
  }

  private async attempt(now: Date): Promise<Quote> {
    let res: Response;
    try {
      res = await fetch(this.o.url, {
        signal: AbortSignal.timeout(this.o.timeoutMs),
        headers: { accept: 'application/json', ...this.options.headers },
      });
    } catch (err) {
      const e = err as Error;
      throw new Error(
        e.name === 'TimeoutError' ? `timed out after ${this.o.timeoutMs} ms` : e.message,
        { cause: err },
      );
    }
    const text = await res.text();
    if (!res.ok) {
      const msg = `HTTP ${res.status}`;
      if (res.status >= 500 || res.status === 408 || res.status === 429) throw new Error(msg);
      throw new PermanentError(msg);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    const bid = price(pick(body, this.o.bidField), this.o.bidField);
    const ask = price(pick(body, this.o.askField), this.o.askField);
    if (bid > ask) throw new Error(`bid ${bid / 100} is above ask ${ask / 100}`);
    let observedAt = now.toISOString();
    if (this.options.timeField) {
      const raw = pick(body, this.options.timeField);
      const ms = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : NaN;
      if (!Number.isFinite(ms)) {
        throw new Error(`${this.options.timeField}: ${JSON.stringify(raw)} is not a time`);
      }
      observedAt = new Date(ms).toISOString();
    }
    return {
      bidCopCents: bid,
      askCopCents: ask,
      midCopCents: midOf(bid, ask),
      observedAt,
      source: this.name,
    };
  }
}

class PermanentError extends Error {}

/** The value at a dotted path (`a.b.0.c`), or `undefined`. */
export function pick(value: unknown, dotted: string): unknown {
  let v = value;
  for (const key of dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function price(raw: unknown, field: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0 || (typeof raw === 'string' && raw.trim() === '')) {
    throw new Error(`${field}: ${JSON.stringify(raw)} is not a positive price`);
  }
  return Math.round(n * 100);
}
