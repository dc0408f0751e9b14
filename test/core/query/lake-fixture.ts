import * as path from 'node:path';
import type { SqliteCatalog } from '../../../src/core/catalog/sqlite/sqlite-catalog.js';
import { configSchema, type Config } from '../../../src/deploy/config.js';
import { crawl } from '../../../src/core/crawler/index.js';
import { quoteLiteral } from '../../../src/core/duckdb/duckdb.js';
import type { GovernanceConfig } from '../../../src/core/governance/governance-config.js';
import { hashToken } from '../../../src/core/governance/governance.js';
import { createTestLake } from '../../util/lake.js';
import { prng } from '../../util/random.js';

export interface Cliente {
  tipo_identificacion: string;
  identificacion: string;
  nombre: string;
  ciudad: string;
  segmento: string;
  date: string;
}
export interface Proveedor {
  nombre_proveedor: string;
  tipo_energia: string;
  date: string;
}
export interface Transaccion {
  id_transaccion: string;
  fecha_transaccion: string;
  tipo_transaccion: 'COMPRA' | 'VENTA';
  nombre_cliente_proveedor: string;
  /** kWh in tenths (exact). */
  kwhTenths: number;
  /** COP per kWh, whole pesos (exact). */
  precio: number;
  tipo_energia: string;
  date: string;
}

export interface QueryLake {
  home: string;
  datalake: string;
  catalog: SqliteCatalog;
  clientes: Cliente[];
  proveedores: Proveedor[];
  transacciones: Transaccion[];
  /** A config for this home (with the governance section given). */
  config(governance?: GovernanceConfig): Config;
  cleanup(): Promise<void>;
}

const CIUDADES = ['BOGOTA', 'MEDELLIN', 'CALI', 'PASTO', 'BARRANQUILLA'];
const ENERGIAS = ['HIDROELECTRICA', 'SOLAR', 'EOLICA', 'TERMICA'];
export const DATES = ['2026-10-31', '2026-11-26', '2026-11-27'];

/**
 * A real little lake: processed Parquet written with DuckDB COPY into
 * `processed/<entity>/year=/month=/day=/`, crawled by the real crawler into a SQLite catalog at
 * `$home/catalog.db` (where `openCatalog(config)` looks).
 */
export async function createQueryLake(): Promise<QueryLake> {
  const lake = await createTestLake('corriente-query-');
  const home = lake.dir;
  const datalake = path.join(home, 'datalake');
  const rnd = prng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

  const clientes: Cliente[] = Array.from({ length: 40 }, (_, i) => ({
    tipo_identificacion: i % 5 === 0 ? 'NIT' : 'CC',
    identificacion: String(10_000_000 + i * 7919),
    nombre: `CLIENTE ${String(i).padStart(2, '0')}`,
    ciudad: pick(CIUDADES),
    segmento: pick(['RESIDENCIAL', 'COMERCIAL', 'INDUSTRIAL']),
    date: i < 25 ? DATES[1]! : DATES[2]!,
  }));
  const proveedores: Proveedor[] = Array.from({ length: 9 }, (_, i) => ({
    nombre_proveedor: `GENERADORA ${i}`,
    tipo_energia: ENERGIAS[i % ENERGIAS.length]!,
    date: DATES[1]!,
  }));
  const transacciones: Transaccion[] = Array.from({ length: 300 }, (_, i) => {
    const venta = rnd() < 0.6;
    const date = DATES[i % DATES.length]!;
    return {
      id_transaccion: `T${String(i).padStart(5, '0')}`,
      fecha_transaccion: `${date} ${String(i % 24).padStart(2, '0')}:00:00`,
      tipo_transaccion: venta ? 'VENTA' : 'COMPRA',
      nombre_cliente_proveedor: venta ? pick(clientes).nombre : pick(proveedores).nombre_proveedor,
      kwhTenths: 1 + Math.floor(rnd() * 50_000),
      precio: venta ? 600 + Math.floor(rnd() * 300) : 300 + Math.floor(rnd() * 250),
      tipo_energia: pick(ENERGIAS),
      date,
    };
  });

  const write = (entity: string, date: string, select: string) =>
    lake.putParquet(entity, date, 'part-0.parquet', select);
  const lit = quoteLiteral;
  for (const date of DATES) {
    const cs = clientes.filter((c) => c.date === date);
    if (cs.length) {
      await write(
        'clientes',
        date,
        `SELECT * FROM (VALUES ${cs
          .map(
            (c) =>
              `(${lit(c.tipo_identificacion)}, ${lit(c.identificacion)}, NULL::VARCHAR, ${lit(c.nombre)}, ${lit(c.ciudad)}, ${lit(c.segmento)})`,
          )
          .join(
            ', ',
          )}) AS t(tipo_identificacion, identificacion, digito_verificacion, nombre, ciudad, segmento)`,
      );
    }
    const ps = proveedores.filter((p) => p.date === date);
    if (ps.length) {
      await write(
        'proveedores',
        date,
        `SELECT * FROM (VALUES ${ps
          .map((p) => `(${lit(p.nombre_proveedor)}, ${lit(p.tipo_energia)})`)
          .join(', ')}) AS t(nombre_proveedor, tipo_energia)`,
      );
    }
    const ts = transacciones.filter((t) => t.date === date);
    await write(
      'transacciones',
      date,
      `SELECT id_transaccion, fecha_transaccion, tipo_transaccion, nombre_cliente_proveedor,
           CAST(kwh AS DECIMAL(18,3)) AS cantidad_comprada_kwh,
           CAST(precio AS DECIMAL(18,4)) AS precio_kwh_cop, tipo_energia,
           CAST(kwh * precio AS DECIMAL(38,4)) AS precio_total_cop,
           'PROMEDIO' AS categoria_precio, true AS contraparte_conocida
         FROM (VALUES ${ts
           .map(
             (t) =>
               `(${lit(t.id_transaccion)}, ${lit(t.fecha_transaccion)}, ${lit(t.tipo_transaccion)}, ${lit(t.nombre_cliente_proveedor)}, ${t.kwhTenths / 10}, ${t.precio}, ${lit(t.tipo_energia)})`,
           )
           .join(
             ', ',
           )}) AS t(id_transaccion, fecha_transaccion, tipo_transaccion, nombre_cliente_proveedor, kwh, precio, tipo_energia)`,
    );
  }

  await crawl(lake.deps, { zone: 'processed' });
  return {
    home,
    datalake,
    catalog: lake.catalog,
    clientes,
    proveedores,
    transacciones,
    config(governance) {
      return configSchema.parse({
        home,
        log: { level: 'silent' },
        ...(governance ? { governance } : {}),
      });
    },
    cleanup: () => lake.cleanup(),
  };
}

/** Plaintext tokens of the test principals (only their hashes are in the config). */
export const TOKENS = {
  ana: 'crt_test-token-ana',
  sam: 'crt_test-token-sam',
  admin: 'crt_test-token-admin',
};

/** The governance used by the tests: an analyst without ids, a supplier-only service, admin. */
export const TEST_GOVERNANCE: GovernanceConfig = {
  principals: [
    { name: 'ana', kind: 'user', roles: ['analyst'], tokenSha256: hashToken(TOKENS.ana) },
    {
      name: 'sam',
      kind: 'service',
      roles: ['supplier-desk'],
      tokenSha256: [hashToken(TOKENS.sam)],
    },
    { name: 'admin', kind: 'user', roles: [], tokenSha256: hashToken(TOKENS.admin) },
  ],
  roles: [{ name: 'analyst', description: 'Analistas de negocio' }],
  grants: [
    {
      role: 'analyst',
      database: 'energy_processed_db',
      table: 'clientes',
      exclude: ['identificacion'],
    },
    { role: 'analyst', database: 'energy_processed_db', table: 'transacciones' },
    { role: 'analyst', database: 'energy_processed_db', table: 'proveedores' },
    {
      role: 'supplier-desk',
      database: 'energy_processed_db',
      table: 'proveedores',
      include: ['nombre_proveedor'],
    },
    { principal: 'admin', database: '*', table: '*' },
  ],
};
