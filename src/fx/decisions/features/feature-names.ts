/**
 * The FX model's features: one definition shared by training (batch, from the lake) and serving
 * (online). Bump {@link FEATURE_VERSION} whenever a feature's meaning or computation changes, so a
 * model is never served with vectors it was not trained on.
 */
export const FEATURE_VERSION = 'fx-features-v2';

/**
 * Feature names, in vector order. Other modules key texts by these names: never rename one
 * without bumping {@link FEATURE_VERSION}. `NaN` means missing.
 */
export const FEATURE_NAMES = [
  'compras_7d',
  'compras_30d',
  'compras_90d',
  'ventas_7d',
  'ventas_30d',
  'ventas_90d',
  'ticket_promedio_usd',
  'dias_desde_ultima_compra',
  'dias_desde_ultima_venta',
  'dias_desde_ultima_operacion',
  'precio_compra_relativo',
  'precio_venta_relativo',
  'retorno_24h_previo_compras',
  'retorno_24h_previo_ventas',
  'saldo_usd',
  'saldo_cop',
  'costo_promedio_relativo',
  'pnl_no_realizado_pct',
  'fraccion_usd',
  'retorno_1h',
  'retorno_24h',
  'retorno_7d',
  'distancia_media_24h',
  'distancia_media_7d',
  'volatilidad_24h',
  'hora_local',
  'dia_semana',
  'dia_del_mes',
  // v2: the user's habits (and the market they react to).
  'cruce_medias',
  'distancia_media_120',
  'cruce_previo_compras',
  'cruce_previo_ventas',
  'distancia_previa_compras',
  'fraccion_compras_quincena',
  'fraccion_ventas_quincena',
  'horas_hasta_quincena_habitual',
  'intervalo_compras_dias',
  'ciclo_compras',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Length of a feature vector. */
export const NUM_FEATURES = FEATURE_NAMES.length;

/** Column index of each feature: `FEATURE_INDEX.retorno_24h`. */
export const FEATURE_INDEX = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<
  FeatureName,
  number
>;

/** The classes the model predicts, in output order (`multi:softprob`, 3 classes). */
export const CLASS_NAMES = ['ninguna', 'compra', 'venta'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];

/** Class labels: the side of the user's first transaction in the horizon, or none. */
export const LABEL = { ninguna: 0, compra: 1, venta: 2 } as const;
