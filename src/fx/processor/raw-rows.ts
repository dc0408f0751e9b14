import type {
  AccountOpened,
  FxEvent,
  PriceTick,
  Recommendation,
  TransactionExecuted,
} from '../events.js';

/**
 * The raw FX tables of the lake, one per event type, as flat JSON-lines rows with Spanish column
 * names for analysts (crawled into `fx_raw_db`). Every money amount comes twice: as a decimal
 * number for reading (`monto_usd`, `precio_cop`, … — display only: a whole amount is written as
 * an integer, so a small file may be cataloged `bigint` before a later one widens it to `double`)
 * and as the exact integer of minor units (`…_centavos`: USD cents, COP centavos), which is what
 * computations (reconciliation, features) must use.
 *
 * | table | columns |
 * |---|---|
 * | `fx_transacciones` | id, usuario_id, lado (BUY/SELL), monto_usd, precio_cop, total_cop, monto_usd_centavos, precio_cop_centavos, total_cop_centavos, id_precio, clave_idempotencia, ejecutado_en, ingerido_en, version_evento |
 * | `fx_precios` | id, fuente, compra_cop (bid), venta_cop (ask), medio_cop (mid), compra_cop_centavos, venta_cop_centavos, medio_cop_centavos, observado_en, ingerido_en, version_evento |
 * | `fx_cuentas` | id, usuario_id, saldo_cop, saldo_usd, saldo_cop_centavos, saldo_usd_centavos, abierta_en, ingerido_en, version_evento |
 * | `fx_recommendations` | id, usuario_id, lado (BUY/SELL), probabilidad, origen (model/reglas), grupo_modelo, version_modelo, id_precio, precio_cop, precio_cop_centavos, monto_sugerido_usd, monto_sugerido_usd_centavos, razones (JSON text: `[{"code","texto"}]`), razon_principal (code of the first reason), grupo (tratamiento/control), vector_caracteristicas (JSON), hash_caracteristicas, version_caracteristicas, saldo_cop_centavos, saldo_usd_centavos, version_politica, reglas_cumplidas (JSON), creada_en, vigente_hasta, ingerido_en, version_evento |
 *
 * Times are the events' ISO-8601 strings as they are. Optional fields are written as `null`, so
 * every row of a table has the same keys in the same order.
 */
export const RAW_TABLES = {
  TransactionExecuted: 'fx_transacciones',
  PriceTick: 'fx_precios',
  AccountOpened: 'fx_cuentas',
  Recommendation: 'fx_recommendations',
} as const satisfies Record<FxEvent['type'], string>;

export type RawTable = (typeof RAW_TABLES)[keyof typeof RAW_TABLES];

/** A row of `fx_transacciones`. */
export interface TransaccionRow {
  id: string;
  usuario_id: string;
  lado: 'BUY' | 'SELL';
  monto_usd: number;
  precio_cop: number;
  total_cop: number;
  monto_usd_centavos: number;
  precio_cop_centavos: number;
  total_cop_centavos: number;
  id_precio: string | null;
  clave_idempotencia: string | null;
  ejecutado_en: string;
  ingerido_en: string;
  version_evento: number;
}

/** A row of `fx_precios`. */
export interface PrecioRow {
  id: string;
  fuente: string;
  compra_cop: number;
  venta_cop: number;
  medio_cop: number;
  compra_cop_centavos: number;
  venta_cop_centavos: number;
  medio_cop_centavos: number;
  observado_en: string;
  ingerido_en: string;
  version_evento: number;
}

/** A row of `fx_cuentas`. */
export interface CuentaRow {
  id: string;
  usuario_id: string;
  saldo_cop: number;
  saldo_usd: number;
  saldo_cop_centavos: number;
  saldo_usd_centavos: number;
  abierta_en: string;
  ingerido_en: string;
  version_evento: number;
}

/** A row of `fx_recommendations`. */
export interface RecomendacionRow {
  id: string;
  usuario_id: string;
  lado: 'BUY' | 'SELL';
  probabilidad: number;
  origen: 'model' | 'reglas';
  grupo_modelo: string | null;
  version_modelo: string;
  id_precio: string;
  precio_cop: number;
  precio_cop_centavos: number;
  monto_sugerido_usd: number;
  monto_sugerido_usd_centavos: number;
  /** The reasons as JSON text (one string column is read alike by DuckDB, Athena and Glue). */
  razones: string;
  razon_principal: string | null;
  /** `tratamiento` (notified) or `control` (held out, not notified). */
  grupo: 'tratamiento' | 'control';
  /** Audit: the feature vector as JSON text, its hash and version, the balances, policy, rules. */
  vector_caracteristicas: string | null;
  hash_caracteristicas: string | null;
  version_caracteristicas: string | null;
  saldo_cop_centavos: number | null;
  saldo_usd_centavos: number | null;
  version_politica: string | null;
  reglas_cumplidas: string | null;
  creada_en: string;
  vigente_hasta: string;
  ingerido_en: string;
  version_evento: number;
}

export function transaccionRow(e: TransactionExecuted): TransaccionRow {
  return {
    id: e.id,
    usuario_id: e.userId,
    lado: e.side,
    monto_usd: e.amountUsdCents / 100,
    precio_cop: e.priceCopCents / 100,
    total_cop: e.totalCopCents / 100,
    monto_usd_centavos: e.amountUsdCents,
    precio_cop_centavos: e.priceCopCents,
    total_cop_centavos: e.totalCopCents,
    id_precio: e.priceTickId ?? null,
    clave_idempotencia: e.idempotencyKey ?? null,
    ejecutado_en: e.executedAt,
    ingerido_en: e.ingestedAt,
    version_evento: e.version,
  };
}

export function precioRow(e: PriceTick): PrecioRow {
  return {
    id: e.id,
    fuente: e.source,
    compra_cop: e.bidCopCents / 100,
    venta_cop: e.askCopCents / 100,
    medio_cop: e.midCopCents / 100,
    compra_cop_centavos: e.bidCopCents,
    venta_cop_centavos: e.askCopCents,
    medio_cop_centavos: e.midCopCents,
    observado_en: e.observedAt,
    ingerido_en: e.ingestedAt,
    version_evento: e.version,
  };
}

export function cuentaRow(e: AccountOpened): CuentaRow {
  return {
    id: e.id,
    usuario_id: e.userId,
    saldo_cop: e.copCents / 100,
    saldo_usd: e.usdCents / 100,
    saldo_cop_centavos: e.copCents,
    saldo_usd_centavos: e.usdCents,
    abierta_en: e.openedAt,
    ingerido_en: e.ingestedAt,
    version_evento: e.version,
  };
}

export function recomendacionRow(e: Recommendation): RecomendacionRow {
  return {
    id: e.id,
    usuario_id: e.userId,
    lado: e.side,
    probabilidad: e.probability,
    origen: e.scorer,
    grupo_modelo: e.modelGroup ?? null,
    version_modelo: e.modelVersion,
    id_precio: e.priceTickId,
    precio_cop: e.priceCopCents / 100,
    precio_cop_centavos: e.priceCopCents,
    monto_sugerido_usd: e.suggestedAmountUsdCents / 100,
    monto_sugerido_usd_centavos: e.suggestedAmountUsdCents,
    razones: JSON.stringify(e.reasons),
    razon_principal: e.reasons[0]?.code ?? null,
    grupo: e.group ?? 'tratamiento',
    vector_caracteristicas: e.audit ? JSON.stringify(e.audit.features) : null,
    hash_caracteristicas: e.audit?.featuresHash ?? null,
    version_caracteristicas: e.audit?.featureVersion ?? null,
    saldo_cop_centavos: e.audit?.copCents ?? null,
    saldo_usd_centavos: e.audit?.usdCents ?? null,
    version_politica: e.audit?.policyVersion ?? null,
    reglas_cumplidas: e.audit ? JSON.stringify(e.audit.rules) : null,
    creada_en: e.createdAt,
    vigente_hasta: e.expiresAt,
    ingerido_en: e.ingestedAt,
    version_evento: e.version,
  };
}

/** The table and the row of one event. */
export function rawRowOf(event: FxEvent): { table: RawTable; row: object } {
  switch (event.type) {
    case 'TransactionExecuted':
      return { table: RAW_TABLES.TransactionExecuted, row: transaccionRow(event) };
    case 'PriceTick':
      return { table: RAW_TABLES.PriceTick, row: precioRow(event) };
    case 'AccountOpened':
      return { table: RAW_TABLES.AccountOpened, row: cuentaRow(event) };
    case 'Recommendation':
      return { table: RAW_TABLES.Recommendation, row: recomendacionRow(event) };
  }
}
