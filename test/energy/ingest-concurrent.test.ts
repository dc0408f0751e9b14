import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFsObjectStore } from '../../src/core/object-store/local-fs/local-fs-object-store.js';
import { listAll, type ObjectStore } from '../../src/core/object-store/object-store.js';
import { S3ObjectStore } from '../../src/core/object-store/s3/s3-object-store.js';
import type { FileOutcome, IngestReport } from '../../src/energy/ingest/ingest.js';
import { startS3rver, type S3rverProcess } from '../util/s3rver-process.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const WORKERS = 3;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Landing {
  /** Landing key → content. */
  files: Map<string, Buffer>;
  /** sha256 of the contents that must reach raw exactly once. */
  good: Set<string>;
  /** Landing keys that must be quarantined. */
  bad: Set<string>;
}

/**
 * 35 files (~40 MB at 45,000 big rows): one name in eight folders with eight contents (raw names collide), one
 * content under four names (duplicates), small unique files, and a few that must be quarantined.
 */
function makeLanding(bigRows: number): Landing {
  const files = new Map<string, Buffer>();
  const good = new Set<string>();
  const bad = new Set<string>();
  const clientes = (seed: number, rows: number): Buffer => {
    let body = 'tipo_identificacion;identificacion;nombre;ciudad\n';
    for (let r = 0; r < rows; r++)
      body += `CC;${seed * 100_000 + r};Persona ${seed}-${r};Medellín\n`;
    return Buffer.from(body);
  };
  const transacciones = (seed: number, rows: number): Buffer => {
    let body =
      'tipo_transaccion;nombre_cliente_proveedor;cantidad_comprada_kwh;precio_kwh_cop;tipo_energia\n';
    for (let r = 0; r < rows; r++) body += `Venta;Cliente ${seed}-${r};${r % 997};812,5;Solar\n`;
    return Buffer.from(body);
  };
  // One name in eight folders with eight contents (~3 MB each): all want
  // raw/clientes/<day>/clientes.csv, and they are big enough that the workers, which skip a file
  // another one holds, are on different ones of them at the same time.
  for (let f = 0; f < 8; f++) {
    const body = clientes(1000 + f, bigRows);
    files.set(`sucursal_${f}/clientes.csv`, body);
    good.add(sha(body));
  }
  // The same content under four names (and one raw name): one load, three duplicates.
  const copy = transacciones(2000, bigRows);
  good.add(sha(copy));
  for (let c = 0; c < 4; c++) files.set(`copias/copia_${c}/transacciones.csv`, copy);
  for (let i = 0; i < 20; i++) {
    const body = i % 2 ? clientes(i, 2000) : transacciones(i, 2000);
    files.set(`${i % 2 ? 'clientes' : 'transacciones'}_${String(i).padStart(3, '0')}.csv`, body);
    good.add(sha(body));
  }
  for (let k = 0; k < 3; k++) {
    const key = `desconocido_${k}.csv`;
    files.set(key, Buffer.from(`columna_a;columna_b\n${k};2\n`));
    bad.add(key);
  }
  return { files, good, bad };
}

/** Runs one `corriente ingest --once --json` worker on its own home with the shared config. */
function runWorker(home: string, config: object, env: NodeJS.ProcessEnv): Promise<IngestReport> {
  mkdirSync(home, { recursive: true });
  const configFile = path.join(home, 'corriente.config.json');
  writeFileSync(configFile, JSON.stringify({ ...config, home }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'ingest', '--once', '--json'], {
      env: { ...process.env, ...env, CORRIENTE_CONFIG: configFile, CORRIENTE_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      // Exit 1 is the documented code of a run that quarantined files.
      if (code !== 0 && code !== 1) return reject(new Error(`worker exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as IngestReport);
      } catch {
        reject(new Error(`worker exited ${code} without a JSON report: ${err}`));
      }
    });
  });
}

async function keysOf(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of listAll(store, prefix)) keys.push(o.key);
  return keys;
}

/**
 * Drops the landing files, runs three workers at once (again while anything is left: a file
 * whose content another worker is loading is deferred), then checks the lake.
 */
async function runScenario(opts: {
  source: ObjectStore;
  datalake: ObjectStore;
  dir: string;
  config: object;
  env?: NodeJS.ProcessEnv;
  /** Rows of each of the nine big files (45,000 ≈ 3 MB). */
  bigRows: number;
}): Promise<void> {
  const landing = makeLanding(opts.bigRows);
  for (const [key, body] of landing.files) await opts.source.put(key, body);
  const outcomes: { worker: number; round: number; outcome: FileOutcome }[] = [];
  for (let round = 0; round < 4; round++) {
    const reports = await Promise.all(
      Array.from({ length: WORKERS }, (_, w) =>
        runWorker(path.join(opts.dir, `home-${w}`), opts.config, opts.env ?? {}),
      ),
    );
    reports.forEach((r, w) =>
      r.files.forEach((outcome) => outcomes.push({ worker: w, round, outcome })),
    );
    if ((await keysOf(opts.source, '')).length === 0) break;
  }
  // The workers really ran side by side: in the first round, more than one took files.
  const busyWorkers = new Set(
    outcomes.filter((o) => o.round === 0 && o.outcome.status !== 'deferred').map((o) => o.worker),
  );
  expect(busyWorkers.size).toBeGreaterThan(1);

  // Every landing file is accounted for exactly once, and nothing failed.
  expect(await keysOf(opts.source, '')).toEqual([]);
  expect(outcomes.filter((o) => o.outcome.status === 'failed')).toEqual([]);
  // No worker ever worked on a file another one held: the only deferrals are copies whose
  // content another worker was loading from another landing file at that moment.
  const deferred = outcomes.filter((o) => o.outcome.status === 'deferred');
  expect(deferred.filter((o) => !o.outcome.sourceKey.startsWith('copias/'))).toEqual([]);
  const final = outcomes.filter((o) => o.outcome.status !== 'deferred');
  const keys = final.map((o) => o.outcome.sourceKey).sort();
  expect(keys).toEqual([...landing.files.keys()].sort());
  const quarantined = final.filter((o) => o.outcome.status === 'quarantined');
  expect(new Set(quarantined.map((o) => o.outcome.sourceKey))).toEqual(landing.bad);

  // Each good content loaded exactly once, each load at its own raw key, the rest duplicates.
  const loaded = final.filter((o) => o.outcome.status === 'loaded');
  expect(loaded.length).toBe(landing.good.size);
  const rawKeys = loaded.map((o) => o.outcome.rawKey!);
  expect(new Set(rawKeys).size).toBe(rawKeys.length);
  expect(final.filter((o) => o.outcome.status === 'duplicate').length).toBe(
    landing.files.size - landing.good.size - landing.bad.size,
  );

  // Every raw object is intact and none was overwritten: each holds the content its manifest
  // names, and that content is the one the landing file carried.
  const raw = await keysOf(opts.datalake, 'raw/');
  expect(raw.sort()).toEqual([...rawKeys].sort());
  const bySourceKey = landing.files;
  for (const o of loaded) {
    const body = await opts.datalake.get(o.outcome.rawKey!);
    expect(sha(body)).toBe(sha(bySourceKey.get(o.outcome.sourceKey)!));
    const manifest = JSON.parse(
      (await opts.datalake.get(`_manifests/raw/${o.outcome.rawKey}.json`)).toString(),
    ) as { sha256: string; sourceKey: string };
    expect(manifest.sha256).toBe(sha(body));
    expect(manifest.sourceKey).toBe(o.outcome.sourceKey);
  }
  // The colliding names got distinct keys: one plain, the others content-suffixed.
  const collided = loaded
    .filter((o) => o.outcome.sourceKey.startsWith('sucursal_'))
    .map((o) => path.posix.basename(o.outcome.rawKey!));
  expect(collided.length).toBe(8);
  expect(collided.filter((name) => name === 'clientes.csv').length).toBe(1);
  expect(collided.filter((name) => /^clientes__[0-9a-f]{12}\.csv$/.test(name)).length).toBe(7);
  expect(await keysOf(opts.datalake, '_manifests/pending/')).toEqual([]);
  expect(await keysOf(opts.datalake, '_staging/')).toEqual([]);
}

describe('three ingestion workers at once on one landing store', () => {
  const t = tempDir('corriente-concurrent-');
  let s3rver: S3rverProcess | undefined;
  beforeAll(async () => {
    s3rver = await startS3rver(['landing-concurrente', 'lago-concurrente']);
  });
  afterAll(async () => {
    await s3rver?.stop();
    t.cleanup();
  });

  it('local folders: every file once, every raw object intact, none overwritten', async () => {
    const dir = path.join(t.dir, 'local');
    const landing = path.join(dir, 'landing');
    const lake = path.join(dir, 'lake');
    await runScenario({
      source: new LocalFsObjectStore({ root: landing }),
      datalake: new LocalFsObjectStore({ root: lake }),
      dir,
      config: {
        stores: {
          source: { type: 'local', path: landing },
          datalake: { type: 'local', path: lake },
        },
        ingest: { claims: { type: 'sqlite', path: path.join(dir, 'claims.db') } },
      },
      bigRows: 45_000,
    });
  }, 300_000);

  it('s3rver (which ignores If-None-Match): the claims alone keep raw objects from being overwritten', async () => {
    const dir = path.join(t.dir, 's3');
    const { endpoint, credentials } = s3rver!;
    const store = (bucket: string) =>
      new S3ObjectStore({ bucket, endpoint, forcePathStyle: true, credentials });
    const s3 = (bucket: string) => ({ type: 's3', bucket, endpoint, forcePathStyle: true });
    await runScenario({
      source: store('landing-concurrente'),
      datalake: store('lago-concurrente'),
      dir,
      config: {
        stores: { source: s3('landing-concurrente'), datalake: s3('lago-concurrente') },
        ingest: { claims: { type: 'sqlite', path: path.join(dir, 'claims.db') } },
      },
      env: {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
      // s3rver writes every object through its own file store on one core: smaller files keep
      // the four rounds well inside the timeout on a loaded CI machine.
      bigRows: 12_000,
    });
  }, 600_000);
});
