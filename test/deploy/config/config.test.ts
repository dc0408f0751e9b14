import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/deploy/config.js';
import { tempDir } from '../../util/tmp.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

describe('loadConfig', () => {
  it('works with no file and no environment', () => {
    const c = loadConfig({ env: {}, cwd: t.dir });
    expect(c.home).toBe(path.join(t.dir, 'corriente-data'));
    expect(c.timezone).toBe('America/Bogota');
    expect(c.stores.source).toEqual({ type: 'local', path: 'source' });
    expect(c.ingest.pollIntervalSeconds).toBe(10);
  });

  it('layers file ← environment ← flags', () => {
    writeFileSync(
      path.join(t.dir, 'corriente.config.yaml'),
      'home: /data/x\ningest:\n  pollIntervalSeconds: 30\nstores:\n  datalake: { type: s3, bucket: lago-energia, forcePathStyle: true }\n',
    );
    const c = loadConfig({
      env: { CORRIENTE_POLL_INTERVAL_SECONDS: '5' },
      cwd: t.dir,
      overrides: { home: '/data/y' },
    });
    expect(c.home).toBe('/data/y');
    expect(c.ingest.pollIntervalSeconds).toBe(5);
    expect(c.stores.datalake).toMatchObject({
      type: 's3',
      bucket: 'lago-energia',
      prefix: '',
      forcePathStyle: true,
    });
  });

  it('names the key and what is wrong', () => {
    writeFileSync(
      path.join(t.dir, 'c.json'),
      JSON.stringify({
        timezone: 'Mars/Olympus',
        ingest: { pollIntervalSeconds: -1 },
        stores: { source: { type: 'ftp' } },
        typo: 1,
      }),
    );
    let err: unknown;
    try {
      loadConfig({ env: {}, cwd: t.dir, file: 'c.json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('timezone: is not a known IANA time zone');
    expect(msg).toContain('ingest.pollIntervalSeconds');
    expect(msg).toContain('stores.source');
    expect(msg).toContain('typo');
  });

  it('rejects a non-numeric PORT and unreadable files clearly', () => {
    expect(() => loadConfig({ env: { PORT: 'http' }, cwd: t.dir })).toThrow(
      /PORT="http" is not a number/,
    );
    expect(() => loadConfig({ env: {}, cwd: t.dir, file: 'nope.json' })).toThrow(
      /cannot read config file/,
    );
    writeFileSync(path.join(t.dir, 'bad.json'), '{');
    expect(() => loadConfig({ env: {}, cwd: t.dir, file: 'bad.json' })).toThrow(/is not valid/);
  });
});

describe('lake, warehouse and fx sections', () => {
  it('have embedded defaults', () => {
    const c = loadConfig({ env: {}, cwd: t.dir });
    expect(c.lake.crawlSchedule).toBe('0 * * * *');
    expect(c.warehouse).toMatchObject({ target: 'duckdb', postgresSchema: 'corriente_dw' });
    expect(c.fx.eventLog).toEqual({ type: 'disk', path: 'eventlog', stream: 'fx-events' });
    expect(c.fx.prices.schedule).toBe('* * * * *');
  });

  it('take the warehouse URL from CORRIENTE_WAREHOUSE_URL and check crons and sizes', () => {
    const c = loadConfig({
      env: { CORRIENTE_WAREHOUSE_URL: 'postgres://u@127.0.0.1/dw' },
      cwd: t.dir,
    });
    expect(c.warehouse.postgresUrl).toBe('postgres://u@127.0.0.1/dw');
    writeFileSync(
      path.join(t.dir, 'c.json'),
      JSON.stringify({ lake: { crawlSchedule: 'cada hora', transformMemoryLimit: 'mucho' } }),
    );
    expect(() => loadConfig({ env: {}, cwd: t.dir, file: 'c.json' })).toThrow(
      /lake\.crawlSchedule: is not a valid cron expression[\s\S]*lake\.transformMemoryLimit: must be a size/,
    );
  });

  it('keep state in SQLite by default, in PostgreSQL from CORRIENTE_DATABASE_URL or the file', () => {
    expect(loadConfig({ env: {}, cwd: t.dir }).state).toEqual({ type: 'sqlite' });
    const fromEnv = loadConfig({
      env: { CORRIENTE_DATABASE_URL: 'postgres://corriente@127.0.0.1:5432/estado' },
      cwd: t.dir,
    });
    expect(fromEnv.state).toEqual({
      type: 'postgres',
      url: 'postgres://corriente@127.0.0.1:5432/estado',
      poolSize: 10,
    });
    writeFileSync(
      path.join(t.dir, 'c.json'),
      JSON.stringify({ state: { type: 'postgres', url: 'postgres://a@h/x', poolSize: 4 } }),
    );
    const fromFile = loadConfig({
      env: { CORRIENTE_DATABASE_URL: 'postgres://b@h/y' },
      cwd: t.dir,
      file: 'c.json',
    });
    expect(fromFile.state).toEqual({ type: 'postgres', url: 'postgres://b@h/y', poolSize: 4 });
  });

  it('name the state key that is wrong', () => {
    const bad = (state: unknown): string => {
      writeFileSync(path.join(t.dir, 'c.json'), JSON.stringify({ state }));
      try {
        loadConfig({ env: {}, cwd: t.dir, file: 'c.json' });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ type: 'postgres' })).toMatch(/state\.url:/);
    expect(bad({ type: 'postgres', url: 'mysql://x@h/y' })).toMatch(
      /state\.url: is not a postgres/,
    );
    expect(bad({ type: 'postgres', url: 'postgres://h/y', poolSize: 0 })).toMatch(
      /state\.poolSize/,
    );
    expect(bad({ type: 'redis' })).toMatch(/state\.type/);
    expect(() =>
      loadConfig({ env: { CORRIENTE_DATABASE_URL: 'no es una url' }, cwd: t.dir }),
    ).toThrow(/state\.url: is not a postgres/);
  });
});
