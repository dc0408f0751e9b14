import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
  type CreateModelPackageInput,
  type DescribeModelPackageOutput,
  type UpdateModelPackageInput,
} from '@aws-sdk/client-sagemaker';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

/**
 * A small in-memory SageMaker Model Registry behind aws-sdk-client-mock (no SageMaker emulator
 * exists). It keeps the state the service keeps for the calls SageMakerModelRegistry makes,
 * numbers versions per group as SageMaker does, pages lists (small pages), throws the
 * service's ValidationException for unknown or duplicate names, and enforces the documented
 * limits the adapter must respect (metadata sizes, S3 URLs, status values).
 */
export interface FakeSageMaker {
  client: SageMakerClient;
  mock: AwsClientStub<SageMakerClient>;
  restore(): void;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PAGE = 2;
const STATUSES = ['Approved', 'Rejected', 'PendingManualApproval'];

class ValidationException extends Error {
  readonly $metadata = {};
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

function checkMetadata(props: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (k.length < 1 || k.length > 128 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(k)) {
      throw new ValidationException(`CustomerMetadataProperties key ${k} is invalid`);
    }
    if (v.length > 256)
      throw new ValidationException(`CustomerMetadataProperties ${k}: value longer than 256`);
  }
}

function checkInference(spec: CreateModelPackageInput['InferenceSpecification']): void {
  if (!spec?.Containers?.length)
    throw new ValidationException('InferenceSpecification needs Containers');
  for (const c of spec.Containers) {
    if (!c.Image) throw new ValidationException('Container Image is required');
    if (!c.ModelDataUrl?.startsWith('s3://'))
      throw new ValidationException('ModelDataUrl must be an s3:// URL');
  }
}

export function createFakeSageMaker(): FakeSageMaker {
  const client = new SageMakerClient({
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const mock = mockClient(client);
  const groups = new Map<string, { name: string; description?: string; createdAt: Date }>();
  const packages = new Map<string, DescribeModelPackageOutput[]>();
  const groupArn = (n: string) =>
    `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/${n.toLowerCase()}`;
  const noGroup = (n: string | undefined) =>
    new ValidationException(`ModelPackageGroup ${n} does not exist.`);
  const findPackage = (arn: string | undefined) => {
    const m = /model-package\/([^/]+)\/(\d+)$/.exec(arn ?? '');
    const group = m && [...groups.keys()].find((g) => g.toLowerCase() === m[1]);
    const p = group ? packages.get(group)?.[Number(m![2]) - 1] : undefined;
    if (!p) throw new ValidationException(`ModelPackage ${arn} does not exist.`);
    return p;
  };
  const page = <T>(items: T[], token: string | undefined) => {
    const start = token ? Number(token) : 0;
    return {
      items: structuredClone(items.slice(start, start + PAGE)),
      next: start + PAGE < items.length ? String(start + PAGE) : undefined,
    };
  };

  mock.on(CreateModelPackageGroupCommand).callsFake((input) => {
    const name = input.ModelPackageGroupName!;
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name))
      throw new ValidationException('bad group name');
    if (groups.has(name))
      throw new ValidationException(`Model Package Group already exists: ${groupArn(name)}`);
    groups.set(name, {
      name,
      ...(input.ModelPackageGroupDescription
        ? { description: input.ModelPackageGroupDescription }
        : {}),
      createdAt: new Date(),
    });
    packages.set(name, []);
    return { ModelPackageGroupArn: groupArn(name) };
  });
  mock.on(DescribeModelPackageGroupCommand).callsFake((input) => {
    const g = groups.get(input.ModelPackageGroupName!);
    if (!g) throw noGroup(input.ModelPackageGroupName);
    return {
      ModelPackageGroupName: g.name,
      ModelPackageGroupArn: groupArn(g.name),
      ...(g.description ? { ModelPackageGroupDescription: g.description } : {}),
      CreationTime: g.createdAt,
      ModelPackageGroupStatus: 'Completed',
    };
  });
  mock.on(ListModelPackageGroupsCommand).callsFake((input) => {
    const { items, next } = page([...groups.values()], input.NextToken);
    return {
      ModelPackageGroupSummaryList: items.map((g) => ({
        ModelPackageGroupName: g.name,
        ModelPackageGroupArn: groupArn(g.name),
        ModelPackageGroupDescription: g.description,
        CreationTime: g.createdAt,
        ModelPackageGroupStatus: 'Completed',
      })),
      NextToken: next,
    };
  });
  mock.on(CreateModelPackageCommand).callsFake((input: CreateModelPackageInput) => {
    const list = packages.get(input.ModelPackageGroupName!);
    if (!list) throw noGroup(input.ModelPackageGroupName);
    if (!STATUSES.includes(input.ModelApprovalStatus ?? ''))
      throw new ValidationException('ModelApprovalStatus');
    checkInference(input.InferenceSpecification);
    checkMetadata(input.CustomerMetadataProperties);
    if (Object.keys(input.CustomerMetadataProperties ?? {}).length > 50) {
      throw new ValidationException('at most 50 CustomerMetadataProperties');
    }
    const uri = input.ModelMetrics?.ModelQuality?.Statistics?.S3Uri;
    if (uri !== undefined && !uri.startsWith('s3://'))
      throw new ValidationException('metrics S3Uri');
    const version = list.length + 1;
    const arn = `${groupArn(input.ModelPackageGroupName!).replace('-group/', '/')}/${version}`;
    list.push({
      ModelPackageName: input.ModelPackageGroupName!,
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      ModelPackageGroupName: input.ModelPackageGroupName!,
      ModelPackageVersion: version,
      ModelPackageArn: arn,
      ModelPackageDescription: input.ModelPackageDescription,
      CreationTime: new Date(),
      InferenceSpecification: structuredClone(input.InferenceSpecification),
      ModelApprovalStatus: input.ModelApprovalStatus,
      ModelPackageStatus: 'Completed',
      ModelMetrics: structuredClone(input.ModelMetrics),
      MetadataProperties: structuredClone(input.MetadataProperties),
      CustomerMetadataProperties: { ...input.CustomerMetadataProperties },
    });
    return { ModelPackageArn: arn };
  });
  mock
    .on(DescribeModelPackageCommand)
    .callsFake((input) => structuredClone(findPackage(input.ModelPackageName)));
  mock.on(ListModelPackagesCommand).callsFake((input) => {
    const list = packages.get(input.ModelPackageGroupName!);
    if (!list) throw noGroup(input.ModelPackageGroupName);
    const { items, next } = page(list, input.NextToken);
    return {
      ModelPackageSummaryList: items.map((p) => ({
        ModelPackageGroupName: p.ModelPackageGroupName,
        ModelPackageVersion: p.ModelPackageVersion,
        ModelPackageArn: p.ModelPackageArn,
        CreationTime: p.CreationTime,
        ModelPackageStatus: p.ModelPackageStatus,
        ModelApprovalStatus: p.ModelApprovalStatus,
      })),
      NextToken: next,
    };
  });
  mock.on(UpdateModelPackageCommand).callsFake((input: UpdateModelPackageInput) => {
    const p = findPackage(input.ModelPackageArn);
    if (input.ModelApprovalStatus !== undefined) {
      if (!STATUSES.includes(input.ModelApprovalStatus))
        throw new ValidationException('ModelApprovalStatus');
      p.ModelApprovalStatus = input.ModelApprovalStatus;
    }
    if (input.ApprovalDescription !== undefined) {
      if (input.ApprovalDescription.length > 1024)
        throw new ValidationException('ApprovalDescription too long');
      p.ApprovalDescription = input.ApprovalDescription;
    }
    if (input.InferenceSpecification) {
      checkInference(input.InferenceSpecification);
      p.InferenceSpecification = structuredClone(input.InferenceSpecification);
    }
    checkMetadata(input.CustomerMetadataProperties);
    p.CustomerMetadataProperties = {
      ...p.CustomerMetadataProperties,
      ...input.CustomerMetadataProperties,
    };
    p.LastModifiedTime = new Date();
    return { ModelPackageArn: p.ModelPackageArn };
  });

  return { client, mock, restore: () => mock.restore() };
}
