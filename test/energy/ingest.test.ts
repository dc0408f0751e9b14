import { SqliteIngestClaims } from '../../src/energy/ingest/sqlite/sqlite-ingest-claims.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestOnce, entityFromName, type IngestDeps } from '../../src/energy/ingest/ingest.js';
import { manifestEntrySchema, manifestKeyForRaw } from '../../src/energy/ingest/manifest.js';
import { silentLogger } from '../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../src/core/object-store/local-fs/local-fs-object-store.js';
import { listAll, type ObjectStore } from '../../src/core/object-store/object-store.js';
import { tempDir } from '../util/tmp.js';

const CLIENTES =
  'tipo_identificacion;identificacion;nombre;ciudad\nCC;1020304050;Juan Pérez;Bogotá\n';
const PROVEEDORES = 'nombre_proveedor;tipo_energia\nHidro Andes S.A.S. E.S.P.;Hidroeléctrica\n';
const TRANSACCIONES =
  'tipo_transaccion;nombre_cliente_proveedor;cantidad_comprada_kwh;precio_kwh_cop;tipo_energia\n' +
  'Venta;Juan Pérez;150,5;812,3;Solar\nCompra;Hidro Andes S.A.S. E.S.P.;50000;310;Hidroeléctrica\n';

// 2026-03-10 02:30 UTC is still 2026-03-09 in Bogotá (UTC-5).
const NOW = new Date('2026-03-10T02:30:00Z');
const DAY = 'year=2026/month=03/day=09';

let t: ReturnType<typeof tempDir>;
let source: LocalFsObjectStore;
let datalake: LocalFsObjectStore;
let deps: IngestDeps;

beforeEach(() => {
  t = tempDir();
  source = new LocalFsObjectStore({ root: path.join(t.dir, 'source') });
  datalake = new LocalFsObjectStore({ root: path.join(t.dir, 'datalake') });
  deps = {
    source,
    datalake,
    claims: new SqliteIngestClaims({ path: path.join(t.dir, 'state', 'ingest-claims.db') }),
    log: silentLogger,
    timezone: 'America/Bogota',
    now: () => NOW,
  };
});
afterEach(() => t.cleanup());

function drop(name: string, content: string | Buffer): void {
  const p = path.join(source.root, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
}

async function keys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const o of listAll(store, prefix)) out.push(o.key);
  return out;
}

async function errorDoc(key: string): Promise<Record<string, unknown>> {
  return JSON.parse((await datalake.get(`${key}.error.json`)).toString()) as Record<
    string,
    unknown
  >;
}

describe('entity recognition', () => {
  it('takes the entity from the name prefix, ignoring case and accents', () => {
    expect(entityFromName('clientes_2026-01-01.csv')).toBe('clientes');
    expect(entityFromName('PROVEEDORES.csv')).toBe('proveedores');
    expect(entityFromName('Transacciónes_enero.txt')).toBe('transacciones');
    expect(entityFromName('export.csv')).toBeUndefined();
  });

  it('falls back to the header when the name says nothing', async () => {
    drop('export_42.csv', TRANSACCIONES);
    drop('lista.csv', 'Tipo Identificación;Identificación;Nombre;Ciudad\nCC;1;A;B\n');
    const r = await ingestOnce(deps);
    expect(r.totals.loaded).toBe(2);
    expect(await keys(datalake, 'raw/')).toEqual([
      `raw/clientes/${DAY}/lista.csv`,
      `raw/transacciones/${DAY}/export_42.csv`,
    ]);
  });
});

describe('accepted files', () => {
  it('copies byte for byte into raw/<entity>/<load date>, writes the manifest, then removes the landing file', async () => {
    drop('clientes_2026-03-09.csv', CLIENTES);
    drop('sub/proveedores.csv', PROVEEDORES);
    drop('transacciones_2026-03-09.csv', TRANSACCIONES);
    const r = await ingestOnce(deps);
    expect(r.loadDate).toBe('2026-03-09');
    expect(r.totals).toMatchObject({
      loaded: 3,
      duplicate: 0,
      quarantined: 0,
      failed: 0,
      rowsLoaded: 4,
    });
    const rawKey = `raw/clientes/${DAY}/clientes_2026-03-09.csv`;
    expect((await datalake.get(rawKey)).toString()).toBe(CLIENTES);
    expect(await keys(source)).toEqual([]);
    const entry = manifestEntrySchema.parse(
      JSON.parse((await datalake.get(manifestKeyForRaw(rawKey))).toString()),
    );
    expect(entry).toMatchObject({
      entity: 'clientes',
      sourceKey: 'clientes_2026-03-09.csv',
      rawKey,
      bytes: Buffer.byteLength(CLIENTES),
      rows: 1,
      encoding: 'utf-8',
      delimiter: ';',
      lineEnding: 'lf',
      loadDate: '2026-03-09',
      columns: ['tipo_identificacion', 'identificacion', 'nombre', 'ciudad'],
    });
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await datalake.head(`raw/proveedores/${DAY}/proveedores.csv`)).toBeDefined();
  });

  it('loads large files (hashed on a second thread) by kernel copy and by stream alike', async () => {
    const header =
      'tipo_transaccion;nombre_cliente_proveedor;cantidad_comprada_kwh;precio_kwh_cop;tipo_energia\r\n';
    const row = 'Venta;"Pérez, ""Juan""\r\nBogotá";150,5;812,3;Solar\r\n';
    const n = Math.ceil((9 << 20) / Buffer.byteLength(row)); // above the 8 MiB thread threshold
    // The same folders without their local fast paths: bytes stream through JS, as from S3.
    const streamed = (store: LocalFsObjectStore): ObjectStore =>
      new Proxy(store, {
        get(target, prop) {
          if (prop === 'localPath' || prop === 'putFileAndRead') return undefined;
          const v = Reflect.get(target, prop) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    const runs = [deps, { ...deps, source: streamed(source), datalake: streamed(datalake) }];
    for (const [i, run] of runs.entries()) {
      const body = Buffer.from(header + row.repeat(n + i));
      const sha256 = createHash('sha256').update(body).digest('hex');
      drop(`transacciones_${i}.csv`, body);
      const r = await ingestOnce(run, { loadDate: `2026-03-1${i}` });
      expect(r.totals).toMatchObject({ loaded: 1, rowsLoaded: n + i });
      const rawKey = `raw/transacciones/year=2026/month=03/day=1${i}/transacciones_${i}.csv`;
      expect(
        createHash('sha256')
          .update(await datalake.get(rawKey))
          .digest('hex'),
      ).toBe(sha256);
      const entry = manifestEntrySchema.parse(
        JSON.parse((await datalake.get(manifestKeyForRaw(rawKey))).toString()),
      );
      expect(entry).toMatchObject({ sha256, rows: n + i, bytes: body.length, lineEnding: 'crlf' });
      expect(await keys(datalake, '_staging/')).toEqual([]);
    }
  });

  it('detects Latin-1, UTF-8 with BOM, CRLF and a comma delimiter', async () => {
    drop(
      'clientes_latin1.csv',
      Buffer.from(
        'tipo_identificacion;identificacion;nombre;ciudad\r\nCC;1;José;BOGOTÁ\r\n',
        'latin1',
      ),
    );
    drop(
      'proveedores_bom.csv',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PROVEEDORES)]),
    );
    drop(
      'transacciones_coma.csv',
      TRANSACCIONES.replace(/;/g, ',').replace('150,5', '"150,5"').replace('812,3', '"812,3"'),
    );
    await ingestOnce(deps);
    const read = async (k: string) =>
      manifestEntrySchema.parse(JSON.parse((await datalake.get(manifestKeyForRaw(k))).toString()));
    const c = await read(`raw/clientes/${DAY}/clientes_latin1.csv`);
    expect([c.encoding, c.lineEnding, c.rows]).toEqual(['latin-1', 'crlf', 1]);
    const p = await read(`raw/proveedores/${DAY}/proveedores_bom.csv`);
    expect([p.encoding, p.header[0]]).toEqual(['utf-8-bom', 'nombre_proveedor']);
    const tr = await read(`raw/transacciones/${DAY}/transacciones_coma.csv`);
    expect([tr.delimiter, tr.rows]).toEqual([',', 2]);
    // raw stays byte-identical, BOM and all
    expect((await datalake.get(`raw/proveedores/${DAY}/proveedores_bom.csv`))[0]).toBe(0xef);
  });

  it('counts records, not lines: quoted newlines and empty lines are handled', async () => {
    drop(
      'clientes_q.csv',
      'tipo_identificacion;identificacion;nombre;ciudad\n\nCC;1;"Ana\nMaría";Cali\r\n\r\nNIT;2;"A ""B"" S.A.S.";Pasto\n\n',
    );
    const r = await ingestOnce(deps);
    expect(r.files[0]?.rows).toBe(2);
  });

  it('uses --load-date when given', async () => {
    drop('clientes.csv', CLIENTES);
    const r = await ingestOnce(deps, { loadDate: '2025-12-31' });
    expect(r.files[0]?.rawKey).toBe('raw/clientes/year=2025/month=12/day=31/clientes.csv');
  });

  it('ignores hidden files, files in hidden folders and uploads in progress', async () => {
    drop('.DS_Store', 'x');
    drop('clientes.csv.part', CLIENTES);
    drop('.hidden/clientes.csv', CLIENTES);
    drop('sub/.oculta/proveedores.csv', PROVEEDORES);
    const r = await ingestOnce(deps);
    expect(r.files).toEqual([]);
    expect(await keys(source)).toEqual([
      '.DS_Store',
      '.hidden/clientes.csv',
      'clientes.csv.part',
      'sub/.oculta/proveedores.csv',
    ]);
  });

  it('never follows a symlink, a FIFO or a folder named *.csv: reported not_a_regular_file and moved to quarantine', async () => {
    const outside = path.join(t.dir, 'secreto.csv');
    writeFileSync(outside, CLIENTES);
    mkdirSync(source.root, { recursive: true });
    symlinkSync(outside, path.join(source.root, 'clientes_enlace.csv'));
    execFileSync('mkfifo', [path.join(source.root, 'transacciones_fifo.csv')]);
    mkdirSync(path.join(source.root, 'proveedores.csv'));
    drop('clientes.csv', CLIENTES);
    const r = await ingestOnce(deps);
    expect(r.totals).toMatchObject({ loaded: 1, quarantined: 3, failed: 0 });
    const odd = r.files.filter((f) => f.status === 'quarantined');
    expect(odd.map((f) => [f.sourceKey, f.reason?.code])).toEqual([
      ['clientes_enlace.csv', 'not_a_regular_file'],
      ['proveedores.csv', 'not_a_regular_file'],
      ['transacciones_fifo.csv', 'not_a_regular_file'],
    ]);
    // Nothing is left in landing; the link itself was moved, its target neither read nor moved.
    expect(readdirSync(source.root)).toEqual([]);
    expect(readFileSync(outside, 'utf8')).toBe(CLIENTES);
    const link = odd[0]!.quarantineKey!;
    expect(lstatSync(datalake.pathOf(link)).isSymbolicLink()).toBe(true);
    expect(lstatSync(datalake.pathOf(odd[2]!.quarantineKey!)).isFIFO()).toBe(true);
    const doc = await errorDoc(link);
    expect(doc).toMatchObject({ code: 'not_a_regular_file', kind: 'symlink' });
    expect(String(doc.mensaje)).toMatch(/enlace simbólico/);
    expect(await keys(datalake, 'raw/')).toEqual([`raw/clientes/${DAY}/clientes.csv`]);
  });

  it('defers files younger than minFileAgeMs', async () => {
    drop('clientes.csv', CLIENTES);
    utimesSync(path.join(source.root, 'clientes.csv'), NOW, NOW);
    const r = await ingestOnce(deps, { minFileAgeMs: 5000 });
    expect(r.totals.deferred).toBe(1);
    expect(await keys(source)).toEqual(['clientes.csv']);
    const old = new Date(NOW.getTime() - 10_000);
    utimesSync(path.join(source.root, 'clientes.csv'), old, old);
    expect((await ingestOnce(deps, { minFileAgeMs: 5000 })).totals.loaded).toBe(1);
  });
});

describe('idempotency', () => {
  it('skips the same content again as a duplicate, whatever its name', async () => {
    drop('clientes.csv', CLIENTES);
    await ingestOnce(deps);
    drop('clientes.csv', CLIENTES);
    drop('otra copia de clientes.csv', CLIENTES);
    const r = await ingestOnce(deps);
    expect(r.totals).toMatchObject({ loaded: 0, duplicate: 2 });
    expect(r.files[0]?.duplicateOf).toBe(`raw/clientes/${DAY}/clientes.csv`);
    expect(await keys(datalake, 'raw/')).toEqual([`raw/clientes/${DAY}/clientes.csv`]);
    expect(await keys(source)).toEqual([]);
  });

  it('keeps a different file with a name already used that day under a distinct name', async () => {
    drop('clientes.csv', CLIENTES);
    await ingestOnce(deps);
    const second = CLIENTES + 'CE;998877;Luisa Gómez;Cali\n';
    drop('clientes.csv', second);
    const r = await ingestOnce(deps);
    expect(r.totals.loaded).toBe(1);
    const raw = await keys(datalake, 'raw/');
    expect(raw).toHaveLength(2);
    expect((await datalake.get(`raw/clientes/${DAY}/clientes.csv`)).toString()).toBe(CLIENTES);
    const other = raw.find((k) => k !== `raw/clientes/${DAY}/clientes.csv`)!;
    expect(other).toMatch(/clientes__[0-9a-f]{12}\.csv$/);
    expect((await datalake.get(other)).toString()).toBe(second);
  });

  describe('claims shared with other workers', () => {
    const shaOf = (text: string): string => createHash('sha256').update(text).digest('hex');
    // Our parent process: alive, on this host, and not us.
    const liveOther = { host: hostname(), pid: process.ppid, runId: 'otro-run' };
    const deadOther = (): { host: string; pid: number; runId: string } => {
      const dead = spawnSync(process.execPath, ['-e', 'process.kill(process.pid, "SIGKILL")']);
      return { host: hostname(), pid: dead.pid!, runId: 'muerto-run' };
    };
    const at = NOW.toISOString();

    it('leaves a landing file another live worker holds, and takes one from a dead worker', async () => {
      drop('clientes.csv', CLIENTES);
      drop('proveedores.csv', PROVEEDORES);
      await deps.claims.claimLanding({
        sourceKey: 'clientes.csv',
        etag: 'x',
        owner: liveOther,
        claimedAt: at,
      });
      await deps.claims.claimLanding({
        sourceKey: 'proveedores.csv',
        etag: 'x',
        owner: deadOther(),
        claimedAt: at,
      });
      const r = await ingestOnce(deps);
      // Not this worker's file: not in its report, still in landing.
      expect(r.files.map((f) => [f.sourceKey, f.status])).toEqual([['proveedores.csv', 'loaded']]);
      expect(await keys(source, '')).toEqual(['clientes.csv']);
      // A claim of another host is not taken over before its time-to-live…
      await deps.claims.releaseLanding('clientes.csv', liveOther);
      const remote = { host: 'otro-nodo', pid: 1, runId: 'r' };
      await deps.claims.claimLanding({
        sourceKey: 'clientes.csv',
        etag: 'x',
        owner: remote,
        claimedAt: at,
      });
      expect((await ingestOnce(deps)).files).toEqual([]);
      // …and is after it.
      const later = await ingestOnce({ ...deps, now: () => new Date(NOW.getTime() + 16 * 60_000) });
      expect(later.files.map((f) => f.status)).toEqual(['loaded']);
    });

    it('defers a file whose content a live worker is loading from another landing file', async () => {
      drop('clientes_copia.csv', CLIENTES);
      await deps.claims.claimRawKey({
        sha256: shaOf(CLIENTES),
        rawKey: `raw/clientes/${DAY}/clientes.csv`,
        sourceKey: 'clientes.csv',
        owner: liveOther,
        claimedAt: at,
      });
      const r = await ingestOnce(deps);
      expect(r.files.map((f) => f.status)).toEqual(['deferred']);
      expect(await keys(datalake, 'raw/')).toEqual([]);
      expect(await keys(source, '')).toEqual(['clientes_copia.csv']);
    });

    it('never takes a raw key claimed by other content, even while no object is there yet', async () => {
      drop('clientes.csv', CLIENTES);
      // Another worker claimed the plain name for another content and has not written it yet.
      await deps.claims.claimRawKey({
        sha256: shaOf('otro contenido'),
        rawKey: `raw/clientes/${DAY}/clientes.csv`,
        sourceKey: 'otra/clientes.csv',
        owner: liveOther,
        claimedAt: at,
      });
      const r = await ingestOnce(deps);
      expect(r.files[0]!.status).toBe('loaded');
      expect(r.files[0]!.rawKey).toBe(
        `raw/clientes/${DAY}/clientes__${shaOf(CLIENTES).slice(0, 12)}.csv`,
      );
      expect((await deps.claims.rawKeyOf(shaOf(CLIENTES)))?.rawKey).toBe(r.files[0]!.rawKey);
    });
  });

  it('completes a file whose previous run died after the copy, without a second copy', async () => {
    drop('clientes.csv', CLIENTES);
    // Simulate a crash after step 3 (intent + raw copy written, no manifest, landing still there).
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(CLIENTES).digest('hex');
    const rawKey = 'raw/clientes/year=2026/month=03/day=08/clientes.csv'; // the day before
    await datalake.put(
      `_manifests/pending/${sha}.json`,
      JSON.stringify({ rawKey, loadDate: '2026-03-08' }),
    );
    await datalake.put(rawKey, CLIENTES);
    const r = await ingestOnce(deps);
    expect(r.totals.loaded).toBe(1);
    expect(await keys(datalake, 'raw/')).toEqual([rawKey]);
    expect(await keys(datalake, '_manifests/pending/')).toEqual([]);
    expect(await keys(source)).toEqual([]);
  });
});

describe('quarantine', () => {
  const cases: [string, string | Buffer, string][] = [
    ['vacio.csv', '', 'empty'],
    ['solo_espacios_clientes.csv', '  \n\n', 'empty'],
    ['transacciones.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'not_text'],
    ['clientes_utf16.csv', Buffer.from('\ufefftipo;x\n', 'utf16le'), 'not_text'],
    ['clientes_bin.csv', Buffer.from('tipo_identificacion;a\u0000b\n'), 'not_text'],
    [
      'clientes_1252.csv',
      Buffer.from([
        ...Buffer.from('tipo_identificacion;identificacion;nombre;ciudad\nCC;1;'),
        0x93,
        0x41,
        0x94,
        ...Buffer.from(';X\n'),
      ]),
      'undecodable',
    ],
    ['clientes_una_columna.csv', 'tipo_identificacion\nCC\n', 'no_delimiter'],
    ['datos.csv', 'a;b;c\n1;2;3\n', 'unknown_entity'],
    [
      'clientes_sin_ciudad.csv',
      'tipo_identificacion;identificacion;nombre\nCC;1;A\n',
      'missing_columns',
    ],
    // One data line past the default ingest.maxRecordBytes (1 MiB).
    [
      'clientes_linea_larga.csv',
      `tipo_identificacion;identificacion;nombre;ciudad\nCC;1;A;Cali\nCC;2;${'x'.repeat(1024 * 1024 + 1)};Cali\nCC;3;B;Cali\n`,
      'record_too_long',
    ],
  ];
  for (const [name, content, code] of cases) {
    it(`quarantines ${name} (${code}) with a readable reason, and loads the rest`, async () => {
      drop(name, content);
      drop('proveedores.csv', PROVEEDORES);
      const r = await ingestOnce(deps);
      expect(r.totals).toMatchObject({ loaded: 1, quarantined: 1, failed: 0 });
      const q = r.files.find((f) => f.status === 'quarantined')!;
      expect(q.quarantineKey).toBe(`quarantine/files/2026-03-09/${name}`);
      const doc = await errorDoc(q.quarantineKey!);
      expect(doc.code).toBe(code);
      expect(String(doc.message).length).toBeGreaterThan(10);
      expect(String(doc.mensaje).length).toBeGreaterThan(10);
      expect(doc.sourceKey).toBe(name);
      expect(Buffer.compare(await datalake.get(q.quarantineKey!), Buffer.from(content))).toBe(0);
      expect(await keys(source)).toEqual([]);
    });
  }

  it('measures records against maxRecordBytes, quoted line breaks included', async () => {
    const line = (n: number): string => `CC;1;"${'x'.repeat(n)}\n${'y'.repeat(n)}";Cali`;
    const header = 'tipo_identificacion;identificacion;nombre;ciudad';
    drop('clientes_ok.csv', `${header}\n${line(400)}\n`);
    drop('clientes_largo.csv', `${header}\r\n${line(600)}\r\nCC;2;B;Cali\r\n`);
    const r = await ingestOnce({ ...deps, maxRecordBytes: 1024 });
    expect(r.files.find((f) => f.sourceKey === 'clientes_ok.csv')?.status).toBe('loaded');
    const long = r.files.find((f) => f.sourceKey === 'clientes_largo.csv')!;
    expect(long.status).toBe('quarantined');
    expect(long.reason?.code).toBe('record_too_long');
    expect(long.reason?.message).toMatch(/line 2 is 1213 bytes long, more than the 1024/);
  });

  it('names the missing columns', async () => {
    drop('clientes_sin_ciudad.csv', 'tipo_identificacion;identificacion;nombre\nCC;1;A\n');
    await ingestOnce(deps);
    const doc = await errorDoc('quarantine/files/2026-03-09/clientes_sin_ciudad.csv');
    expect(doc.missingColumns).toEqual(['ciudad']);
    expect(doc.mensaje).toContain('ciudad');
  });

  it('never overwrites an earlier quarantined file of the same name', async () => {
    drop('datos.csv', 'a;b\n1;2\n');
    await ingestOnce(deps);
    drop('datos.csv', 'a;b\n3;4\n');
    await ingestOnce(deps);
    const q = (await keys(datalake, 'quarantine/')).filter((k) => !k.endsWith('.error.json'));
    expect(q).toHaveLength(2);
  });
});

describe('run reports', () => {
  it('keeps each run report in the lake', async () => {
    drop('clientes.csv', CLIENTES);
    const r = await ingestOnce(deps);
    const stored = await keys(datalake, '_manifests/ingest-runs/');
    expect(stored).toEqual([`_manifests/ingest-runs/${DAY}/${r.runId}.json`]);
    expect(JSON.parse((await datalake.get(stored[0]!)).toString()).totals.loaded).toBe(1);
    expect(existsSync(path.join(source.root, 'clientes.csv'))).toBe(false);
    expect(readFileSync(datalake.pathOf(`raw/clientes/${DAY}/clientes.csv`), 'utf8')).toBe(
      CLIENTES,
    );
  });
});
