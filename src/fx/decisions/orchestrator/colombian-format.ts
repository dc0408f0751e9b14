/**
 * Numbers as Colombian users read them: decimal comma, thousands with a dot (`1.250.000`,
 * `1,8`). One formatter per precision, created once: `Intl.NumberFormat` is costly to build.
 */
const formats = new Map<string, Intl.NumberFormat>();

function formatter(min: number, max: number): Intl.NumberFormat {
  const key = `${min}:${max}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat('es-CO', {
      minimumFractionDigits: min,
      maximumFractionDigits: max,
    });
    formats.set(key, f);
  }
  return f;
}

/**
 * `value` with exactly `decimals` decimals, Colombian style.
 * @example formatNumber(1234.5, 1) // '1.234,5'
 */
export function formatNumber(value: number, decimals = 0): string {
  return formatter(decimals, decimals).format(value);
}

/**
 * A fraction as a percentage with its sign dropped (the phrase says up or down): one decimal,
 * two below 0.1 %, so a small move does not read as `0,0 %`.
 * @example formatPercent(-0.018) // '1,8 %'
 */
export function formatPercent(fraction: number): string {
  const pct = Math.abs(fraction) * 100;
  return `${formatNumber(pct, pct > 0 && pct < 0.1 ? 2 : 1)} %`;
}

/**
 * Whole USD or COP for a sentence: no decimals, thousands grouped.
 * @example formatMoney(1250000.4) // '1.250.000'
 */
export function formatMoney(units: number): string {
  return formatNumber(Math.round(units), 0);
}
