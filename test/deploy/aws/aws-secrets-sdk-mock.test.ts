import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsConfig, awsSecretsEnv, resetAwsSecrets } from '../../../src/deploy/aws/aws-adapters.js';
import { ConfigError } from '../../../src/core/util/config-error.js';

const DB_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:corriente-db-AbCdEf';
const ADMIN_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:corriente-admin-XyZ';
const sm = mockClient(SecretsManagerClient);
afterAll(() => sm.restore());
beforeEach(() => {
  sm.reset();
  resetAwsSecrets();
});

const CONFIG = JSON.stringify({
  state: {
    type: 'postgres',
    url: 'postgres://corriente@cluster.example:5432/corriente?sslmode=require',
  },
});

describe('Lambda secrets from Secrets Manager (sdk-mock)', () => {
  it('fills the Aurora secret into state.url, reading the secret once per container', async () => {
    sm.on(GetSecretValueCommand, { SecretId: DB_ARN }).resolves({
      SecretString: JSON.stringify({
        username: 'corriente_app',
        password: 'p@ss/w:rd',
        host: 'aurora.internal',
        port: 5433,
        dbname: 'corriente',
        engine: 'postgres',
      }),
    });
    const env = { CORRIENTE_CONFIG_JSON: CONFIG, CORRIENTE_DATABASE_SECRET_ARN: DB_ARN };
    const config = await awsConfig(env);
    expect(config.state.type).toBe('postgres');
    const url = new URL(config.state.type === 'postgres' ? config.state.url : '');
    expect(decodeURIComponent(url.username)).toBe('corriente_app');
    expect(decodeURIComponent(url.password)).toBe('p@ss/w:rd');
    expect(url.hostname).toBe('aurora.internal');
    expect(url.port).toBe('5433');
    expect(url.searchParams.get('sslmode')).toBe('require');
    await awsConfig(env);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('without the variable the configuration is untouched and no secret is read', async () => {
    const config = await awsConfig({ CORRIENTE_CONFIG_JSON: CONFIG });
    expect(config.state.type === 'postgres' && config.state.url).toBe(
      'postgres://corriente@cluster.example:5432/corriente?sslmode=require',
    );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('a secret without a password is a one-line ConfigError', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'u' }) });
    const err = await awsConfig({
      CORRIENTE_CONFIG_JSON: CONFIG,
      CORRIENTE_DATABASE_SECRET_ARN: DB_ARN,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^CORRIENTE_DATABASE_SECRET_ARN: the secret needs/);
  });

  it('reads CORRIENTE_ADMIN_TOKEN from CORRIENTE_ADMIN_TOKEN_SECRET_ARN; a set variable wins', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ADMIN_ARN }).resolves({
      SecretString: 'adm_from_sm\n',
    });
    const env = await awsSecretsEnv({ CORRIENTE_ADMIN_TOKEN_SECRET_ARN: ADMIN_ARN });
    expect(env.CORRIENTE_ADMIN_TOKEN).toBe('adm_from_sm');
    const set = await awsSecretsEnv({
      CORRIENTE_ADMIN_TOKEN: 'adm_env',
      CORRIENTE_ADMIN_TOKEN_SECRET_ARN: ADMIN_ARN,
    });
    expect(set.CORRIENTE_ADMIN_TOKEN).toBe('adm_env');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads the VAPID pair from the JSON secret CORRIENTE_VAPID_SECRET_ARN; a bad shape is one line', async () => {
    const VAPID_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:vapid';
    sm.on(GetSecretValueCommand, { SecretId: VAPID_ARN }).resolves({
      SecretString: JSON.stringify({ publicKey: 'BPub', privateKey: 'priv' }),
    });
    const env = await awsSecretsEnv({ CORRIENTE_VAPID_SECRET_ARN: VAPID_ARN });
    expect(env.CORRIENTE_VAPID_PUBLIC_KEY).toBe('BPub');
    expect(env.CORRIENTE_VAPID_PRIVATE_KEY).toBe('priv');
    resetAwsSecrets();
    sm.on(GetSecretValueCommand, { SecretId: VAPID_ARN }).resolves({
      SecretString: JSON.stringify({ publicKey: '' }),
    });
    const err = await awsSecretsEnv({ CORRIENTE_VAPID_SECRET_ARN: VAPID_ARN }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^CORRIENTE_VAPID_SECRET_ARN: the secret needs/);
  });
});
