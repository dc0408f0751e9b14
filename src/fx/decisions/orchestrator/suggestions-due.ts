/**
 * The suggestions due at a tick, in typed arrays reused across ticks (index `k < m`): tens of
 * thousands of objects kept through a tick would be promoted to the old generation and raise
 * the peak RSS.
 */
export class SuggestionsDue {
  /** Row of the scored user. */
  row = new Int32Array(0);
  /** 1 BUY, 2 SELL. */
  side = new Uint8Array(0);
  probability = new Float64Array(0);
  amount = new Float64Array(0);
  price = new Float64Array(0);
  /** Suggestions ignored in a row before this one. */
  ignored = new Int32Array(0);

  /** Makes room for `n` suggestions (the contents are not kept). */
  reserve(n: number): this {
    if (this.row.length < n) {
      const size = Math.ceil(n * 1.25);
      this.row = new Int32Array(size);
      this.side = new Uint8Array(size);
      this.probability = new Float64Array(size);
      this.amount = new Float64Array(size);
      this.price = new Float64Array(size);
      this.ignored = new Int32Array(size);
    }
    return this;
  }
}

/**
 * Indices (ascending) of the `cap` most probable of `probability[0 … m)` (`m > cap`): those
 * above the cap-th largest probability, then those equal to it in user order, as a stable sort
 * by descending probability would keep them. A native numeric sort finds that probability (a
 * comparator sort of 30,000 objects took tens of milliseconds).
 */
export function mostProbable(probability: Float64Array, m: number, cap: number): Int32Array {
  const sorted = probability.slice(0, m).sort();
  const cut = sorted[m - cap]!;
  let ties = cap;
  for (let k = 0; k < m; k++) if (probability[k]! > cut) ties--;
  const kept = new Int32Array(cap);
  let j = 0;
  for (let k = 0; k < m; k++) {
    const p = probability[k]!;
    if (p > cut || (p === cut && ties-- > 0)) kept[j++] = k;
  }
  return kept;
}
