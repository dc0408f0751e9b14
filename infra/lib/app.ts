import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FxStack } from './fx-stack.js';
import { CorrienteImage } from './image.js';
import { readGovernance } from './lake-formation.js';
import { LakeStack } from './lake-stack.js';
import { suppressFindings } from './nag-suppressions.js';
import { OperationsStack } from './operations-stack.js';

/** Options of the CDK app; each has a context key of the same name (`cdk synth -c key=value`). */
export interface CorrienteAppOptions {
  /** @default '123456789012' (synth needs no account; deploy with `-c account=…`) */
  account?: string;
  /** @default 'us-east-1' */
  region?: string;
  /** Folder of the Lambda bundles (`<dir>/<name>/index.mjs`). @default 'infra/build' */
  lambdaCodeDir?: string;
  /** Where the Glue scripts are rendered. @default 'infra/build/glue' */
  glueScriptDir?: string;
  /** Docker build context with corriente's `Dockerfile`. @default the repository root */
  imageContext?: string;
  /** corriente config file whose `governance` section becomes Lake Formation grants. @default 'docs/corriente.aws.yaml' */
  corrienteConfig?: string;
  /** Extra source-contract files. @default [] */
  contracts?: string[];
  /** Lake Formation admins. @default the CDK bootstrap's CloudFormation execution role */
  lakeFormationAdmins?: string[];
  /** Create Redshift Serverless. @default false */
  redshift?: boolean;
  /** cdk synth output folder. @default 'cdk.out' */
  outdir?: string;
}

export interface CorrienteApp {
  app: App;
  lake: LakeStack;
  fx: FxStack;
  operations: OperationsStack;
}

/** Reads the app's options from the CDK context (`cdk.json` or `-c key=value`). */
export function optionsFromContext(app: App): CorrienteAppOptions {
  const get = (k: string): unknown => app.node.tryGetContext(k);
  const str = (k: string): string | undefined =>
    typeof get(k) === 'string' ? (get(k) as string) : undefined;
  const list = (k: string): string[] | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v.map(String) : String(v).split(',').filter(Boolean);
  };
  const options: CorrienteAppOptions = {
    redshift: get('redshift') === true || get('redshift') === 'true',
  };
  for (const k of [
    'account',
    'region',
    'lambdaCodeDir',
    'glueScriptDir',
    'imageContext',
    'corrienteConfig',
  ] as const) {
    const v = str(k);
    if (v !== undefined) options[k] = v;
  }
  const contracts = list('contracts');
  if (contracts) options.contracts = contracts;
  const admins = list('lakeFormationAdmins');
  if (admins) options.lakeFormationAdmins = admins;
  return options;
}

/**
 * Builds the three stacks (Lake, FX, Operations) with the AwsSolutions cdk-nag pack applied.
 * Offline: fixed account and region, no lookups, Docker images only recorded (built on deploy).
 *
 * @example const { app } = buildCorrienteApp({ lambdaCodeDir: '/tmp/bundles' }); app.synth();
 */
export function buildCorrienteApp(options: CorrienteAppOptions = {}, app?: App): CorrienteApp {
  const root = path.resolve(import.meta.dirname, '../..');
  // The compiled app runs from build/infra/infra/lib: find the repository root by package.json.
  const repo = findRepoRoot(root);
  app ??= new App({ outdir: options.outdir ?? path.join(repo, 'cdk.out') });
  const env: Environment = {
    account: options.account ?? '123456789012',
    region: options.region ?? 'us-east-1',
  };
  const image = new CorrienteImage(path.resolve(repo, options.imageContext ?? '.'));
  const lambdaCodeDir = path.resolve(repo, options.lambdaCodeDir ?? 'infra/build');
  const admins = options.lakeFormationAdmins ?? [
    `arn:aws:iam::${env.account}:role/cdk-hnb659fds-cfn-exec-role-${env.account}-${env.region}`,
  ];
  const lake = new LakeStack(app, 'CorrienteLake', {
    env,
    description:
      'corriente energy data lake (S3, Lambda, Glue, Step Functions, Athena, Lake Formation)',
    lambdaCodeDir,
    glueScriptDir: path.resolve(repo, options.glueScriptDir ?? 'infra/build/glue'),
    contracts: options.contracts ?? [],
    governance: readGovernance(
      path.resolve(repo, options.corrienteConfig ?? 'docs/corriente.aws.yaml'),
    ),
    lakeFormationAdmins: admins,
    image,
    redshift: options.redshift ?? false,
  });
  const fx = new FxStack(app, 'CorrienteFx', {
    env,
    description:
      'corriente FX platform (API Gateway, Lambda, Kinesis, DynamoDB, Fargate, SageMaker, SNS)',
    lambdaCodeDir,
    image,
    vpc: lake.vpc,
    cluster: lake.cluster,
    database: lake.database,
    stateStoreClients: lake.stateStoreClients,
    datalakeBucket: lake.datalakeBucket,
    lakeKey: lake.key,
  });
  const operations = new OperationsStack(app, 'CorrienteOperations', {
    env,
    description: 'corriente alarms and dashboard',
    functions: {
      ingestion: lake.ingestion,
      api: fx.api,
      collector: fx.collector,
      processor: fx.processor,
    },
    stream: fx.stream,
    deadLetterQueues: { ingestion: lake.ingestionDlq, processor: fx.processorDlq },
    httpApi: fx.httpApi,
    stateMachine: lake.chain,
  });
  for (const stack of [lake, fx, operations]) suppressFindings(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, lake, fx, operations };
}

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'infra')))
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
}
