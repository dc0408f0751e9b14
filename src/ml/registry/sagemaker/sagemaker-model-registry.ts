import { awsClientConfig } from '../../../core/aws/client-config.js';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type InferenceSpecification,
} from '@aws-sdk/client-sagemaker';
import { monotonicFactory } from 'ulid';
import { listAll } from '../../../core/object-store/object-store.js';
import { modelTarball } from './model-tarball.js';
import {
  artifactKey,
  ModelRegistryError,
  type AuditEntry,
  type ModelGroup,
  type ModelStatus,
  type ModelVersion,
} from '../model-registry.js';
import {
  ModelRegistryBase,
  type ModelRegistryOptions,
  type VersionDraft,
} from '../registry-base.js';

/** SageMaker's built-in XGBoost 1.7-1 image in us-east-1 (each region has its own account). */
export const DEFAULT_XGBOOST_IMAGE =
  '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

export interface SageMakerModelRegistryOptions extends ModelRegistryOptions {
  client?: SageMakerClient;
  /** @default process.env.AWS_REGION */
  region?: string;
  /** Inference container of the model packages. @default DEFAULT_XGBOOST_IMAGE */
  containerImage?: string;
  /**
   * `s3://bucket/prefix` under which the datalake store keeps its keys; SageMaker needs S3 URLs
   * for `ModelDataUrl` and the metrics. @default store.url
   */
  artifactBaseUrl?: string;
}

/** Where the registration's own documents live: written once, never moved. */
const registrationPrefix = (group: string, id: string) => `models/${group}/_registrations/${id}/`;
/** SageMaker keeps only the last ApprovalDescription; the audit trail lives beside artifacts. */
const AUDIT_PREFIX = 'models/_audit/';

const META = {
  state: 'corriente:state',
  sha256: 'corriente:artifact-sha256',
  size: 'corriente:artifact-size',
  registration: 'corriente:registration',
  featureVersion: 'corriente:feature-version',
  trainingFrom: 'corriente:training-from',
  trainingTo: 'corriente:training-to',
  packageVersion: 'corriente:package-version',
  createdBy: 'corriente:created-by',
  createdAt: 'corriente:created-at',
  statusChangedAt: 'corriente:status-changed-at',
  statusChangedBy: 'corriente:status-changed-by',
} as const;

/** What `card.json` of a registration holds: the parts too long for metadata properties. */
interface Card {
  model: ModelVersion['model'];
  featureNames: string[];
  trainingRange: ModelVersion['trainingRange'];
  codeVersion: ModelVersion['codeVersion'];
}

/**
 * The registry on SageMaker Model Registry: a group is a Model Package Group, a version a
 * versioned Model Package (SageMaker numbers them 1, 2, 3…) whose `ModelApprovalStatus` is the
 * status. Artifacts and metrics go through the ObjectStore (S3): the package's
 * `InferenceSpecification.ModelDataUrl` points at `models/<group>/v<n>/model.tar.gz` (holding
 * `xgboost-model`, as SageMaker's XGBoost container expects; beside the `model.json` the registry
 * loads), its
 * `ModelMetrics` at the metrics JSON. The number is known only after CreateModelPackage, so the
 * artifact is first written under a registration id and moved to its final key afterwards;
 * until then the package is marked `corriente:state = reserved` and readers skip it.
 */
export class SageMakerModelRegistry extends ModelRegistryBase {
  private readonly client: SageMakerClient;
  private readonly ownsClient: boolean;
  private readonly image: string;
  private readonly baseUrl: string;
  private readonly ulid = monotonicFactory();
  private seen = new Set<string>();

  constructor(options: SageMakerModelRegistryOptions) {
    super(options, 30_000);
    this.ownsClient = !options.client;
    this.client =
      options.client ??
      new SageMakerClient(awsClientConfig(options.region ? { region: options.region } : {}));
    this.image = options.containerImage ?? DEFAULT_XGBOOST_IMAGE;
    this.baseUrl = (options.artifactBaseUrl ?? options.store.url).replace(/\/+$/, '');
    if (!this.baseUrl.startsWith('s3://')) {
      throw new ModelRegistryError(
        `SageMaker needs artifacts in S3: artifactBaseUrl (or the store URL) must start with s3:// (got ${this.baseUrl})`,
        'invalid-input',
      );
    }
  }

  private url(key: string): string {
    return `${this.baseUrl}/${key}`;
  }

  protected async insertGroup(group: ModelGroup): Promise<void> {
    try {
      await this.client.send(
        new CreateModelPackageGroupCommand({
          ModelPackageGroupName: group.name,
          ...(group.description ? { ModelPackageGroupDescription: group.description } : {}),
        }),
      );
    } catch (err) {
      if (/already exists/i.test((err as Error).message)) {
        throw new ModelRegistryError(`model group ${group.name} already exists`, 'already-exists');
      }
      throw err;
    }
  }

  protected async readGroups(): Promise<ModelGroup[]> {
    const groups: ModelGroup[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListModelPackageGroupsCommand({ ...(token ? { NextToken: token } : {}) }),
      );
      for (const g of page.ModelPackageGroupSummaryList ?? []) {
        groups.push({
          name: g.ModelPackageGroupName!,
          ...(g.ModelPackageGroupDescription
            ? { description: g.ModelPackageGroupDescription }
            : {}),
          createdAt: g.CreationTime!.toISOString(),
        });
      }
      token = page.NextToken;
    } while (token);
    return groups.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  protected async readGroup(name: string): Promise<ModelGroup | undefined> {
    try {
      const g = await this.client.send(
        new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }),
      );
      return {
        name: g.ModelPackageGroupName!,
        ...(g.ModelPackageGroupDescription ? { description: g.ModelPackageGroupDescription } : {}),
        createdAt: g.CreationTime!.toISOString(),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  protected async insertVersion(
    draft: VersionDraft,
    artifact: Buffer,
    entry: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion> {
    const id = this.ulid();
    const prefix = registrationPrefix(draft.group, id);
    const card: Card = {
      model: draft.model,
      featureNames: draft.featureNames,
      trainingRange: draft.trainingRange,
      codeVersion: draft.codeVersion,
    };
    const json = { contentType: 'application/json' };
    await this.store.put(`${prefix}model.json`, artifact, json);
    await this.store.put(`${prefix}metrics.json`, JSON.stringify(draft.metrics), json);
    await this.store.put(`${prefix}card.json`, JSON.stringify(card), json);
    const { codeVersion, trainingRange } = draft;
    const created = await this.client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: draft.group,
        ModelPackageDescription: `${draft.model.objective} model, features v${draft.featureVersion}`,
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: this.inferenceSpec(`${prefix}model.json`),
        ModelMetrics: {
          ModelQuality: {
            Statistics: {
              ContentType: 'application/json',
              S3Uri: this.url(`${prefix}metrics.json`),
            },
          },
        },
        MetadataProperties: {
          GeneratedBy: draft.createdBy.slice(0, 1024),
          ...(codeVersion.gitCommit ? { CommitId: codeVersion.gitCommit } : {}),
        },
        CustomerMetadataProperties: {
          [META.state]: 'reserved',
          [META.sha256]: draft.artifact.sha256,
          [META.size]: String(draft.artifact.size),
          [META.registration]: id,
          [META.featureVersion]: draft.featureVersion,
          [META.trainingFrom]: trainingRange.from,
          [META.trainingTo]: trainingRange.to,
          [META.packageVersion]: codeVersion.packageVersion,
          [META.createdBy]: draft.createdBy.slice(0, 256),
          [META.createdAt]: draft.createdAt,
        },
        ClientToken: id,
      }),
    );
    const arn = created.ModelPackageArn!;
    const version = Number(arn.slice(arn.lastIndexOf('/') + 1));
    if (!Number.isInteger(version) || version < 1) {
      throw new Error(`unexpected model package ARN from SageMaker: ${arn}`);
    }
    const key = artifactKey(draft.group, version);
    await this.store.copy(`${prefix}model.json`, key);
    // What SageMaker's XGBoost container loads: model.tar.gz holding `xgboost-model`.
    const tarball = tarballKey(key);
    await this.store.put(tarball, modelTarball(artifact), { contentType: 'application/gzip' });
    await this.client.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        InferenceSpecification: this.inferenceSpec(tarball),
        CustomerMetadataProperties: { [META.state]: 'ready' },
      }),
    );
    await this.store.delete(`${prefix}model.json`);
    await this.putAudit({ ...entry, version });
    return (await this.readVersion(draft.group, version))!;
  }

  private inferenceSpec(key: string): InferenceSpecification {
    return {
      Containers: [
        {
          Image: this.image,
          ModelDataUrl: this.url(key),
          Framework: 'XGBOOST',
          FrameworkVersion: '1.7',
        },
      ],
      SupportedContentTypes: ['text/csv', 'application/json'],
      SupportedResponseMIMETypes: ['text/csv', 'application/json'],
    };
  }

  protected async readVersions(group: string): Promise<ModelVersion[]> {
    const versions: ModelVersion[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListModelPackagesCommand({
          ModelPackageGroupName: group,
          ModelPackageType: 'Versioned',
          SortBy: 'CreationTime',
          SortOrder: 'Ascending',
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const s of page.ModelPackageSummaryList ?? []) {
        const v = await this.describe(s.ModelPackageArn!);
        if (v) versions.push(v);
      }
      token = page.NextToken;
    } while (token);
    return versions.sort((a, b) => a.version - b.version);
  }

  protected async readVersion(group: string, version: number): Promise<ModelVersion | undefined> {
    const arn = await this.arnOf(group, version);
    return arn ? this.describe(arn) : undefined;
  }

  /** Versions are addressed by ARN; the group's ARN prefix comes from its description. */
  private async arnOf(group: string, version: number): Promise<string | undefined> {
    try {
      const g = await this.client.send(
        new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }),
      );
      const groupArn = g.ModelPackageGroupArn!;
      return `${groupArn.replace(':model-package-group/', ':model-package/')}/${version}`;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async describe(arn: string): Promise<ModelVersion | undefined> {
    let d: DescribeModelPackageCommandOutput;
    try {
      d = await this.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const meta = d.CustomerMetadataProperties ?? {};
    if (meta[META.state] !== 'ready') return undefined;
    const prefix = registrationPrefix(d.ModelPackageGroupName!, meta[META.registration]!);
    const [card, metrics] = await Promise.all([
      this.store.get(`${prefix}card.json`).then((b) => JSON.parse(b.toString('utf8')) as Card),
      this.store
        .get(`${prefix}metrics.json`)
        .then((b) => JSON.parse(b.toString('utf8')) as Record<string, unknown>),
    ]);
    const dataUrl = jsonKeyOf(d.InferenceSpecification?.Containers?.[0]?.ModelDataUrl ?? '');
    if (!dataUrl.startsWith(`${this.baseUrl}/`)) {
      throw new ModelRegistryError(
        `${arn}: ModelDataUrl ${dataUrl} is outside the datalake store ${this.baseUrl}`,
        'integrity',
      );
    }
    const createdAt = meta[META.createdAt] ?? d.CreationTime!.toISOString();
    return {
      group: d.ModelPackageGroupName!,
      version: d.ModelPackageVersion!,
      status: d.ModelApprovalStatus as ModelStatus,
      artifact: {
        key: dataUrl.slice(this.baseUrl.length + 1),
        sha256: meta[META.sha256]!,
        size: Number(meta[META.size]),
      },
      model: card.model,
      metrics,
      featureVersion: meta[META.featureVersion]!,
      featureNames: card.featureNames,
      trainingRange: card.trainingRange,
      codeVersion: card.codeVersion,
      createdAt,
      createdBy: meta[META.createdBy]!,
      statusChangedAt: meta[META.statusChangedAt] ?? createdAt,
    };
  }

  protected async writeStatus(entry: AuditEntry & { from: ModelStatus }): Promise<void> {
    const arn = (await this.arnOf(entry.group, entry.version))!;
    // SageMaker has no conditional update: check, then update (a narrow race, unlike SQLite).
    const d = await this.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    if (d.ModelApprovalStatus !== entry.from) {
      throw new ModelRegistryError(
        `${entry.group} v${entry.version} is no longer ${entry.from} (changed by someone else); look again and retry`,
        'conflict',
      );
    }
    await this.client.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: entry.to,
        ApprovalDescription: `${entry.actor}: ${entry.reason}`.slice(0, 1024),
        CustomerMetadataProperties: {
          [META.statusChangedAt]: entry.at,
          [META.statusChangedBy]: entry.actor.slice(0, 256),
        },
      }),
    );
    await this.putAudit(entry);
  }

  private async putAudit(entry: AuditEntry): Promise<void> {
    await this.store.put(
      `${AUDIT_PREFIX}${entry.group}/${this.ulid()}.json`,
      JSON.stringify(entry),
      {
        contentType: 'application/json',
      },
    );
  }

  protected async readHistory(group: string, version?: number): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const o of listAll(this.store, `${AUDIT_PREFIX}${group}/`)) {
      const e = JSON.parse((await this.store.get(o.key)).toString('utf8')) as AuditEntry;
      if (version === undefined || e.version === version) entries.push(e);
    }
    return entries;
  }

  protected async startChangeCursor(): Promise<void> {
    for await (const o of listAll(this.store, AUDIT_PREFIX)) this.seen.add(o.key);
  }

  protected async pollChanges(): Promise<AuditEntry[]> {
    const fresh: string[] = [];
    for await (const o of listAll(this.store, AUDIT_PREFIX)) {
      if (!this.seen.has(o.key)) fresh.push(o.key);
    }
    // ULIDs order entries in time across groups.
    fresh.sort((a, b) => {
      const ia = a.slice(a.lastIndexOf('/') + 1);
      const ib = b.slice(b.lastIndexOf('/') + 1);
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    });
    const entries: AuditEntry[] = [];
    for (const key of fresh) {
      entries.push(JSON.parse((await this.store.get(key)).toString('utf8')) as AuditEntry);
      this.seen.add(key);
    }
    return entries;
  }

  protected async closeStorage(): Promise<void> {
    this.seen = new Set();
    if (this.ownsClient) this.client.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    e.name === 'ResourceNotFound' ||
    (e.name === 'ValidationException' && /does not exist|not found/i.test(e.message ?? ''))
  );
}

/** `…/model.json` → `…/model.tar.gz` (the artifact SageMaker deploys). */
function tarballKey(jsonKey: string): string {
  return jsonKey.replace(/model\.json$/, 'model.tar.gz');
}

/** The JSON artifact a `ModelDataUrl` stands for (the registry loads and checks model.json). */
function jsonKeyOf(dataUrl: string): string {
  return dataUrl.replace(/model\.tar\.gz$/, 'model.json');
}
