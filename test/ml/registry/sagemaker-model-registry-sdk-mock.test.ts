import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoApprovePolicySchema, ModelRegistryError } from '../../../src/ml/registry/index.js';
import {
  DEFAULT_XGBOOST_IMAGE,
  SageMakerModelRegistry,
} from '../../../src/ml/registry/sagemaker/sagemaker-model-registry.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../util/tmp.js';
import { xgboostAvailable } from '../../util/xgboost.js';
import { createFakeSageMaker, type FakeSageMaker } from './fake-sagemaker.js';
import { registration } from './fixtures.js';
import { modelRegistryContract } from './model-registry-contract.js';

const BASE = 's3://corriente-lake';

modelRegistryContract(
  'SageMakerModelRegistry (SDK mock: in-memory fake SageMaker on aws-sdk-client-mock)',
  async (opts) => {
    const tmp = tempDir('corriente-sm-registry-');
    const fake = createFakeSageMaker();
    const store = new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') });
    const make = () =>
      new SageMakerModelRegistry({
        client: fake.client,
        store,
        artifactBaseUrl: BASE,
        pollIntervalMs: 20,
        ...(opts.autoApprove
          ? { autoApprove: autoApprovePolicySchema.parse(opts.autoApprove) }
          : {}),
      });
    return {
      registry: make(),
      store,
      reopen: make,
      cleanup: async () => {
        fake.restore();
        tmp.cleanup();
      },
    };
  },
);

describe('SageMakerModelRegistry request shapes (SDK mock, no SageMaker emulator exists)', () => {
  let fake: FakeSageMaker;
  let tmp: ReturnType<typeof tempDir>;
  let registry: SageMakerModelRegistry;
  beforeEach(async () => {
    tmp = tempDir('corriente-sm-registry-');
    fake = createFakeSageMaker();
    registry = new SageMakerModelRegistry({
      client: fake.client,
      store: new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') }),
      artifactBaseUrl: `${BASE}/`,
    });
    await registry.createGroup('fx-recomendaciones', 'compra/venta');
  });
  afterEach(async () => {
    await registry.close();
    fake.restore();
    tmp.cleanup();
  });

  it('creates a model package group, and a versioned package pointing at the S3 artifact', async () => {
    expect(fake.mock.commandCalls(CreateModelPackageGroupCommand)[0]!.args[0].input).toEqual({
      ModelPackageGroupName: 'fx-recomendaciones',
      ModelPackageGroupDescription: 'compra/venta',
    });
    const v = await registry.registerVersion(registration('fx-recomendaciones', 'multi-a'));
    const create = fake.mock.commandCalls(CreateModelPackageCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      ModelPackageGroupName: 'fx-recomendaciones',
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: {
        Containers: [{ Image: DEFAULT_XGBOOST_IMAGE, Framework: 'XGBOOST' }],
        SupportedContentTypes: ['text/csv', 'application/json'],
        SupportedResponseMIMETypes: ['text/csv', 'application/json'],
      },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json' } } },
      MetadataProperties: { GeneratedBy: 'ana', CommitId: 'a'.repeat(40) },
      CustomerMetadataProperties: {
        'corriente:state': 'reserved',
        'corriente:artifact-sha256': v.artifact.sha256,
        'corriente:feature-version': '3',
        'corriente:training-from': '2026-01-01T00:00:00.000Z',
        'corriente:training-to': '2026-03-01T00:00:00.000Z',
        'corriente:package-version': '0.1.0',
        'corriente:created-by': 'ana',
      },
    });
    expect(create.ModelMetrics!.ModelQuality!.Statistics!.S3Uri).toMatch(
      /^s3:\/\/corriente-lake\/models\/fx-recomendaciones\/_registrations\/\w+\/metrics\.json$/,
    );
    const update = fake.mock.commandCalls(UpdateModelPackageCommand)[0]!.args[0].input;
    expect(update).toEqual({
      ModelPackageArn:
        'arn:aws:sagemaker:us-east-1:123456789012:model-package/fx-recomendaciones/1',
      InferenceSpecification: expect.objectContaining({
        Containers: [
          expect.objectContaining({
            ModelDataUrl: 's3://corriente-lake/models/fx-recomendaciones/v1/model.tar.gz',
          }),
        ],
      }),
      CustomerMetadataProperties: { 'corriente:state': 'ready' },
    });
    expect(v.artifact.key).toBe('models/fx-recomendaciones/v1/model.json');
  });

  it('writes model.tar.gz holding xgboost-model (what SageMaker XGBoost loads), read by tar and XGBoost', async () => {
    await registry.registerVersion(registration('fx-recomendaciones', 'multi-a'));
    const dir = path.join(tmp.dir, 'datalake', 'models', 'fx-recomendaciones', 'v1');
    const json = readFileSync(path.join(dir, 'model.json'));
    const tarball = path.join(dir, 'model.tar.gz');
    // The archive, as `tar` reads it: one regular file named xgboost-model with the JSON bytes.
    const listing = execFileSync('tar', ['-tvzf', tarball], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rw-r--r-- .* xgboost-model\n$/);
    expect(execFileSync('tar', ['-xzOf', tarball, 'xgboost-model'])).toEqual(json);
    if (!xgboostAvailable()) {
      console.warn(
        'XGBoost not installed (apt-get install python3-xgboost); skipping its load of the tarball',
      );
      return;
    }
    const script = [
      'import sys, tarfile, tempfile, os, xgboost',
      'd = tempfile.mkdtemp()',
      'tarfile.open(sys.argv[1]).extractall(d)',
      'b = xgboost.Booster()',
      "b.load_model(os.path.join(d, 'xgboost-model'))",
      'print(b.num_boosted_rounds())',
    ].join('\n');
    const rounds = Number(
      execFileSync('/usr/bin/python3', ['-c', script, tarball], { encoding: 'utf8' }),
    );
    expect(rounds).toBeGreaterThan(0);
  });

  it('approves with UpdateModelPackage: status, ApprovalDescription naming who and why', async () => {
    await registry.registerVersion(registration('fx-recomendaciones', 'multi-a'));
    fake.mock.resetHistory();
    await registry.setStatus('fx-recomendaciones', 1, 'Approved', {
      actor: 'luis',
      reason: 'AUC 0.81',
    });
    const update = fake.mock.commandCalls(UpdateModelPackageCommand)[0]!.args[0].input;
    expect(update).toMatchObject({
      ModelPackageArn:
        'arn:aws:sagemaker:us-east-1:123456789012:model-package/fx-recomendaciones/1',
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'luis: AUC 0.81',
      CustomerMetadataProperties: { 'corriente:status-changed-by': 'luis' },
    });
  });

  it('uses a configured container image, and refuses a store that is not in S3', async () => {
    const other = new SageMakerModelRegistry({
      client: fake.client,
      store: new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') }),
      artifactBaseUrl: BASE,
      containerImage: '111122223333.dkr.ecr.sa-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
    });
    await other.registerVersion(registration('fx-recomendaciones', 'binary'));
    const create = fake.mock.commandCalls(CreateModelPackageCommand).at(-1)!.args[0].input;
    expect(create.InferenceSpecification!.Containers![0]!.Image).toBe(
      '111122223333.dkr.ecr.sa-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
    );
    await other.close();
    expect(
      () =>
        new SageMakerModelRegistry({
          client: fake.client,
          store: new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') }),
        }),
    ).toThrow(ModelRegistryError);
  });
});
