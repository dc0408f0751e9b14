import { describe, expect, it } from 'vitest';
import { processorHandlerDeps } from '../../../src/deploy/aws/kinesis-processor-handler.js';
import { loadConfig } from '../../../src/deploy/config.js';
import { ConfigError } from '../../../src/core/util/config-error.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';

describe.skipIf(postgresSkip !== undefined)('the processor Lambda on postgres state', () => {
  const db = usePostgresDatabase('processor_handler_deps');

  function config(extra: Record<string, unknown>) {
    return loadConfig({
      env: { CORRIENTE_HOME: '/tmp/corriente-handler-test', CORRIENTE_DATABASE_URL: db.url },
      overrides: extra,
      cwd: '/',
    });
  }

  it('with state.type postgres the processor Lambda refuses stores that live in one container', async () => {
    await expect(processorHandlerDeps(config({}))).rejects.toThrow(ConfigError);
    await expect(processorHandlerDeps(config({}))).rejects.toThrow(/^fx\.portfolioStore: /);
    const dynamo = {
      type: 'dynamodb',
      tableName: 'fx-portafolios',
      endpoint: 'http://127.0.0.1:1',
    };
    await expect(processorHandlerDeps(config({ 'fx.portfolioStore': dynamo }))).rejects.toThrow(
      /^stores\.datalake: /,
    );
  });

  it('with shared stores it builds the handler on the same ports (DynamoDB portfolios, S3 lake, raw claims in PostgreSQL)', async () => {
    const deps = await processorHandlerDeps(
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
    // The claims answer from the migrated state store: a second batch claiming an id loses it.
    expect(deps.rawClaims).toBeDefined();
    expect([...(await deps.rawClaims!.claim('fx-events', 'lote-a', ['ev-1', 'ev-2']))]).toEqual([]);
    expect([...(await deps.rawClaims!.claim('fx-events', 'lote-b', ['ev-2', 'ev-3']))]).toEqual([
      'ev-2',
    ]);
    await deps.portfolios.close();
    await deps.statePool!.end();
  });
});
