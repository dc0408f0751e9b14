import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeAdapters } from '../../src/deploy/adapter-map.js';
import { loadConfig } from '../../src/deploy/config.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const AWS_EXAMPLE = path.resolve('docs/corriente.aws.yaml');

/**
 * The CLI with only the variables it needs (no CORRIENTE_* of the developer's shell), run from
 * a folder without a config file unless told.
 */
function corriente(args: string[], env: Record<string, string> = {}, cwd = path.dirname(CLI)) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CORRIENTE_')),
  ) as Record<string, string>;
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { ...base, ...env },
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

interface CheckJson {
  ok: boolean;
  file: string;
  adapters: { port: string; adapter: string; key: string; detail: string }[];
}

describe('corriente config check', () => {
  const t = tempDir('corriente-config-check-');
  afterAll(() => t.cleanup());
  const home = () => ({ CORRIENTE_HOME: path.join(t.dir, 'home') });

  it('passes the AWS example and names the AWS adapter of every port', () => {
    const r = corriente(['config', 'check', '--config', AWS_EXAMPLE, '--json'], home());
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as CheckJson;
    expect(out.ok).toBe(true);
    expect(out.file).toBe(AWS_EXAMPLE);
    const byPort = Object.fromEntries(out.adapters.map((a) => [a.port, a.adapter]));
    expect(byPort).toEqual({
      'source store': 'S3ObjectStore',
      'datalake store': 'S3ObjectStore',
      catalog: 'GlueCatalog',
      'query engine': 'AthenaQueryEngine',
      'state store': 'PostgreSQL',
      'ingest claims': 'PostgresIngestClaims',
      leases: 'PostgresLeaseStore',
      'fx ledger, users, prices': 'PostgresFxLedger, PostgresFxUsers, PostgresPriceBook',
      warehouse: 'PostgresWarehouse (Redshift)',
      'event log': 'KinesisEventLog',
      portfolios: 'DynamoDbPortfolioStore',
      'price source': 'SimulatedPriceSource',
      'model registry': 'SageMakerModelRegistry',
      'notifications topic': 'SnsNotifier + in-app channels',
      'mobile push': 'EndUserMessagingPush',
    });
    // The database password given by the environment is never printed.
    const withSecret = corriente(['config', 'check', '--config', AWS_EXAMPLE], {
      ...home(),
      CORRIENTE_DATABASE_URL: 'postgres://corriente:s3cr3t-pw@aurora.example:5432/corriente',
    });
    expect(withSecret.status, withSecret.stderr).toBe(0);
    expect(withSecret.stdout).toMatch(
      /^state store\s+PostgreSQL\s+state\s+postgres:\/\/corriente:\*\*\*@aurora/m,
    );
    expect(withSecret.stdout).not.toContain('s3cr3t-pw');
  });

  it('prints the embedded adapters for the defaults, as a table', () => {
    const r = corriente(['config', 'check'], home(), t.dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^configuration \(defaults\) is valid$/m);
    expect(r.stdout).toMatch(/^catalog\s+SqliteCatalog\s+catalog\s/m);
    expect(r.stdout).toMatch(/^query engine\s+DuckDbQueryEngine\s+query\.engine\s/m);
    expect(r.stdout).toMatch(/^event log\s+DiskEventLog\s+fx\.eventLog\s/m);
  });

  it.each([
    ['an unknown catalog type', { catalog: { type: 'hive' } }, /catalog\.type/],
    ['a misspelt key', { catalgo: { type: 'glue' } }, /catalgo/],
    ['an unknown warehouse target', { warehouse: { target: 'oracle' } }, /warehouse\.target/],
    [
      'Athena without the Glue catalog',
      {
        query: { engine: 'athena' },
        stores: { datalake: { type: 's3', bucket: 'lago' } },
      },
      /query\.engine: Athena reads the Glue Data Catalog/,
    ],
    [
      'the Glue catalog over a local lake',
      { catalog: { type: 'glue' } },
      /catalog: the Glue Data Catalog points at S3 locations/,
    ],
    [
      'SageMaker over a local lake',
      { fx: { model: { registry: { type: 'sagemaker' } } } },
      /fx\.model\.registry\.type: SageMaker reads model artifacts from S3/,
    ],
    [
      'a PostgreSQL model registry without the PostgreSQL state store',
      { fx: { model: { registry: { type: 'postgres' } } } },
      /fx\.model\.registry\.type: postgres keeps the model registry in the PostgreSQL state store; state must be \{type: postgres\}/,
    ],
  ])('refuses %s: one line naming the key, exit 2', (name, config, message) => {
    const file = path.join(t.dir, `${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(config));
    const r = corriente(['config', 'check', '--config', file], home());
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reads CORRIENTE_CONFIG_JSON (the Lambda functions’ config) and refuses bad JSON in one line', () => {
    const good = corriente(['config', 'check', '--json'], {
      ...home(),
      CORRIENTE_CONFIG_JSON: JSON.stringify({
        fx: { portfolioStore: { type: 'dynamodb', tableName: 'portafolios' } },
      }),
    });
    expect(good.status, good.stderr).toBe(0);
    const out = JSON.parse(good.stdout) as CheckJson;
    expect(out.file).toBe('CORRIENTE_CONFIG_JSON');
    expect(out.adapters.find((a) => a.port === 'portfolios')?.adapter).toBe(
      'DynamoDbPortfolioStore',
    );
    const bad = corriente(['config', 'check'], { ...home(), CORRIENTE_CONFIG_JSON: '{nope' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^corriente: CORRIENTE_CONFIG_JSON is not valid JSON/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

it('describeAdapters follows the configuration keys (embedded defaults vs AWS example)', () => {
  const embedded = describeAdapters(loadConfig({ env: {}, cwd: '/' }));
  const aws = describeAdapters(loadConfig({ file: AWS_EXAMPLE, env: {} }));
  const pick = (rows: typeof embedded, port: string) => rows.find((r) => r.port === port)?.adapter;
  expect(pick(embedded, 'model registry')).toBe('SqliteModelRegistry');
  expect(pick(aws, 'model registry')).toBe('SageMakerModelRegistry');
  expect(pick(embedded, 'warehouse')).toBe('DuckDbWarehouse');
  expect(pick(aws, 'warehouse')).toBe('PostgresWarehouse (Redshift)');
  expect(embedded.map((r) => r.port)).toEqual(aws.map((r) => r.port));
});

it('the model registry follows the state store unless fx.model.registry.type is named', () => {
  const url = 'postgres://corriente@127.0.0.1:5432/corriente';
  const pgEnv = { CORRIENTE_DATABASE_URL: url };
  const pick = (rows: ReturnType<typeof describeAdapters>) =>
    rows.find((r) => r.port === 'model registry');
  const byEnv = loadConfig({ env: pgEnv, cwd: '/' });
  expect(byEnv.fx.model.registry.type).toBe('postgres');
  expect(pick(describeAdapters(byEnv))).toEqual({
    port: 'model registry',
    adapter: 'PostgresModelRegistry',
    key: 'fx.model.registry.type',
    detail: `${url} (artifacts in the datalake store)`,
  });
  const byFile = loadConfig({
    env: {},
    cwd: '/',
    overrides: { 'state.type': 'postgres', 'state.url': url },
  });
  expect(byFile.fx.model.registry.type).toBe('postgres');
  // A type named in the configuration is kept, with either state store.
  const named = loadConfig({
    env: pgEnv,
    cwd: '/',
    overrides: { 'fx.model.registry.type': 'sqlite' },
  });
  expect(named.fx.model.registry.type).toBe('sqlite');
  expect(loadConfig({ env: {}, cwd: '/' }).fx.model.registry.type).toBe('sqlite');
  // The AWS example names SageMaker, so its PostgreSQL state does not change the registry.
  expect(loadConfig({ file: AWS_EXAMPLE, env: pgEnv }).fx.model.registry.type).toBe('sagemaker');
});
