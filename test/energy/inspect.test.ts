import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, inspectStream, splitLine } from '../../src/energy/ingest/inspect.js';

const inspectChunks = (chunks: Buffer[]) => inspectStream(Readable.from(chunks));

/** Inspects `text` split into two chunks at every position: results must not depend on it. */
async function rowsAtEverySplit(text: string): Promise<Set<number>> {
  const buf = Buffer.from(text);
  const seen = new Set<number>();
  for (let cut = 0; cut <= buf.length; cut++) {
    const r = await inspectChunks([buf.subarray(0, cut), buf.subarray(cut)]);
    seen.add(r.rows);
  }
  return seen;
}

describe('inspectStream', () => {
  it('counts records the same way wherever chunks split, with quotes, CRLF and empty lines', async () => {
    const text =
      'a;b;c\r\n\r\n1;"x\r\ny";3\r\n2;"he said ""hi""";4\n\n3;Taller "El Mono";5\n4;"";6\r\n5;"""";7';
    expect(await rowsAtEverySplit(text)).toEqual(new Set([5]));
  });

  it('treats a quote inside an unquoted field as data, as DuckDB does', async () => {
    const r = await inspectChunks([Buffer.from('a;b\n1;Taller "El Mono\n2;x\n')]);
    expect(r.rows).toBe(2);
  });

  it('finds UTF-8 validity across chunk boundaries inside a multi-byte character', async () => {
    const buf = Buffer.from('nombre;ciudad\nJosé;Bogotá\n');
    const at = buf.indexOf(0xc3) + 1; // split inside "é"
    const r = await inspectChunks([buf.subarray(0, at), buf.subarray(at)]);
    expect(r.encoding).toBe('utf-8');
    const latin = await inspectChunks([
      Buffer.from('nombre;ciudad\nJos\xe9;Bogot\xe1\n', 'latin1'),
    ]);
    expect(latin.encoding).toBe('latin-1');
  });

  it('reports the sha256 and byte count of exactly what it read', async () => {
    const r = await inspectChunks([Buffer.from('a;b\n'), Buffer.from('1;2\n')]);
    expect(r.bytes).toBe(8);
    const { createHash } = await import('node:crypto');
    expect(r.sha256).toBe(createHash('sha256').update('a;b\n1;2\n').digest('hex'));
  });
});

describe('delimiter detection', () => {
  it('prefers the delimiter that splits the header and is consistent', () => {
    expect(detectDelimiter(['a;b;c', '1,5;2;3', '4;5,5;6'])).toBe(';');
    expect(detectDelimiter(['a,b,c', '1,2,3'])).toBe(',');
    expect(detectDelimiter(['a\tb', '1\t2'])).toBe('\t');
    expect(detectDelimiter(['solo'])).toBeUndefined();
  });

  it('splits quoted fields per RFC 4180', () => {
    expect(splitLine('1;"a;b";"c ""d"""', ';')).toEqual(['1', 'a;b', 'c "d"']);
  });
});
