import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CsvParser,
  inferCsvSchema,
  sniffDelimiter,
} from '../../../src/core/crawler/infer/csv-schema.js';
import {
  classifyText,
  duckDbTypeToGlue,
  widenType,
} from '../../../src/core/crawler/infer/glue-types.js';

const streamOf =
  (bytes: Buffer, chunk = 7) =>
  async () =>
    Readable.from(
      Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) =>
        bytes.subarray(i * chunk, (i + 1) * chunk),
      ),
    );

describe('value classification', () => {
  it.each([
    ['123', 'bigint'],
    ['-7', 'bigint'],
    ['0', 'bigint'],
    ['007', 'string'],
    ['99999999999999999999', 'string'],
    ['12.5', 'double'],
    ['-0.25', 'double'],
    ['1e3', 'double'],
    ['1.234,5', 'string'],
    ['12,5', 'string'],
    [' 12', 'string'],
    ['2026-01-02', 'date'],
    ['2026-02-30', 'string'],
    ['2026-01-02 10:11:12', 'timestamp'],
    ['2026-01-02T10:11:12.5', 'timestamp'],
    ['TRUE', 'boolean'],
    ['false', 'boolean'],
    ['BOGOTÁ', 'string'],
  ])('%s → %s', (value, type) => {
    expect(classifyText(value)).toBe(type);
  });

  it('gives no vote for an empty value', () => {
    expect(classifyText('')).toBeUndefined();
  });
});

describe('type widening', () => {
  it.each([
    ['bigint', 'double', 'double'],
    ['int', 'bigint', 'bigint'],
    ['date', 'timestamp', 'timestamp'],
    ['bigint', 'date', 'string'],
    ['boolean', 'bigint', 'string'],
    ['decimal(10,2)', 'bigint', 'decimal(21,2)'],
    ['decimal(10,2)', 'decimal(12,4)', 'decimal(12,4)'],
    ['decimal(10,2)', 'double', 'double'],
    ['string', 'bigint', 'string'],
  ])('%s + %s → %s', (a, b, out) => {
    expect(widenType(a, b)).toBe(out);
    expect(widenType(b, a)).toBe(out);
  });

  it('maps DuckDB types to Glue types', () => {
    expect(duckDbTypeToGlue('DECIMAL(18,2)')).toBe('decimal(18,2)');
    expect(duckDbTypeToGlue('TIMESTAMP WITH TIME ZONE')).toBe('timestamp');
    expect(duckDbTypeToGlue('INTEGER[]')).toBe('array<int>');
    expect(duckDbTypeToGlue('VARCHAR')).toBe('string');
    expect(duckDbTypeToGlue('HUGEINT')).toBe('string');
  });
});

describe('CSV parsing and sniffing', () => {
  it('parses quotes, escaped quotes, CRLF and lone CR across chunks', () => {
    const records: string[][] = [];
    const parser = new CsvParser(';', (r) => records.push(r));
    for (const piece of ['a;"b;', '""c"""\r', '\n1;2\r3;4\n', '5;"6"']) parser.push(piece);
    parser.end();
    expect(records).toEqual([
      ['a', 'b;"c"'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
    expect(parser.quoted).toBe(true);
  });

  it('chooses the delimiter with a consistent field count', () => {
    expect(sniffDelimiter('a;b;c\n1;2,5;3\n')).toBe(';');
    expect(sniffDelimiter('a,b,c\n1,"2;5",3\n')).toBe(',');
    expect(sniffDelimiter('a\tb\n1\t2\n')).toBe('\t');
  });

  it('types every row, not a sample line, and falls back to Latin-1 past the first chunk', async () => {
    const rows = ['id;valor;ciudad'];
    for (let i = 0; i < 500; i++) rows.push(`${i};${i};MEDELLIN`);
    rows.push('500;1.5;BOGOTÁ');
    const schema = await inferCsvSchema(streamOf(Buffer.from(rows.join('\n'), 'latin1'), 4096));
    expect(schema.formatParameters).toEqual({
      delimiter: ';',
      header: true,
      encoding: 'latin-1',
      quoted: false,
    });
    expect(schema.columns).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'valor', type: 'double' },
      { name: 'ciudad', type: 'string' },
    ]);
    expect(schema.rows).toBe(501);
  });

  it('detects a headerless file and counts broken rows', async () => {
    const schema = await inferCsvSchema(streamOf(Buffer.from('1;x\n2;y;extra\n\n3\n')));
    expect(schema.formatParameters.header).toBe(false);
    expect(schema.columns.map((c) => c.name)).toEqual(['col0', 'col1']);
    expect(schema.rows).toBe(3);
    expect(schema.brokenRows).toBe(2);
  });
});
