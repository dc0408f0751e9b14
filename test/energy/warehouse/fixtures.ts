import { cpSync, existsSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig, type Config } from '../../../src/deploy/config.js';
import { quoteLiteral } from '../../../src/core/duckdb/duckdb.js';
import { partitionPath } from '../../../src/energy/ingest/manifest.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { runTransforms } from '../../../src/energy/transform/runner.js';
import {
  addRaw,
  CLIENTES_HEADER,
  newLake,
  PROVEEDORES_HEADER,
  TRANSACCIONES_HEADER,
} from '../transform/fixtures.js';
import { writeParquet } from '../../util/lake.js';
import { tempDir } from '../../util/tmp.js';

export const DAY1 = '2026-03-04';
export const DAY2 = '2026-03-05';

/**
 * Builds, with the real transform, a lake holding processed partitions for two days:
 * - day 1: clientes Ana Gómez (Bogotá) and Luis Pérez (Cali); proveedores Hidro Andes and Sol del
 *   Norte; transacciones T1 (COMPRA Hidro Andes), T2 (VENTA Ana), T3 (VENTA Luis), T4 (VENTA to an
 *   unknown cliente);
 * - day 2: Ana moves to Medellín; T5 (VENTA Ana), T6 (COMPRA Sol del Norte).
 * Returns the lake's datalake folder; tests copy the partitions they need from it.
 */
export async function buildTemplateLake(): Promise<string> {
  const lake = newLake();
  await addRaw(
    lake,
    'clientes',
    DAY1,
    'c.csv',
    `${CLIENTES_HEADER}\nCC;1;Ana Gómez;Bogotá;Cundinamarca;residencial;3;\nCC;2;Luis Pérez;Cali;Valle;comercial;;\n`,
  );
  await addRaw(
    lake,
    'proveedores',
    DAY1,
    'p.csv',
    `${PROVEEDORES_HEADER}\n900.123.456-8;Hidro Andes;Hidroeléctrica;Medellín;1.200,5;\n;Sol del Norte;solar;;;\n`,
  );
  await addRaw(
    lake,
    'transacciones',
    DAY1,
    't.csv',
    [
      TRANSACCIONES_HEADER,
      `T1;${DAY1};COMPRA;Hidro Andes;1000;250,5;HIDRO`,
      `T2;${DAY1};VENTA;Ana Gomez;100;300;HIDRO`,
      `T3;${DAY1};VENTA;Luis Perez;50,5;310;Solar`,
      `T4;04/03/2026;VENTA;Desconocido SAS;10;320;EOLICA`,
      '',
    ].join('\n'),
  );
  await addRaw(
    lake,
    'clientes',
    DAY2,
    'c.csv',
    `${CLIENTES_HEADER}\nCC;1;Ana Gómez;Medellín;Antioquia;residencial;3;\n`,
  );
  await addRaw(
    lake,
    'transacciones',
    DAY2,
    't.csv',
    [
      TRANSACCIONES_HEADER,
      `T5;${DAY2};VENTA;Ana Gomez;120;305;HIDRO`,
      `T6;${DAY2};COMPRA;Sol del Norte;500;200;SOLAR`,
      '',
    ].join('\n'),
  );
  const report = await runTransforms(lake.deps);
  if (report.status !== 'succeeded') throw new Error(JSON.stringify(report, null, 2));
  return path.join(lake.home, 'datalake');
}

export interface TestLake {
  home: string;
  datalake: LocalFsObjectStore;
  config: Config;
  /** Copies the template's processed partitions of `day` (all entities) into this lake. */
  addDay(day: string): void;
  cleanup(): void;
}

export function testLake(template: string): TestLake {
  const { dir: home, cleanup } = tempDir('corriente-wh-');
  const root = path.join(home, 'datalake');
  const datalake = new LocalFsObjectStore({ root: root });
  const config = loadConfig({ env: {}, cwd: home, overrides: { home } });
  return {
    home,
    datalake,
    config,
    addDay(day) {
      for (const entity of ['clientes', 'proveedores', 'transacciones']) {
        const rel = path.join('processed', entity, ...partitionPath(day).split('/'));
        const from = path.join(template, rel);
        if (existsSync(from)) cpSync(from, path.join(root, rel), { recursive: true });
      }
    },
    cleanup,
  };
}

/** Rewrites a processed partition in place with DuckDB (`select` reads the old file as `t`). */
export async function rewritePartition(
  lake: TestLake,
  entity: string,
  day: string,
  select: string,
): Promise<void> {
  const file = lake.datalake.pathOf(`processed/${entity}/${partitionPath(day)}/data.parquet`);
  await writeParquet(
    `${file}.new`,
    `WITH t AS (SELECT * FROM read_parquet(${quoteLiteral(file)})) ${select}`,
  );
  renameSync(`${file}.new`, file);
}

export { silentLogger };
