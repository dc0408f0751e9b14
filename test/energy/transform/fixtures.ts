import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { inspectStream } from '../../../src/energy/ingest/inspect.js';
import * as path from 'node:path';
import { normalizeColumnName, type EnergyEntity } from '../../../src/energy/entities.js';
import {
  manifestKeyForRaw,
  manifestKeyForSha,
  partitionPath,
  type Encoding,
  type ManifestEntry,
} from '../../../src/energy/ingest/manifest.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { SqliteTransformState } from '../../../src/energy/transform/sqlite/sqlite-transform-state.js';
import type { TransformDeps } from '../../../src/energy/transform/runner.js';
import { tempDir } from '../../util/tmp.js';

export interface Lake {
  home: string;
  datalake: LocalFsObjectStore;
  deps: TransformDeps;
}

export function newLake(): Lake {
  const { dir: home } = tempDir('corriente-transform-');
  const datalake = new LocalFsObjectStore({ root: path.join(home, 'datalake') });
  const state = new SqliteTransformState({ path: path.join(home, 'state', 'transform.db') });
  return {
    home,
    datalake,
    deps: {
      datalake,
      state,
      log: silentLogger,
      home,
      duckdb: { threads: 2, memoryLimit: '512MB' },
    },
  };
}

/** Encodes text as a raw export would arrive. */
export function encode(text: string, encoding: Encoding = 'utf-8'): Buffer {
  if (encoding === 'latin-1') return Buffer.from(text, 'latin1');
  const body = Buffer.from(text, 'utf8');
  return encoding === 'utf-8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}

/** Writes a raw file and its manifest the way ingestion does. Returns the raw key. */
export async function addRaw(
  lake: Lake,
  entity: EnergyEntity,
  loadDate: string,
  file: string,
  text: string,
  options: { encoding?: Encoding; loadedAt?: string; crlf?: boolean } = {},
): Promise<string> {
  const encoding = options.encoding ?? 'utf-8';
  const content = options.crlf ? text.replace(/\r?\n/g, '\r\n') : text;
  const bytes = encode(content, encoding);
  const rawKey = `raw/${entity}/${partitionPath(loadDate)}/${file}`;
  const lines = content.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(';').map((h) => h.trim());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const entry: ManifestEntry = {
    version: 1,
    entity,
    sourceKey: file,
    rawKey,
    sha256,
    bytes: bytes.length,
    // Counted exactly as ingestion counts records (quote-aware), so row-count tests agree.
    rows: (await inspectStream(Readable.from([bytes]))).rows,
    encoding,
    delimiter: ';',
    lineEnding: options.crlf ? 'crlf' : 'lf',
    header,
    columns: header.map(normalizeColumnName),
    loadDate,
    loadedAt: options.loadedAt ?? `${loadDate}T12:00:00.000Z`,
    runId: 'test',
  };
  await lake.datalake.put(rawKey, bytes);
  await lake.datalake.put(manifestKeyForRaw(rawKey), JSON.stringify(entry));
  await lake.datalake.put(manifestKeyForSha(sha256), JSON.stringify(entry));
  return rawKey;
}

export const CLIENTES_HEADER =
  'tipo_identificacion;identificacion;nombre;ciudad;departamento;segmento;estrato;fecha_registro';
export const PROVEEDORES_HEADER =
  'nit;nombre_proveedor;tipo_energia;ciudad;capacidad_mw;fecha_registro';
export const TRANSACCIONES_HEADER =
  'id_transaccion;fecha_transaccion;tipo_transaccion;nombre_cliente_proveedor;cantidad_comprada_kwh;precio_kwh_cop;tipo_energia';
