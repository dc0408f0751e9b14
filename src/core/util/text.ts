/** Text normalisation shared by the crawler and the products. */

/** Lower-cases, strips accents and trims: `" Transacciónes "` → `"transacciones"`. */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .trim();
}

/** Normalises a header cell to a column name: folded, inner spaces → `_`, quotes/BOM removed. */
export function normalizeColumnName(s: string): string {
  return foldText(s.replace(/^\uFEFF/, '').replace(/^"|"$/g, ''))
    .replace(/[\s-]+/g, '_')
    .replace(/[^a-z0-9_]/g, '');
}
