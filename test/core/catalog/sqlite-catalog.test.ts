import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/core/catalog/sqlite/sqlite-catalog.js';
import { tempDir } from '../../util/tmp.js';
import { catalogContract, clientesTable } from './catalog-contract.js';

catalogContract('SqliteCatalog (file in a temp folder)', async () => {
  const { dir, cleanup } = tempDir('corriente-catalog-');
  return {
    catalog: new SqliteCatalog({ path: path.join(dir, 'catalog.db') }),
    cleanup: async () => cleanup(),
  };
});

describe('SqliteCatalog', () => {
  it('uses WAL mode, records its migrations and keeps data across reopening', async () => {
    const { dir, cleanup } = tempDir('corriente-catalog-');
    const file = path.join(dir, 'nested', 'catalog.db');
    try {
      const first = new SqliteCatalog({ path: file });
      await first.ensureDatabase({ name: 'energy_raw_db' });
      await first.createTable(clientesTable('/lake/raw/clientes'));
      await first.close();

      const raw = new BetterSqlite3(file, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(1);
      raw.close();

      const second = new SqliteCatalog({ path: file });
      expect((await second.getTable('energy_raw_db', 'clientes'))?.location).toBe(
        '/lake/raw/clientes',
      );
      await second.close();
    } finally {
      cleanup();
    }
  });

  it('rolls back a partition batch that fails half-way', async () => {
    const catalog = new SqliteCatalog({ path: ':memory:' });
    await catalog.ensureDatabase({ name: 'energy_raw_db' });
    await catalog.createTable(clientesTable('/lake/raw/clientes'));
    const good = {
      values: ['2026', '01', '01'],
      location: '/lake/raw/clientes/year=2026/month=01/day=01',
      columns: [],
      formatParameters: {},
      schemaVersion: 1,
      files: [],
    };
    const bad = { ...good, values: ['2026', '01', '02'], files: 1n as unknown as [] };
    await expect(catalog.putPartitions('energy_raw_db', 'clientes', [good, bad])).rejects.toThrow();
    expect(await catalog.listPartitions('energy_raw_db', 'clientes')).toEqual([]);
    await catalog.close();
  });
});
