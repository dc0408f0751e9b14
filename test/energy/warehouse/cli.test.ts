import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerWarehouse } from '../../../src/cli/commands/warehouse.js';
import { WarehouseConfigError } from '../../../src/energy/warehouse/warehouse.js';
import { buildTemplateLake, DAY1, testLake, type TestLake } from './fixtures.js';

async function run(home: string, ...args: string[]): Promise<string> {
  const program = new Command().exitOverride().option('--home <dir>').option('--config <file>');
  registerWarehouse(program);
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'corriente', '--home', home, ...args]);
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

describe('corriente warehouse', () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = testLake(await buildTemplateLake());
    lake.addDay(DAY1);
  });
  afterAll(() => lake.cleanup());

  it('load prints a JSON report, then status shows the tables; a second load is up to date', async () => {
    const saved = process.env.CORRIENTE_WAREHOUSE_URL;
    delete process.env.CORRIENTE_WAREHOUSE_URL;
    try {
      const report = JSON.parse(await run(lake.home, 'warehouse', 'load', '--json')) as {
        status: string;
        target: string;
        tables: Record<string, { inserted: number }>;
      };
      expect(report.status).toBe('loaded');
      expect(report.target).toBe('duckdb');
      expect(report.tables.fact_transaccion?.inserted).toBe(4);
      const text = await run(lake.home, 'warehouse', 'load');
      expect(text).toContain('up to date');
      const status = JSON.parse(await run(lake.home, 'warehouse', 'status', '--json')) as {
        tables: { table: string; rows: number }[];
        partitions: unknown[];
      };
      expect(status.tables.find((t) => t.table === 'fact_transaccion')?.rows).toBe(4);
      expect(status.partitions).toHaveLength(3);
    } finally {
      if (saved !== undefined) process.env.CORRIENTE_WAREHOUSE_URL = saved;
    }
  });

  it('--target postgres without a URL names CORRIENTE_WAREHOUSE_URL', async () => {
    const saved = process.env.CORRIENTE_WAREHOUSE_URL;
    delete process.env.CORRIENTE_WAREHOUSE_URL;
    try {
      const err = await run(lake.home, 'warehouse', 'load', '--target', 'postgres').catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WarehouseConfigError);
      expect((err as Error).message).toMatch(/CORRIENTE_WAREHOUSE_URL/);
    } finally {
      if (saved !== undefined) process.env.CORRIENTE_WAREHOUSE_URL = saved;
    }
  });
});
