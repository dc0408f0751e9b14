import { expect, it } from 'vitest';
import { processorHandlerDeps } from '../../../src/deploy/aws/kinesis-processor-handler.js';
import { loadConfig } from '../../../src/deploy/config.js';
import { ConfigError } from '../../../src/core/util/config-error.js';

const PG = 'postgres://postgres@127.0.0.1:5432/corriente';

function config(extra: Record<string, unknown>) {
  return loadConfig({
    env: { CORRIENTE_HOME: '/tmp/corriente-handler-test', CORRIENTE_DATABASE_URL: PG },
    overrides: extra,
    cwd: '/',
  });
}

it('with state.type postgres the processor Lambda refuses stores that live in one container', () => {
  expect(() => processorHandlerDeps(config({}))).toThrow(ConfigError);
  expect(() => processorHandlerDeps(config({}))).toThrow(/^fx\.portfolioStore: /);
  const dynamo = { type: 'dynamodb', tableName: 'fx-portafolios', endpoint: 'http://127.0.0.1:1' };
  expect(() => processorHandlerDeps(config({ 'fx.portfolioStore': dynamo }))).toThrow(
    /^stores\.datalake: /,
  );
});

it('with shared stores it builds the handler on the same ports (DynamoDB portfolios, S3 lake)', async () => {
  const deps = processorHandlerDeps(
    config({
      'fx.portfolioStore': {
        type: 'dynamodb',
        tableName: 'fx-portafolios',
        endpoint: 'http://127.0.0.1:1',
      },
      'stores.datalake': {
        type: 's3',
        bucket: 'lago',
        endpoint: 'http://127.0.0.1:1',
        forcePathStyle: true,
      },
    }),
  );
  expect(deps.portfolios.location).toContain('fx-portafolios');
  expect(deps.datalake.url).toContain('lago');
  await deps.portfolios.close();
});
