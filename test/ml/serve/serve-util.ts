import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../../src/core/http/server.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import type { FastifyPluginAsync } from 'fastify';
import { expected, type FixtureName } from '../registry/fixtures.js';

/** A real server on loopback with the given plugins; returns it and its base URL. */
export async function listen(
  plugins: { prefix: string; plugin: FastifyPluginAsync }[],
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildHttpServer({ log: silentLogger, plugins });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/** The fixture rows as a CSV body (empty cell = missing). */
export function csvOf(rows: (number | null)[][]): string {
  return rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')).join('\n') + '\n';
}

/** Asserts every probability is XGBoost's for that fixture within 1e-6. */
export function matchesXgboost(got: number[][], name: FixtureName): boolean {
  const want = expected(name).predictions;
  return (
    got.length === want.length &&
    got.every(
      (row, r) =>
        row.length === want[r]!.length && row.every((v, c) => Math.abs(v - want[r]![c]!) <= 1e-6),
    )
  );
}

export function parseCsvAnswer(text: string): number[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => l.split(',').map(Number));
}
