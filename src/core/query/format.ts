import type { QueryResult } from './query-engine.js';

/** How the CLI prints a result. */
export type ResultFormat = 'table' | 'csv' | 'json';

/** JSON: one array of row objects and nothing else. */
export function formatJson(result: QueryResult): string {
  return `${JSON.stringify(result.rows)}\n`;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** CSV (RFC 4180): a header row, then the rows; NULL is an empty field. */
export function formatCsv(result: QueryResult): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [result.columns.map((c) => quote(c.name)).join(',')];
  for (const row of result.rows) {
    lines.push(result.columns.map((c) => quote(cellText(row[c.name]))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** An aligned text table with a row count, numbers right-aligned, NULL shown as `NULL`. */
export function formatTable(result: QueryResult): string {
  const names = result.columns.map((c) => c.name);
  const cells = result.rows.map((row) =>
    names.map((n) => (row[n] === null || row[n] === undefined ? 'NULL' : cellText(row[n]))),
  );
  const widths = names.map((n, i) =>
    Math.min(60, Math.max(n.length, ...cells.map((r) => r[i]!.length))),
  );
  const numeric = result.columns.map((c) => /INT|DECIMAL|DOUBLE|FLOAT|REAL|NUMERIC/i.test(c.type));
  const fit = (s: string, i: number) => {
    const w = widths[i]!;
    const t = s.length > w ? `${s.slice(0, w - 1)}…` : s;
    return numeric[i] ? t.padStart(w) : t.padEnd(w);
  };
  const lines = [
    names.map((n, i) => n.padEnd(widths[i]!)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => r.map(fit).join('  ').trimEnd()),
  ];
  const n = result.rows.length;
  lines.push(
    `(${n} row${n === 1 ? '' : 's'}${result.truncated ? ', truncated at the limit' : ''}, ${result.elapsedMs} ms)`,
  );
  return `${lines.join('\n')}\n`;
}

/** An EXPLAIN result as the plan text DuckDB draws. */
export function formatPlan(result: QueryResult): string {
  const col = result.columns.find((c) => c.name === 'explain_value') ?? result.columns.at(-1);
  return `${result.rows.map((r) => cellText(col ? r[col.name] : '')).join('\n')}\n`;
}

export function formatResult(result: QueryResult, format: ResultFormat): string {
  switch (format) {
    case 'json':
      return formatJson(result);
    case 'csv':
      return formatCsv(result);
    case 'table':
      return formatTable(result);
  }
}
