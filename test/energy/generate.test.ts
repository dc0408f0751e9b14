import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  foldText,
  GENERATED_COLUMNS,
  nitCheckDigit,
  type BuiltinEntity,
} from '../../src/energy/entities.js';
import { builtinContracts, sourcesOf } from '../../src/energy/contracts/load-contracts.js';
import {
  ENERGY_PROFILES,
  exportKey,
  generateCsvChunks,
  generateExports,
  type CsvStats,
  type GeneratedFile,
  type GenerateOptions,
} from '../../src/energy/generate/index.js';
import { csvField } from '../../src/energy/generate/format.js';
import { LocalFsObjectStore } from '../../src/core/object-store/local-fs/local-fs-object-store.js';

const DATE = '2026-11-27';
const SMALL: GenerateOptions = {
  date: DATE,
  seed: 7,
  clientes: 400,
  proveedores: 25,
  transacciones: 6000,
};
const ENTITIES: BuiltinEntity[] = ['clientes', 'proveedores', 'transacciones'];

/** Decodes a file the way a tolerant reader must: BOM → UTF-8, invalid UTF-8 → Latin-1. */
function decode(bytes: Buffer): { text: string; bom: boolean; latin1: boolean } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: bytes.subarray(3).toString('utf8'), bom: true, latin1: false };
  }
  try {
    return {
      text: new TextDecoder('utf-8', { fatal: true }).decode(bytes),
      bom: false,
      latin1: false,
    };
  } catch {
    return { text: bytes.toString('latin1'), bom: false, latin1: true };
  }
}

/** RFC 4180 records with `;` (CRLF or LF); a blank line is a record with one empty field. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ';') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push(fields);
  }
  return records;
}

interface Export {
  files: GeneratedFile[];
  bytes: Record<BuiltinEntity, Buffer>;
  rows: Record<BuiltinEntity, string[][]>;
}

const dirs: string[] = [];
async function generate(options: GenerateOptions): Promise<Export> {
  const dir = await mkdtemp(path.join(tmpdir(), 'corriente-gen-'));
  dirs.push(dir);
  const files = await generateExports(new LocalFsObjectStore({ root: dir }), options);
  const bytes = {} as Record<BuiltinEntity, Buffer>;
  const rows = {} as Record<BuiltinEntity, string[][]>;
  for (const e of ENTITIES) {
    bytes[e] = await readFile(path.join(dir, exportKey(e, options.date)));
    rows[e] = parseCsv(decode(bytes[e]).text);
  }
  return { files, bytes, rows };
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Records of a clean file as objects keyed by its header. */
function objects(rows: string[][]): Record<string, string>[] {
  const [head, ...data] = rows;
  return data.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

describe('generate (clean)', () => {
  let clean: Export;
  beforeAll(async () => {
    clean = await generate(SMALL);
  });

  it('is deterministic: same options → same bytes; another seed or date → other bytes', async () => {
    const again = await generate(SMALL);
    const other = await generate({ ...SMALL, seed: 8 });
    const otherDay = await generate({ ...SMALL, date: '2026-11-28' });
    for (const e of ENTITIES) {
      expect(again.bytes[e].equals(clean.bytes[e])).toBe(true);
      expect(other.bytes[e].equals(clean.bytes[e])).toBe(false);
    }
    expect(otherDay.bytes.transacciones.equals(clean.bytes.transacciones)).toBe(false);
    // The same clientes trade every day: names do not depend on the date.
    const names = (x: Export) => objects(x.rows.clientes).map((c) => c.nombre);
    expect(names(otherDay)).toEqual(names(clean));
  });

  it('writes UTF-8 without BOM, LF, the exact header and the right field count', () => {
    for (const e of ENTITIES) {
      const bytes = clean.bytes[e];
      expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).not.toThrow();
      expect(bytes.includes('\r')).toBe(false);
      expect(bytes.toString('utf8').split('\n')[0]).toBe(GENERATED_COLUMNS[e].join(';'));
      const required = sourcesOf(builtinContracts()).find((x) => x.entity === e)!.requiredColumns;
      expect(required.length).toBeGreaterThan(0);
      for (const col of required) expect(GENERATED_COLUMNS[e]).toContain(col);
      const [head, ...data] = clean.rows[e];
      expect(data.length).toBe(
        e === 'clientes'
          ? SMALL.clientes
          : e === 'proveedores'
            ? SMALL.proveedores
            : SMALL.transacciones,
      );
      for (const r of data) expect(r.length).toBe(head!.length);
    }
    expect(clean.files.map((f) => [f.key, f.rows, f.bytes, f.encoding, f.lineEnding])).toEqual(
      ENTITIES.map((e) => [
        exportKey(e, DATE),
        clean.rows[e].length - 1,
        clean.bytes[e].length,
        'utf8',
        'LF',
      ]),
    );
  });

  it('writes realistic clientes: ids by type, valid NIT check digits, segments and estratos', () => {
    const clientes = objects(clean.rows.clientes);
    const ids = new Set<string>();
    const tipos = new Set<string>();
    for (const c of clientes) {
      tipos.add(c.tipo_identificacion!);
      ids.add(`${c.tipo_identificacion}:${c.identificacion}`);
      const id = c.identificacion!;
      switch (c.tipo_identificacion) {
        case 'CC':
          expect(id).toMatch(/^[1-9]\d{6,9}$/);
          break;
        case 'CE':
          expect(id).toMatch(/^[1-9]\d{5,6}$/);
          break;
        case 'PAS':
          expect(id).toMatch(/^[A-Z]{2}\d{7}$/);
          break;
        case 'NIT': {
          const m = /^(\d{9})-(\d)$/.exec(id);
          expect(m).not.toBeNull();
          expect(Number(m![2])).toBe(nitCheckDigit(m![1]!));
          expect(c.nombre).toMatch(
            /S\.A\.S\.|S\.A\.|E\.S\.P\.|E\.S\.E\.|Alcaldía|Institución|Secretaría|Gobernación/,
          );
          break;
        }
        default:
          throw new Error(`unexpected tipo_identificacion ${c.tipo_identificacion}`);
      }
      expect(['RESIDENCIAL', 'COMERCIAL', 'INDUSTRIAL', 'OFICIAL']).toContain(c.segmento);
      if (c.segmento === 'RESIDENCIAL') {
        expect(Number(c.estrato)).toBeGreaterThanOrEqual(1);
        expect(Number(c.estrato)).toBeLessThanOrEqual(6);
        expect(c.tipo_identificacion).not.toBe('NIT');
        // nombre(s) and two apellidos
        expect(c.nombre!.split(' ').length).toBeGreaterThanOrEqual(3);
      } else {
        expect(c.estrato).toBe('');
      }
      expect(c.fecha_registro).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(c.fecha_registro! < DATE).toBe(true);
      expect(c.departamento).not.toBe('');
    }
    expect(ids.size).toBe(clientes.length);
    expect([...tipos].sort()).toEqual(['CC', 'CE', 'NIT', 'PAS']);
    const bogota = clientes.filter((c) => c.ciudad === 'Bogotá');
    expect(bogota.length).toBeGreaterThan(clientes.length * 0.1);
    expect(bogota.every((c) => c.departamento === 'Bogotá D.C.')).toBe(true);
    expect(clientes.find((c) => c.ciudad === 'Medellín')?.departamento).toBe('Antioquia');
  });

  it('writes proveedores with valid NITs, unique names, accented energy types and capacities', () => {
    const proveedores = objects(clean.rows.proveedores);
    const displays = ENERGY_PROFILES.map((p) => p.display);
    expect(displays).toContain('Hidroeléctrica');
    expect(new Set(proveedores.map((p) => p.nombre_proveedor)).size).toBe(proveedores.length);
    for (const p of proveedores) {
      const m = /^(\d{9})-(\d)$/.exec(p.nit!);
      expect(m).not.toBeNull();
      expect(Number(m![2])).toBe(nitCheckDigit(m![1]!));
      expect(displays).toContain(p.tipo_energia);
      expect(p.nombre_proveedor).toMatch(/S\.A\.S\.|S\.A\./);
      expect(p.capacidad_mw).toMatch(/^\d+\.\d{2}$/);
      expect(Number(p.capacidad_mw)).toBeGreaterThanOrEqual(2);
      expect(Number(p.capacidad_mw)).toBeLessThanOrEqual(1200);
    }
  });

  it('writes transacciones that reference generated counterparties, in realistic ranges', () => {
    const clienteByName = new Map(objects(clean.rows.clientes).map((c) => [c.nombre!, c]));
    const proveedorByName = new Map(
      objects(clean.rows.proveedores).map((p) => [p.nombre_proveedor!, p]),
    );
    const tx = objects(clean.rows.transacciones);
    const displays = ENERGY_PROFILES.map((p) => p.display);
    const ids = new Set(tx.map((t) => t.id_transaccion));
    expect(ids.size).toBe(tx.length);
    let ventas = 0;
    let lastTs = '';
    for (const t of tx) {
      expect(t.fecha_transaccion).toMatch(/^2026-11-27 ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
      expect(t.fecha_transaccion! >= lastTs).toBe(true);
      lastTs = t.fecha_transaccion!;
      expect(t.cantidad_comprada_kwh).toMatch(/^\d+\.\d{2}$/);
      expect(t.precio_kwh_cop).toMatch(/^\d+\.\d{2}$/);
      expect(displays).toContain(t.tipo_energia);
      const kwh = Number(t.cantidad_comprada_kwh);
      const precio = Number(t.precio_kwh_cop);
      if (t.tipo_transaccion === 'Venta') {
        ventas++;
        const c = clienteByName.get(t.nombre_cliente_proveedor!);
        expect(c, t.nombre_cliente_proveedor).toBeDefined();
        if (c!.segmento === 'RESIDENCIAL') {
          expect(kwh).toBeGreaterThanOrEqual(50);
          expect(kwh).toBeLessThanOrEqual(1500);
          expect(precio).toBeGreaterThanOrEqual(600);
          expect(precio).toBeLessThanOrEqual(1100);
        } else {
          expect(kwh).toBeGreaterThanOrEqual(300);
          expect(kwh).toBeLessThanOrEqual(1_500_000);
          expect(precio).toBeGreaterThanOrEqual(480);
          expect(precio).toBeLessThanOrEqual(1080);
        }
      } else {
        expect(t.tipo_transaccion).toBe('Compra');
        const p = proveedorByName.get(t.nombre_cliente_proveedor!);
        expect(p, t.nombre_cliente_proveedor).toBeDefined();
        expect(t.tipo_energia).toBe(p!.tipo_energia);
        expect(kwh).toBeGreaterThanOrEqual(4_000);
        expect(kwh).toBeLessThanOrEqual(300_000);
        expect(precio).toBeGreaterThanOrEqual(200);
        expect(precio).toBeLessThanOrEqual(600);
      }
    }
    expect(ventas / tx.length).toBeGreaterThan(0.82);
    expect(ventas / tx.length).toBeLessThan(0.88);
    // A retailer buys about what it sells (plus losses): the day's kWh balance within ±40%.
    const total = (tipo: string) =>
      tx
        .filter((t) => t.tipo_transaccion === tipo)
        .reduce((sum, t) => sum + Number(t.cantidad_comprada_kwh), 0);
    expect(total('Compra') / total('Venta')).toBeGreaterThan(0.6);
    expect(total('Compra') / total('Venta')).toBeLessThan(1.4);
    // Every energy type is sold or bought.
    expect(new Set(tx.map((t) => t.tipo_energia)).size).toBe(displays.length);
  });

  it('quotes fields RFC 4180 style', () => {
    expect(csvField('Restaurante "El Fogón" S.A.S.')).toBe('"Restaurante ""El Fogón"" S.A.S."');
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField('Bogotá')).toBe('Bogotá');
  });

  it('writes header-only files for zero rows', async () => {
    const empty = await generate({ date: DATE, clientes: 0, proveedores: 0, transacciones: 0 });
    for (const e of ENTITIES) {
      expect(empty.bytes[e].toString('utf8')).toBe(`${GENERATED_COLUMNS[e].join(';')}\n`);
    }
    expect(empty.files.every((f) => f.rows === 0)).toBe(true);
  });
});

describe('generate --dirty', () => {
  let dirty: Export;
  let clean: Export;
  const options: GenerateOptions = {
    date: DATE,
    seed: 42,
    clientes: 2000,
    proveedores: 60,
    transacciones: 20_000,
  };
  beforeAll(async () => {
    dirty = await generate({ ...options, dirty: true });
    clean = await generate(options);
  });

  const fieldsOf = (e: BuiltinEntity, col: string): string[] => {
    const i = GENERATED_COLUMNS[e].indexOf(col);
    return dirty.rows[e].slice(1).map((r) => r[i] ?? '');
  };

  it('is deterministic too', async () => {
    const again = await generate({ ...options, dirty: true });
    for (const e of ENTITIES) expect(again.bytes[e].equals(dirty.bytes[e])).toBe(true);
  });

  it('encodes files differently: Latin-1, UTF-8 with BOM, CRLF and mixed line ends', () => {
    const decoded = ENTITIES.map((e) => decode(dirty.bytes[e]));
    expect(decoded.filter((d) => d.bom)).toHaveLength(1);
    expect(decoded.filter((d) => d.latin1)).toHaveLength(1);
    const latin1 = dirty.bytes[ENTITIES[decoded.findIndex((d) => d.latin1)]!];
    expect(latin1.includes(0xe1) || latin1.includes(0xed) || latin1.includes(0xf3)).toBe(true);
    expect(dirty.files.map((f) => f.encoding).sort()).toEqual(['latin1', 'utf8', 'utf8-bom']);
    const crlf = ENTITIES.map((e) => dirty.bytes[e].toString('latin1').split('\r\n').length - 1);
    const lf = ENTITIES.map((e) => dirty.bytes[e].toString('latin1').split('\n').length - 1);
    expect(crlf.some((n, i) => n > 0 && n === lf[i])).toBe(true); // a CRLF file
    expect(crlf.some((n, i) => n > 0 && n < lf[i]!)).toBe(true); // a mixed file
    // Decoded correctly, the accents survive every encoding.
    for (const d of decoded) expect(d.text).toMatch(/[áéíóú]/);
  });

  it('varies header spelling but keeps the columns recognisable', () => {
    const norm = (h: string) => foldText(h.replace(/^"|"$/g, '')).replace(/[\s-]+/g, '_');
    for (const e of ENTITIES) {
      expect(dirty.rows[e][0]!.map(norm)).toEqual([...GENERATED_COLUMNS[e]]);
    }
    const headers = ENTITIES.map((e) => dirty.rows[e][0]!.join(';'));
    expect(headers.some((h, i) => h !== GENERATED_COLUMNS[ENTITIES[i]!].join(';'))).toBe(true);
  });

  it('mixes case, stray spaces and missing accents in text', () => {
    const ciudades = fieldsOf('clientes', 'ciudad');
    expect(ciudades).toContain('Bogotá');
    expect(ciudades.some((c) => c === 'Bogota' || c === 'BOGOTA' || c === 'BOGOTA D.C.')).toBe(
      true,
    );
    expect(ciudades.some((c) => c === 'BOGOTÁ' || c === 'MEDELLÍN' || c === 'CALI')).toBe(true);
    const nombres = fieldsOf('clientes', 'nombre');
    expect(nombres.some((n) => n !== n.trim())).toBe(true);
    expect(nombres.some((n) => n.includes('  '))).toBe(true);
    expect(nombres.some((n) => n === n.toUpperCase() && /[A-Z]/.test(n))).toBe(true);
    expect(nombres.some((n) => n === n.toLowerCase() && /[a-z]/.test(n))).toBe(true);
    // a value with a line break inside, correctly quoted: it still parses into one field
    const all = ENTITIES.flatMap((e) => dirty.rows[e].flat());
    expect(all.some((f) => f.includes('\n'))).toBe(true);
  });

  it('spells NITs and identification types in several ways', () => {
    const ids = fieldsOf('clientes', 'identificacion').concat(fieldsOf('proveedores', 'nit'));
    expect(ids.some((s) => /^\d{3}\.\d{3}\.\d{3}-\d$/.test(s))).toBe(true);
    expect(ids.some((s) => /^\d{10}$/.test(s) && s.startsWith('8'))).toBe(true);
    expect(ids.some((s) => /^\d{9} - \d$/.test(s))).toBe(true);
    expect(ids.some((s) => /^\d{1,3}(\.\d{3}){2,3}$/.test(s))).toBe(true); // cédula with dots
    const dotted = ids.find((s) => /^\d{3}\.\d{3}\.\d{3}-\d$/.test(s))!;
    const [digits, dv] = dotted.replaceAll('.', '').split('-');
    expect(Number(dv)).toBe(nitCheckDigit(digits!));
    const tipos = new Set(fieldsOf('clientes', 'tipo_identificacion'));
    for (const t of ['CC', 'NIT']) expect(tipos).toContain(t);
    expect(
      [...tipos].filter((t) => !['CC', 'NIT', 'CE', 'PAS'].includes(t)).length,
    ).toBeGreaterThan(3);
    expect(
      [...tipos].some((t) => ['C.C.', 'cc', 'Cédula', 'CEDULA', 'C.C', 'Cc'].includes(t)),
    ).toBe(true);
  });

  it('varies tipo_transaccion and tipo_energia spellings', () => {
    const tipos = new Set(fieldsOf('transacciones', 'tipo_transaccion'));
    expect(tipos).toContain('Venta');
    expect(tipos).toContain('Compra');
    expect([...tipos].some((t) => t === 'compra' || t === 'COMPRA' || t === ' compra')).toBe(true);
    expect([...tipos].some((t) => t === 'VENTA ' || t === 'venta' || t === ' Venta')).toBe(true);
    const energias = new Set(fieldsOf('transacciones', 'tipo_energia'));
    expect(energias).toContain('Hidroeléctrica');
    expect([...energias].some((e) => ['Hidroelectrica', 'HIDRO', 'hidro'].includes(e))).toBe(true);
    expect([...energias].some((e) => ['Eolica', 'eolica', 'EÓLICA', 'EOLICA'].includes(e))).toBe(
      true,
    );
  });

  it('writes decimal commas and thousands separators', () => {
    const nums = fieldsOf('transacciones', 'cantidad_comprada_kwh').concat(
      fieldsOf('transacciones', 'precio_kwh_cop'),
    );
    expect(nums.filter((s) => /^\d+\.\d{2}$/.test(s)).length).toBeGreaterThan(nums.length * 0.8);
    expect(nums.some((s) => /^\d{4,},\d{1,2}$/.test(s))).toBe(true); // 1234,5
    expect(nums.some((s) => /^\d{1,3}(\.\d{3})+,\d{1,2}$/.test(s))).toBe(true); // 1.234,5
  });

  it('repeats some rows exactly and adds empty and delimiter-only lines', () => {
    const tx = dirty.rows.transacciones.slice(1).map((r) => r.join(';'));
    const seen = new Set<string>();
    const duplicates = tx.filter(
      (r) => r !== '' && !/^;+$/.test(r) && (seen.has(r) || !seen.add(r)),
    );
    expect(duplicates.length).toBeGreaterThan(50);
    expect(duplicates.length).toBeLessThan(tx.length * 0.03);
    expect(tx.filter((r) => r === '').length).toBeGreaterThan(10);
    expect(tx.some((r) => /^;+$/.test(r))).toBe(true);
    expect(dirty.files[2]!.rows).toBeGreaterThan(options.transacciones!);
  });

  it('breaks a few rows: field count, negative or zero kWh, N/A price, unknown energy', () => {
    const cols = GENERATED_COLUMNS.transacciones.length;
    const data = dirty.rows.transacciones.slice(1).filter((r) => r.join('') !== '');
    const wrongCount = data.filter((r) => r.length !== cols);
    expect(wrongCount.length).toBeGreaterThan(0);
    expect(wrongCount.length).toBeLessThan(data.length * 0.01);
    expect(data.some((r) => r[4]!.startsWith('-'))).toBe(true);
    expect(data.some((r) => /^0([.,]00)?$/.test(r[4]!))).toBe(true);
    expect(data.some((r) => r[5] === 'N/A' || r[5] === 'n/a' || r[5] === '#¡VALOR!')).toBe(true);
    const known = new Set(ENERGY_PROFILES.flatMap((p) => [p.display, ...p.variants]));
    expect(data.some((r) => r.length === cols && !known.has(r[6]!))).toBe(true);
  });

  it('keeps the same underlying data as the clean export', () => {
    const cleanTx = clean.rows.transacciones.slice(1);
    const dirtyIds = new Set(fieldsOf('transacciones', 'id_transaccion'));
    expect(cleanTx.every((r) => dirtyIds.has(r[0]!))).toBe(true);
    const cleanNames = new Set(clean.rows.clientes.slice(1).map((r) => foldText(r[2]!)));
    const dirtyNames = fieldsOf('clientes', 'nombre').map((n) => foldText(n).replace(/\s+/g, ' '));
    const matching = dirtyNames.filter((n) => cleanNames.has(n)).length;
    expect(matching).toBeGreaterThan(dirtyNames.length * 0.97);
  });
});

describe('generate streams', () => {
  it('yields 300,000 transactions lazily, in chunks well under 1 MiB', () => {
    const stats: CsvStats = { rows: 0, bytes: 0 };
    const chunks = generateCsvChunks(
      'transacciones',
      { date: DATE, transacciones: 300_000, clientes: 5000 },
      stats,
    );
    const first = chunks.next();
    expect(first.done).toBe(false);
    // Only the first chunk's rows exist yet: nothing is generated ahead of the reader.
    expect(stats.rows).toBeGreaterThan(0);
    expect(stats.rows).toBeLessThan(5000);
    let count = 1;
    let max = (first.value as Buffer).length;
    let total = max;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapMax = heapBefore;
    for (const chunk of chunks) {
      count++;
      total += chunk.length;
      max = Math.max(max, chunk.length);
      if (count % 20 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
    }
    expect(stats.rows).toBe(300_000);
    expect(stats.bytes).toBe(total);
    expect(count).toBeGreaterThan(100);
    expect(max).toBeLessThan(1024 * 1024);
    // ~30 MB are produced; the heap does not grow by that much (chunks are not retained).
    expect(heapMax - heapBefore).toBeLessThan(total);
  });

  it('streams dirty output in bounded chunks too', () => {
    const stats: CsvStats = { rows: 0, bytes: 0 };
    let max = 0;
    let count = 0;
    for (const chunk of generateCsvChunks(
      'transacciones',
      { date: DATE, transacciones: 50_000, dirty: true },
      stats,
    )) {
      count++;
      max = Math.max(max, chunk.length);
    }
    expect(count).toBeGreaterThan(10);
    expect(max).toBeLessThan(1024 * 1024);
    expect(stats.rows).toBeGreaterThan(50_000);
  });
});
