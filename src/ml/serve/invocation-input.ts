/** Parsing of `/invocations` bodies into one row-major Float32Array (NaN = missing). */

/** A body that cannot be scored; the message names the line/row and column. */
export class InvocationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvocationInputError';
  }
}

export interface ParsedRows {
  x: Float32Array;
  nRows: number;
}

const NL = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses SageMaker's `text/csv`: one row per line, no header, comma-separated, an empty cell
 * (or `nan`) is a missing value; a final newline is optional, CRLF is accepted. Works on the
 * bytes without building per-line strings: most cells take the exact fast path below.
 */
export function parseCsvRows(body: Buffer, numFeature: number, maxRows: number): ParsedRows {
  let end = body.length;
  if (end > 0 && body[end - 1] === NL) end--;
  if (end > 0 && body[end - 1] === CR) end--;
  if (end === 0)
    throw new InvocationInputError('the body is empty: send one row of features per line');
  let nRows = 1;
  for (let i = body.indexOf(NL); i !== -1 && i < end; i = body.indexOf(NL, i + 1)) nRows++;
  if (nRows > maxRows) {
    throw new InvocationInputError(
      `${nRows} rows is more than the limit of ${maxRows} per request`,
    );
  }
  const x = new Float32Array(nRows * numFeature);
  let pos = 0;
  for (let row = 0; row < nRows; row++) {
    let lineEnd = body.indexOf(NL, pos);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    let stop = lineEnd;
    if (stop > pos && body[stop - 1] === CR) stop--;
    let col = 0;
    let cellStart = pos;
    const base = row * numFeature;
    for (let i = pos; i <= stop; i++) {
      if (i < stop && body[i] !== COMMA) continue;
      if (col >= numFeature) {
        throw new InvocationInputError(
          `line ${row + 1}: ${countCells(body, pos, stop)} columns, but the model expects ${numFeature}`,
        );
      }
      x[base + col] = parseCell(body, cellStart, i, row, col);
      col++;
      cellStart = i + 1;
    }
    if (col !== numFeature) {
      throw new InvocationInputError(
        `line ${row + 1}: ${col} columns, but the model expects ${numFeature}`,
      );
    }
    pos = lineEnd + 1;
  }
  return { x, nRows };
}

function countCells(body: Buffer, from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) if (body[i] === COMMA) n++;
  return n;
}

function parseCell(body: Buffer, from: number, to: number, row: number, col: number): number {
  while (from < to && (body[from] === SPACE || body[from] === TAB)) from++;
  while (to > from && (body[to - 1] === SPACE || body[to - 1] === TAB)) to--;
  if (from === to) return NaN;
  // Fast path: [sign] digits [. digits] with at most 15 digits. The mantissa and 10^k are then
  // exact doubles and one division rounds correctly, so the result equals Number(text).
  let i = from;
  let negative = false;
  if (body[i] === MINUS || body[i] === PLUS) negative = body[i++] === MINUS;
  let mantissa = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  let ok = i < to;
  for (; i < to; i++) {
    const c = body[i]!;
    const d = c - ZERO;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
      if (seenDot) frac++;
    } else if (c === DOT && !seenDot) seenDot = true;
    else {
      ok = false;
      break;
    }
  }
  if (ok && digits > 0 && digits <= 15) {
    const v = frac ? mantissa / POW10[frac]! : mantissa;
    return negative ? -v : v;
  }
  const text = body.toString('latin1', from, to);
  if (/^nan$/i.test(text)) return NaN;
  const v = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v)) {
    throw new InvocationInputError(
      `line ${row + 1}, column ${col + 1}: ${JSON.stringify(text.slice(0, 40))} is not a number` +
        (DECIMAL.test(text) ? ' in range' : ''),
    );
  }
  return v;
}

/**
 * Parses `application/json`: `{"instances": [[…], …]}` (rows) or `{"features": […]}` (one
 * row); `null` is a missing value.
 */
export function parseJsonRows(body: Buffer, numFeature: number, maxRows: number): ParsedRows {
  if (body.length === 0) {
    throw new InvocationInputError(
      'the body is empty: send {"instances": [[…], …]} or {"features": […]}',
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new InvocationInputError(`the body is not valid JSON: ${(err as Error).message}`);
  }
  let rows: unknown[];
  let name: string;
  if (isObject(doc) && Array.isArray(doc.instances)) {
    rows = doc.instances;
    name = 'instances';
  } else if (isObject(doc) && Array.isArray(doc.features)) {
    rows = [doc.features];
    name = 'features';
  } else {
    throw new InvocationInputError(
      'the body must be {"instances": [[…], …]} (rows of features) or {"features": […]} (one row)',
    );
  }
  if (rows.length === 0) throw new InvocationInputError(`${name}: is empty`);
  if (rows.length > maxRows) {
    throw new InvocationInputError(
      `${rows.length} rows is more than the limit of ${maxRows} per request`,
    );
  }
  const x = new Float32Array(rows.length * numFeature);
  rows.forEach((row, r) => {
    const where = name === 'features' ? 'features' : `instances[${r}]`;
    if (!Array.isArray(row))
      throw new InvocationInputError(`${where}: must be an array of numbers`);
    if (row.length !== numFeature) {
      throw new InvocationInputError(
        `${where}: ${row.length} values, but the model expects ${numFeature}`,
      );
    }
    for (let c = 0; c < numFeature; c++) {
      const v: unknown = row[c];
      if (v === null) x[r * numFeature + c] = NaN;
      else if (typeof v === 'number') x[r * numFeature + c] = v;
      else {
        throw new InvocationInputError(
          `${where}[${c}]: expected a number or null (missing), got ${JSON.stringify(v)}`,
        );
      }
    }
  });
  return { x, nRows: rows.length };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
