import type { Column, FormatParameters, TableFormat } from '../../catalog/catalog.js';

/** What the crawler learns from one data file. */
export interface FileSchema {
  format: TableFormat;
  /** Columns in file order, with Glue types. */
  columns: Column[];
  formatParameters: FormatParameters;
  /** Data rows read (not known for Parquet footers: -1). */
  rows: number;
  /** Rows whose field count differs from the header's (CSV) or that do not parse (JSON). */
  brokenRows: number;
}

/** Format of a data file by its name; `undefined` for files the crawler does not read. */
export function formatOfFile(name: string): TableFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) {
    return 'json';
  }
  if (lower.endsWith('.csv') || lower.endsWith('.txt') || lower.endsWith('.tsv')) return 'csv';
  return undefined;
}
