import * as path from 'node:path';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3IngestionHandler } from '../../../src/deploy/aws/s3-ingestion-handler.js';
import { lakeChainStarter } from '../../../src/deploy/aws/lake-chain-start.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { SqliteIngestClaims } from '../../../src/energy/ingest/sqlite/sqlite-ingest-claims.js';
import { tempDir } from '../../util/tmp.js';

const SOURCE = 'energia-source';
const CHAIN = 'arn:aws:states:us-east-1:111122223333:stateMachine:corriente-lake-chain';
const CLIENTES =
  'tipo_identificacion;identificacion;nombre;ciudad\nCC;1020304050;Juan Pérez;Bogotá\n';

function s3Event(key: string) {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: SOURCE }, object: { key, size: CLIENTES.length } },
      },
    ],
  };
}

const sfn = mockClient(SFNClient);
const t = tempDir('corriente-chain-start-');
afterAll(() => {
  sfn.restore();
  t.cleanup();
});
beforeEach(() => sfn.reset());

describe('s3-ingestion starts the lake chain (sdk-mock)', () => {
  const source = new LocalFsObjectStore({ root: path.join(t.dir, 'source') });
  const datalake = new LocalFsObjectStore({ root: path.join(t.dir, 'datalake') });
  const claims = new SqliteIngestClaims({ path: ':memory:' });
  const handler = createS3IngestionHandler({
    stores: { source, datalake },
    claims,
    sourceBucket: SOURCE,
    sourcePrefix: 'landing/',
    timezone: 'America/Bogota',
    log: silentLogger,
    now: () => new Date('2026-03-10T02:30:00Z'),
    startChain: lakeChainStarter({
      stateMachineArn: CHAIN,
      datalake,
      entities: ['clientes', 'consumos'],
      client: new SFNClient({ region: 'us-east-1' }),
    }),
  });

  it('after a load: StartExecution with {load_date, files} from the manifests; again is the same execution', async () => {
    await source.put('clientes.csv', CLIENTES);
    const r = await handler(s3Event('landing/clientes.csv'));
    expect(r.files[0]?.status).toBe('loaded');
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const sent = calls[0]!.args[0].input;
    expect(sent.stateMachineArn).toBe(CHAIN);
    expect(sent.name).toMatch(/^load-2026-03-09-[0-9a-f]{32}$/);
    const input = JSON.parse(sent.input!) as { load_date: string; files: Record<string, string> };
    expect(input.load_date).toBe('2026-03-09');
    expect(Object.keys(input.files).sort()).toEqual(['clientes', 'consumos']);
    expect(JSON.parse(input.files.consumos!)).toEqual([]);
    expect(JSON.parse(input.files.clientes!)).toEqual([
      {
        key: 'raw/clientes/year=2026/month=03/day=09/clientes.csv',
        tag: expect.stringMatching(/^[0-9a-f]{64}$/),
        encoding: 'utf-8',
        delimiter: ';',
        columns: ['tipo_identificacion', 'identificacion', 'nombre', 'ciudad'],
        rows: 1,
        loaded_at: expect.any(String),
      },
    ]);

    // The same content delivered again (a duplicate): the same load, so the same execution
    // name; Step Functions' ExecutionAlreadyExists is a success.
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    await source.put('copia.csv', CLIENTES);
    const again = await handler(s3Event('landing/copia.csv'));
    expect(again.files[0]?.status).toBe('duplicate');
    const second = sfn.commandCalls(StartExecutionCommand);
    expect(second).toHaveLength(2);
    expect(second[1]!.args[0].input.name).toBe(sent.name);
  });

  it('another Step Functions error fails the invocation (Lambda retries the event)', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('throttled'));
    await source.put('clientes2.csv', CLIENTES.replace('1020304050', '99'));
    await expect(handler(s3Event('landing/clientes2.csv'))).rejects.toThrow('throttled');
  });
});
