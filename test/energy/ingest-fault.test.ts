import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../util/random.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const FILES = 300;

/** All files under a folder, recursively, as relative paths (temp files included). */
function walk(dir: string, base = dir): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p, base));
    else out.push(path.relative(base, p));
  }
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Runs `corriente ingest --once` on `home`. With `killAfterProgressMs`, SIGKILLs it that long
 * after it took its first file out of `landing`, so the kill lands inside the work (unless the
 * run finishes first).
 */
function runOnce(
  home: string,
  landing: string,
  killAfterProgressMs?: number,
): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolve) => {
    const before = readdirSync(landing).length;
    const child = spawn(process.execPath, [CLI, 'ingest', '--once', '--json'], {
      env: { ...process.env, CORRIENTE_HOME: home, CORRIENTE_LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    let timer: NodeJS.Timeout | undefined;
    const watch =
      killAfterProgressMs === undefined
        ? undefined
        : setInterval(() => {
            if (readdirSync(landing).length >= before) return;
            clearInterval(watch);
            timer = setTimeout(() => child.kill('SIGKILL'), killAfterProgressMs);
          }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      clearTimeout(timer);
      resolve({ code, killed: signal === 'SIGKILL' });
    });
  });
}

describe('ingestion under SIGKILL (fault test)', () => {
  const t = tempDir('corriente-fault-');
  const home = t.dir;
  const landing = path.join(home, 'source');
  const good = new Map<string, string>(); // sha → name (unique contents that must reach raw once)
  const bad = new Set<string>(); // sha of files that must reach quarantine once

  beforeAll(() => {
    mkdirSync(landing, { recursive: true });
    for (let i = 0; i < FILES; i++) {
      const entity = ['clientes', 'proveedores', 'transacciones'][i % 3]!;
      let body: string;
      if (i % 25 === 7) {
        body = 'columna_a;columna_b\n1;2\n'.repeat(1 + (i % 3)) + `#${i}\n`; // unknown entity
      } else if (entity === 'clientes') {
        body = 'tipo_identificacion;identificacion;nombre;ciudad\n';
        for (let r = 0; r < 200 + i; r++)
          body += `CC;${1000000 + i * 1000 + r};Persona ${r};Bogotá\n`;
      } else if (entity === 'proveedores') {
        body = 'nombre_proveedor;tipo_energia\n';
        for (let r = 0; r < 50 + i; r++) body += `Proveedor ${i}-${r} S.A.S.;Solar\n`;
      } else {
        body =
          'tipo_transaccion;nombre_cliente_proveedor;cantidad_comprada_kwh;precio_kwh_cop;tipo_energia\n';
        for (let r = 0; r < 400 + i; r++) body += `Venta;Persona ${r};${100 + r};812,5;Eólica\n`;
      }
      const buf = Buffer.from(body);
      // Every 20th file repeats an earlier content under another name: a duplicate.
      const name = `${entity}_${String(i).padStart(4, '0')}.csv`;
      writeFileSync(path.join(landing, name), buf);
      if (i % 25 === 7) bad.add(sha(buf));
      else good.set(sha(buf), name);
      if (i % 20 === 19) writeFileSync(path.join(landing, `copia_${name}`), buf);
    }
  });
  afterAll(() => t.cleanup());

  it('ends with every file in raw (or quarantine) exactly once after many kills', async () => {
    const ok = spawnSync(process.execPath, [CLI, '--help']);
    expect(ok.status, 'dist/ must be built (npm run build)').toBe(0);
    const random = seededRandom('ingest fault');
    const lake = path.join(home, 'datalake');
    let kills = 0;
    // Kills that landed inside the work: the run had moved files out of the landing folder and
    // left others there.
    let killsInsideWork = 0;
    let landed = walk(landing).length;
    let stored = walk(lake).length;
    for (let round = 0; round < 25; round++) {
      const r = await runOnce(home, landing, random.int(0, 400));
      const nowLanded = walk(landing).length;
      const nowStored = walk(lake).length;
      if (r.killed) {
        kills++;
        if (nowLanded > 0 && (nowLanded < landed || nowStored > stored)) killsInsideWork++;
      }
      landed = nowLanded;
      stored = nowStored;
      if (!r.killed) break; // finished before the kill: nothing left to do
    }
    // The finishing run exits 1 when it is the one that quarantines bad files (README: a file
    // not accepted is failed work); a run after it has nothing left and exits 0.
    const final = await runOnce(home, landing);
    expect([0, 1]).toContain(final.code);
    expect((await runOnce(home, landing)).code).toBe(0);
    expect(kills).toBeGreaterThan(0);
    expect(killsInsideWork).toBeGreaterThan(0);

    // Landing is empty.
    expect(walk(landing)).toEqual([]);
    const all = walk(lake);
    // No visible torn files: temp files of killed writes are the only extra files allowed.
    const raw = all.filter((k) => k.startsWith('raw/') && !k.includes('.corriente-tmp-'));
    const rawShas = raw.map((k) => sha(readFileSync(path.join(lake, k))));
    // Every good content exactly once in raw, and nothing else in raw.
    expect(rawShas.length).toBe(good.size);
    expect(new Set(rawShas).size).toBe(rawShas.length);
    for (const s of rawShas) expect(good.has(s)).toBe(true);
    // Every bad file in quarantine, each content once.
    const quarantined = all.filter(
      (k) =>
        k.startsWith('quarantine/files/') &&
        !k.endsWith('.error.json') &&
        !k.includes('.corriente-tmp-'),
    );
    const qShas = quarantined.map((k) => sha(readFileSync(path.join(lake, k))));
    expect(new Set(qShas)).toEqual(bad);
    expect(qShas.length).toBe(bad.size);
    // One manifest per raw file, no pending intents left.
    // (A kill inside a manifest's put leaves its hidden temp file, as for any put.)
    const manifests = all.filter(
      (k) => k.startsWith('_manifests/sha256/') && !k.includes('.corriente-tmp-'),
    );
    expect(manifests.length).toBe(good.size);
    // Named by content: exactly the good files' hashes.
    expect(new Set(manifests.map((k) => path.basename(k, '.json')))).toEqual(new Set(good.keys()));
    // (A kill inside a put leaves its hidden temp file, allowed above; never a visible intent.)
    expect(
      all.filter((k) => k.startsWith('_manifests/pending/') && !k.includes('.corriente-tmp-')),
    ).toEqual([]);
  }, 300_000);
});
