import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import {
  detectDelimiter,
  inspectFile,
  inspectingTransform,
  inspectStream,
  splitLine,
  type InspectOptions,
  type Inspection,
} from '../../src/energy/ingest/inspect.js';

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

  it('judges UTF-8 the same with one-byte chunks (4-byte characters split over 4 chunks)', async () => {
    const good = Buffer.from('nombre;nota\nJosé;⚡ 𝄞 ok\n');
    const bytewise = (b: Buffer) => inspectChunks([...b].map((x) => Buffer.from([x])));
    expect((await bytewise(good)).encoding).toBe('utf-8');
    // A lead byte followed by ASCII, and a sequence cut off at the end: not UTF-8 (Latin-1).
    const badSeam = Buffer.concat([
      Buffer.from('a;b\n1;'),
      Buffer.from([0xe2, 0x41]),
      Buffer.from(';x\n'),
    ]);
    expect((await bytewise(badSeam)).encoding).toBe('latin-1');
    const cutAtEnd = Buffer.concat([Buffer.from('a;b\n1;'), Buffer.from([0xf0, 0x9d, 0x84])]);
    expect((await bytewise(cutAtEnd)).encoding).toBe('latin-1');
    expect((await inspectChunks([cutAtEnd])).encoding).toBe('latin-1');
  });

  it('reports the sha256 and byte count of exactly what it read', async () => {
    const r = await inspectChunks([Buffer.from('a;b\n'), Buffer.from('1;2\n')]);
    expect(r.bytes).toBe(8);
    expect(r.sha256).toBe(createHash('sha256').update('a;b\n1;2\n').digest('hex'));
  });
});

describe('chunk boundaries', () => {
  /** Inspections of `body` cut into 3 chunks at many positions, hashed inline and in a thread. */
  async function everySplit(body: Buffer, options: InspectOptions = {}): Promise<Inspection[]> {
    const out: Inspection[] = [];
    for (let a = 0; a <= body.length; a += 1)
      for (let b = a; b <= body.length; b += 3) {
        const chunks = [body.subarray(0, a), body.subarray(a, b), body.subarray(b)];
        out.push(await inspectStream(Readable.from(chunks), options));
      }
    out.push(await inspectStream(Readable.from([body]), { ...options, parallelHash: true }));
    const bytewise = [...body].map((x) => Buffer.from([x]));
    out.push(await inspectStream(Readable.from(bytewise), { ...options, parallelHash: true }));
    return out;
  }

  it('gives one inspection wherever CRLF, quotes, escaped quotes and multi-byte UTF-8 are cut', async () => {
    const body = Buffer.from(
      'nombre;nota\r\n"Ana\r\nMaría";"di\r\njo ""⚡"""\r\n\r\nJosé;𝄞\r\n"x""";y\r\n',
    );
    const all = await everySplit(body);
    expect(all[0]).toMatchObject({
      rows: 3,
      encoding: 'utf-8',
      lineEnding: 'crlf',
      delimiter: ';',
      header: ['nombre', 'nota'],
      sha256: createHash('sha256').update(body).digest('hex'),
      bytes: body.length,
    });
    for (const r of all) expect(r).toEqual(all[0]);
  });

  it('gives one inspection wherever Latin-1 text is cut (a lone accented byte is not UTF-8)', async () => {
    const body = Buffer.from('nombre;ciudad\nJos\xe9;Bogot\xe1\n"Pe\xf1a\n";C\xfacuta\n', 'latin1');
    const all = await everySplit(body);
    expect(all[0]).toMatchObject({ rows: 2, encoding: 'latin-1', lineEnding: 'lf' });
    for (const r of all) expect(r).toEqual(all[0]);
  });

  it('finds a record too long wherever it is cut, quoted line breaks counted in', async () => {
    const body = Buffer.from('a;b\r\n1;"' + 'x\r\n'.repeat(8) + '"\r\n2;y\r\n');
    const all = await everySplit(body, { maxRecordBytes: 20 });
    expect(all[0]!.problem?.code).toBe('record_too_long');
    expect(all[0]!.longestRecordBytes).toBe(2 + 1 + 8 * 3 + 1);
    for (const r of all) expect(r).toEqual(all[0]);
  });
});

describe('inspectFile', () => {
  it('inspects an open file as inspectStream does, hashed inline and in a thread', async () => {
    // Several read buffers (1 MiB) long, with quoted line breaks, CRLF and multi-byte UTF-8
    // cut by their ends somewhere.
    const row = '7;"Pérez, ""Juan""\r\nBogotá ⚡";150,5\r\n';
    const body = Buffer.from(
      'id;nombre;kwh\r\n' + row.repeat(Math.ceil((3.3 * (1 << 20)) / row.length)),
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'inspect-file-'));
    try {
      const file = path.join(dir, 'transacciones.csv');
      await writeFile(file, body);
      const expected = await inspectStream(Readable.from([body]));
      expect(expected).toMatchObject({
        rows: Math.ceil((3.3 * (1 << 20)) / row.length),
        encoding: 'utf-8',
        lineEnding: 'crlf',
        delimiter: ';',
        sha256: createHash('sha256').update(body).digest('hex'),
        bytes: body.length,
      });
      for (const parallelHash of [false, true]) {
        const handle = await open(file, 'r');
        try {
          expect(await inspectFile(handle, { parallelHash })).toEqual(expected);
        } finally {
          await handle.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('inspectingTransform', () => {
  it('hashes in a thread (parallelHash) to the same inspection, passing bytes through unchanged', async () => {
    const body = Buffer.from('a;b\r\n' + '1;"x\r\ny"\r\n'.repeat(30_000));
    const chunks: Buffer[] = [];
    for (let at = 0; at < body.length; at += 70_001) chunks.push(body.subarray(at, at + 70_001));
    const tap = inspectingTransform({ parallelHash: true });
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), tap, async (source: AsyncIterable<Buffer>) => {
      for await (const c of source) out.push(c);
    });
    expect(Buffer.concat(out).equals(body)).toBe(true);
    expect(await tap.inspection).toEqual(await inspectChunks([body]));
  });

  it('rejects its inspection, hash thread and all, when the source fails midway', async () => {
    const tap = inspectingTransform({ parallelHash: true });
    let sent = false;
    const failing = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(Buffer.from('a;b\n1;2\n'));
        } else this.destroy(new Error('disco desconectado'));
      },
    });
    await expect(
      pipeline(failing, tap, async (s: AsyncIterable<Buffer>) => {
        for await (const _ of s) void _;
      }),
    ).rejects.toThrow('disco desconectado');
    await expect(tap.inspection).rejects.toThrow();
  });

  it('passes every byte through unchanged and inspects them as inspectStream does', async () => {
    const text = 'tipo_identificacion;identificacion;nombre;ciudad\r\n';
    const body = Buffer.from(text + 'CC;1;"Ana\r\nMaría";Bogotá\r\n'.repeat(50_000));
    const chunks: Buffer[] = [];
    for (let at = 0; at < body.length; at += 65_537) chunks.push(body.subarray(at, at + 65_537));
    const tap = inspectingTransform();
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), tap, async (source: AsyncIterable<Buffer>) => {
      for await (const c of source) out.push(c);
    });
    expect(Buffer.concat(out).equals(body)).toBe(true);
    const seen = await tap.inspection;
    expect(seen).toEqual(await inspectChunks([body]));
    expect(seen.rows).toBe(50_000);
    expect(seen.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(seen.header).toEqual(['tipo_identificacion', 'identificacion', 'nombre', 'ciudad']);
  });

  it('rejects its inspection when the source fails', async () => {
    const tap = inspectingTransform();
    const failing = new Readable({
      read() {
        this.destroy(new Error('disco desconectado'));
      },
    });
    await expect(
      pipeline(failing, tap, async (s: AsyncIterable<Buffer>) => {
        for await (const _ of s) void _;
      }),
    ).rejects.toThrow('disco desconectado');
    await expect(tap.inspection).rejects.toThrow();
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
