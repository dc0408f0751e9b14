import { describe, expect, it } from 'vitest';
import { runTransforms } from '../../../src/energy/transform/runner.js';
import {
  addRaw,
  CLIENTES_HEADER,
  newLake,
  PROVEEDORES_HEADER,
  TRANSACCIONES_HEADER,
} from './fixtures.js';
import { readParquet } from '../../util/lake.js';

const DAY = '2026-03-04';
const processed = (e: string, day = DAY): string =>
  `processed/${e}/year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/data.parquet`;
const quarantine = (e: string, day = DAY): string =>
  `quarantine/rows/${e}/year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/data.parquet`;

async function seedCounterparties(lake: ReturnType<typeof newLake>): Promise<void> {
  await addRaw(lake, 'clientes', DAY, 'c.csv', `${CLIENTES_HEADER}\nCC;1;Ana Gómez;Bogotá;;;;\n`);
  await addRaw(
    lake,
    'proveedores',
    DAY,
    'p.csv',
    `${PROVEEDORES_HEADER}\n900.123.456-8;Hidro Andes;Hidroeléctrica;Medellín;1.200,5;\n` +
      `;Sol del Norte;solar;;;\n;Viento Guajira;EOLICA ;;;\n;Raro;NUCLEAR;;;\n`,
  );
}

describe('transacciones job', () => {
  it('reads a file that mixes LF and CRLF line ends, still quarantining rows with extra fields', async () => {
    const lake = newLake();
    await seedCounterparties(lake);
    const text =
      `${TRANSACCIONES_HEADER}\r\n` +
      'M1;2026-03-04;Venta;Ana Gómez;100;800;Solar\n' +
      'M2;2026-03-04;Compra;Hidro Andes;5000;250;HIDRO\r\n' +
      'M3;2026-03-04;Compra;Hidro Andes;10;250;HIDRO;sobra\n' +
      'M4;2026-03-04;Venta;"Ana\r\nGómez";7;900;Solar\r\n';
    await addRaw(lake, 'transacciones', DAY, 'mixto.csv', text);
    const report = await runTransforms(lake.deps);
    expect(report.status).toBe('succeeded');
    const out = await readParquet(
      lake.datalake.pathOf(processed('transacciones')),
      'SELECT id_transaccion FROM t ORDER BY id_transaccion',
    );
    expect(out.map((r) => r.id_transaccion)).toEqual(['M1', 'M2', 'M4']);
    const rejected = await readParquet(
      lake.datalake.pathOf(quarantine('transacciones')),
      'SELECT _linea_original FROM t',
    );
    expect(rejected.map((r) => r._linea_original)).toEqual([
      'M3;2026-03-04;Compra;Hidro Andes;10;250;HIDRO;sobra',
    ]);
    const run = report.runs.find((r) => r.entity === 'transacciones')!;
    expect(run.rowsIn).toBe(run.rowsOut + run.rejected + run.duplicates);
  });

  it('normalises numbers, canonical values, rejects bad rows with Spanish reasons, quarantines broken rows', async () => {
    const lake = newLake();
    await seedCounterparties(lake);
    const rows = [
      TRANSACCIONES_HEADER,
      'T1;2026-03-04;compra;Hidro Andes;1234,5;250;Hidroelectrica',
      'T2;2026-03-04;VENTA ;ana  gomez;1.234,5;300,25;HIDRO',
      'T3;2026-03-04;Venta;Desconocido SAS;10;1.000;eolica',
      'T4;2026-03-04;COMPRA;Sol del Norte;20.5;100;Solar',
      'T5;2026-03-04;COMPRA;Hidro Andes;-5;250;HIDRO',
      'T6;2026-03-04;COMPRA;Hidro Andes;0;250;HIDRO',
      'T7;2026-03-04;COMPRA;Hidro Andes;10;N/A;HIDRO',
      'T8;2026-03-04;COMPRA;Hidro Andes;10;250;NUCLEAR',
      'T9;2026-03-04;PRESTAMO;Hidro Andes;10;250;HIDRO',
      'T10;2026-03-04;COMPRA;Hidro Andes;10;250',
      'T11;2026-03-04;COMPRA;Hidro Andes;10;250;HIDRO;extra',
      '',
      'T12;2026-03-04;COMPRA;;10;250;HIDRO',
    ];
    await addRaw(lake, 'transacciones', DAY, 't.csv', `${rows.join('\n')}\n`, {
      encoding: 'utf-8-bom',
      crlf: true,
    });
    const report = await runTransforms(lake.deps);
    expect(report.status).toBe('succeeded');
    const out = await readParquet(
      lake.datalake.pathOf(processed('transacciones')),
      `SELECT id_transaccion, tipo_transaccion, nombre_cliente_proveedor, CAST(cantidad_comprada_kwh AS VARCHAR) AS q,
              CAST(precio_kwh_cop AS VARCHAR) AS p, tipo_energia, CAST(precio_total_cop AS VARCHAR) AS total,
              contraparte_conocida, typeof(cantidad_comprada_kwh) AS qt, typeof(precio_total_cop) AS tt
       FROM t ORDER BY id_transaccion`,
    );
    expect(out).toEqual([
      {
        id_transaccion: 'T1',
        tipo_transaccion: 'COMPRA',
        nombre_cliente_proveedor: 'HIDRO ANDES',
        q: '1234.500',
        p: '250.0000',
        tipo_energia: 'HIDROELECTRICA',
        total: '308625.0000000',
        contraparte_conocida: true,
        qt: 'DECIMAL(18,3)',
        tt: 'DECIMAL(38,7)',
      },
      {
        id_transaccion: 'T2',
        tipo_transaccion: 'VENTA',
        nombre_cliente_proveedor: 'ANA GOMEZ',
        q: '1234.500',
        p: '300.2500',
        tipo_energia: 'HIDROELECTRICA',
        total: '370658.6250000',
        contraparte_conocida: true,
        qt: 'DECIMAL(18,3)',
        tt: 'DECIMAL(38,7)',
      },
      {
        id_transaccion: 'T3',
        tipo_transaccion: 'VENTA',
        nombre_cliente_proveedor: 'DESCONOCIDO SAS',
        q: '10.000',
        p: '1.0000',
        tipo_energia: 'EOLICA',
        total: '10.0000000',
        contraparte_conocida: false,
        qt: 'DECIMAL(18,3)',
        tt: 'DECIMAL(38,7)',
      },
      {
        id_transaccion: 'T4',
        tipo_transaccion: 'COMPRA',
        nombre_cliente_proveedor: 'SOL DEL NORTE',
        q: '20.500',
        p: '100.0000',
        tipo_energia: 'SOLAR',
        total: '2050.0000000',
        contraparte_conocida: true,
        qt: 'DECIMAL(18,3)',
        tt: 'DECIMAL(38,7)',
      },
    ]);
    const rejected = await readParquet(
      lake.datalake.pathOf(quarantine('transacciones')),
      'SELECT id_transaccion, motivo_rechazo, _linea_original, _archivo_origen FROM t ORDER BY motivo_rechazo',
    );
    expect(rejected.map((r) => [r.id_transaccion, r.motivo_rechazo])).toEqual([
      ['T5', 'cantidad_comprada_kwh debe ser mayor que cero: "-5"'],
      ['T6', 'cantidad_comprada_kwh debe ser mayor que cero: "0"'],
      [null, 'fila mal formada: menos campos que el encabezado'],
      [null, 'fila mal formada: más campos que el encabezado'],
      ['T12', 'nombre_cliente_proveedor vacío'],
      ['T7', 'precio_kwh_cop no numérico: "N/A"'],
      ['T8', 'tipo_energia desconocido: "NUCLEAR"'],
      ['T9', 'tipo_transaccion desconocido: "PRESTAMO"'],
    ]);
    const broken = rejected.filter((r) => r._linea_original !== null).map((r) => r._linea_original);
    expect(broken.sort()).toEqual([
      'T10;2026-03-04;COMPRA;Hidro Andes;10;250',
      'T11;2026-03-04;COMPRA;Hidro Andes;10;250;HIDRO;extra',
    ]);
    expect(
      rejected.every(
        (r) => r._archivo_origen === 'raw/transacciones/year=2026/month=03/day=04/t.csv',
      ),
    ).toBe(true);
    const run = report.runs.find((r) => r.entity === 'transacciones')!;
    // 12 data rows (the empty line is not a row): in = out + rejected + duplicates.
    expect(run).toMatchObject({
      rowsIn: 12,
      rowsOut: 4,
      rejected: 8,
      duplicates: 0,
      status: 'succeeded',
    });
    expect(run.rowsIn).toBe(run.rowsOut + run.rejected + run.duplicates);
    expect(run.partitions[0]!.broken).toBe(2);
    const rel = run.partitions[0]!.tests.find((t) =>
      t.name.startsWith('relationships(nombre_cliente_proveedor where tipo_transaccion = VENTA'),
    )!;
    expect(rel).toMatchObject({ status: 'warn', failures: 1, severity: 'warn' });
    expect(run.partitions[0]!.tests.filter((t) => t.status === 'fail')).toEqual([]);

    const prov = await readParquet(
      lake.datalake.pathOf(processed('proveedores')),
      'SELECT * FROM t ORDER BY nombre_proveedor',
    );
    expect(
      prov.map((p) => [
        p.nombre_proveedor,
        p.tipo_energia,
        p.nit,
        p.digito_verificacion,
        p.capacidad_mw,
      ]),
    ).toEqual([
      ['HIDRO ANDES', 'HIDROELECTRICA', '900123456', 8, '1200.500'],
      ['SOL DEL NORTE', 'SOLAR', null, null, null],
      ['VIENTO GUAJIRA', 'EOLICA', null, null, null],
    ]);
  });

  it('categorises prices by terciles per energy type and load date, not fixed thresholds', async () => {
    const lake = newLake();
    const body = (prices: number[], energy: string, prefix: string): string[] =>
      prices.map((p, i) => `${prefix}${energy}${i};2026-03-04;COMPRA;X;1;${p};${energy}`);
    // Same prices mean different categories for different types / days.
    await addRaw(
      lake,
      'transacciones',
      DAY,
      'a.csv',
      [
        TRANSACCIONES_HEADER,
        ...body([100, 200, 300, 400, 500, 600], 'SOLAR', 'a'),
        ...body([500, 600, 700], 'EOLICA', 'a'),
      ].join('\n'),
    );
    await addRaw(
      lake,
      'transacciones',
      '2026-03-05',
      'b.csv',
      [TRANSACCIONES_HEADER, ...body([10, 20, 500], 'SOLAR', 'b')].join('\n'),
    );
    await runTransforms(lake.deps);
    const rows = await readParquet(
      [
        lake.datalake.pathOf(processed('transacciones')),
        lake.datalake.pathOf(processed('transacciones', '2026-03-05')),
      ],
      `SELECT CAST(_fecha_carga AS VARCHAR) AS d, tipo_energia, CAST(precio_kwh_cop AS INTEGER) AS p, categoria_precio FROM t ORDER BY d, tipo_energia, p`,
    );
    expect(rows.map((r) => `${r.d} ${r.tipo_energia} ${r.p} ${r.categoria_precio}`)).toEqual([
      '2026-03-04 EOLICA 500 ECONOMICO',
      '2026-03-04 EOLICA 600 PROMEDIO',
      '2026-03-04 EOLICA 700 COSTOSO',
      '2026-03-04 SOLAR 100 ECONOMICO',
      '2026-03-04 SOLAR 200 ECONOMICO',
      '2026-03-04 SOLAR 300 PROMEDIO',
      '2026-03-04 SOLAR 400 PROMEDIO',
      '2026-03-04 SOLAR 500 COSTOSO',
      '2026-03-04 SOLAR 600 COSTOSO',
      '2026-03-05 SOLAR 10 ECONOMICO',
      '2026-03-05 SOLAR 20 PROMEDIO',
      '2026-03-05 SOLAR 500 COSTOSO',
    ]);
  });

  it('removes exact duplicates and keeps the latest version of a business key', async () => {
    const lake = newLake();
    await addRaw(
      lake,
      'transacciones',
      DAY,
      '1-early.csv',
      [
        TRANSACCIONES_HEADER,
        'T1;2026-03-04;COMPRA;A;1;100;SOLAR',
        'T1;2026-03-04;COMPRA;A;1;100;SOLAR',
        'T2;2026-03-04;COMPRA;A;1;100;SOLAR',
        'T2;2026-03-04;COMPRA;A;2;100;SOLAR',
        ';2026-03-04;VENTA;B;5;100;SOLAR',
        ';2026-03-04;venta;b ;5;100;solar',
        ';2026-03-04;VENTA;B;6;100;SOLAR',
      ].join('\n'),
      { loadedAt: `${DAY}T08:00:00.000Z` },
    );
    await addRaw(
      lake,
      'transacciones',
      DAY,
      '0-late.csv',
      `${TRANSACCIONES_HEADER}\nT1;2026-03-04;COMPRA;A;9;100;SOLAR\n`,
      {
        loadedAt: `${DAY}T20:00:00.000Z`,
      },
    );
    await addRaw(
      lake,
      'clientes',
      DAY,
      'c.csv',
      [
        CLIENTES_HEADER,
        'CC;1;Ana;Cali;;;;',
        'C.C.;1;Ana María;Cali;;;;',
        'CC;2;Luis;Cali;;;;',
      ].join('\n'),
    );
    const report = await runTransforms(lake.deps);
    const rows = await readParquet(
      lake.datalake.pathOf(processed('transacciones')),
      `SELECT coalesce(id_transaccion, '-') AS id, CAST(cantidad_comprada_kwh AS INTEGER) AS q FROM t ORDER BY id, q`,
    );
    // T1: the later ingestion wins; T2: the later row wins; no id: identical cleaned rows are one.
    expect(rows).toEqual([
      { id: '-', q: 5 },
      { id: '-', q: 6 },
      { id: 'T1', q: 9 },
      { id: 'T2', q: 2 },
    ]);
    const t = report.runs.find((r) => r.entity === 'transacciones')!;
    expect(t).toMatchObject({ rowsIn: 8, rowsOut: 4, rejected: 0, duplicates: 4 });
    const clientes = await readParquet(
      lake.datalake.pathOf(processed('clientes')),
      'SELECT identificacion, nombre FROM t ORDER BY 1',
    );
    expect(clientes).toEqual([
      { identificacion: '1', nombre: 'ANA MARIA' },
      { identificacion: '2', nombre: 'LUIS' },
    ]);
  });
  it('keeps the latest row of a repeated key in a file read in parallel (file order kept)', async () => {
    // 300 000 rows (several reader buffers), ids T0..T49999 each on six rows spread over the
    // file with a different quantity: the row nearest the end of the file must win every key.
    const lake = newLake();
    const lines = [TRANSACCIONES_HEADER];
    const KEYS = 50_000;
    for (let row = 0; row < 6 * KEYS; row++) {
      lines.push(`T${(row * 7919) % KEYS};2026-03-04;COMPRA;A;${row + 1};100;SOLAR`);
    }
    await addRaw(lake, 'transacciones', DAY, 'big.csv', `${lines.join('\n')}\n`);
    const report = await runTransforms(lake.deps, { entities: ['transacciones'] });
    expect(report.runs[0]).toMatchObject({ rowsIn: 6 * KEYS, rowsOut: KEYS, rejected: 0 });
    const latest = new Map<string, number>();
    for (let row = 0; row < 6 * KEYS; row++) latest.set(`T${(row * 7919) % KEYS}`, row + 1);
    const rows = await readParquet(
      lake.datalake.pathOf(processed('transacciones')),
      'SELECT id_transaccion AS id, CAST(cantidad_comprada_kwh AS INTEGER) AS q FROM t',
    );
    const wrong = rows.filter((r) => latest.get(r.id as string) !== r.q);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(rows).toHaveLength(KEYS);
  }, 120_000);
});
