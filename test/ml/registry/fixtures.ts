import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RegisterVersionInput } from '../../../src/ml/registry/index.js';

/** Models written by XGBoost 1.7 (`fixtures/make-fixtures.py`), and XGBoost's predictions. */
export type FixtureName = 'multi-a' | 'multi-b' | 'binary';

export const FEATURES = ['compras_7d', 'ventas_7d', 'retorno_24h', 'saldo_usd', 'fraccion_usd'];

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The model file's text, as XGBoost saved it. */
export function modelText(name: FixtureName): string {
  return readFileSync(`${dir}${name}.json`, 'utf8');
}

/** Rows (null = missing) and XGBoost's probabilities for them (one array per row). */
export function expected(name: FixtureName): {
  rows: (number | null)[][];
  predictions: number[][];
} {
  return JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8'));
}

/** A registration of a fixture model with the given validation metrics. */
export function registration(
  group: string,
  name: FixtureName,
  metrics: Record<string, unknown> = { compra: { rocAuc: 0.8 }, venta: { rocAuc: 0.75 } },
  actor = 'ana',
): RegisterVersionInput {
  return {
    group,
    model: modelText(name),
    metrics,
    featureVersion: 3,
    featureNames: FEATURES,
    trainingRange: { from: '2026-01-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
    codeVersion: { packageVersion: '0.1.0', gitCommit: 'a'.repeat(40) },
    actor,
  };
}
