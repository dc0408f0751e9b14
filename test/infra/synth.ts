import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildCorrienteApp, type CorrienteApp } from '../../infra/lib/app.js';

/** The Lambda bundles the app expects (`<lambdaCodeDir>/<name>/index.mjs`). */
export const BUNDLES = ['s3-ingestion', 'api', 'price-collector', 'kinesis-processor'];

/** A corriente config whose governance section the Lake Formation grants come from. */
export const GOVERNANCE_YAML = `
governance:
  principals:
    - { name: ana, roles: [analyst] }
    - { name: auditor, kind: service }
  grants:
    - { role: analyst, database: energy_processed_db, table: clientes, exclude: [identificacion, nombre] }
    - { role: analyst, database: energy_processed_db, table: transacciones, include: [tipo_transaccion, cantidad_comprada_kwh] }
    - { principal: auditor, database: '*' }
`;

export interface Synthesized extends CorrienteApp {
  /** The temporary folder (bundles, image context, cdk.out): remove it after the tests. */
  dir: string;
  templates: { lake: Template; fx: Template; operations: Template };
  /** The cloud assembly's validation report (cdk-nag and CloudFormation validation). */
  report: ValidationReport;
}

export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; description: string; violatingResources?: unknown[] }[];
    suppressedViolations?: { ruleName: string }[];
  }[];
}

/**
 * Synthesizes the whole app offline into a temporary folder, with tiny Lambda bundles (CDK tests
 * need no real code), a Docker context holding only a Dockerfile, and the governance above.
 */
export function synthesize(options: { redshift?: boolean } = {}): Synthesized {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'corriente-infra-'));
  const bundles = path.join(dir, 'bundles');
  for (const b of BUNDLES) {
    mkdirSync(path.join(bundles, b), { recursive: true });
    writeFileSync(
      path.join(bundles, b, 'index.mjs'),
      `export const handler = async () => '${b}';\n`,
    );
  }
  const image = path.join(dir, 'image');
  mkdirSync(image);
  writeFileSync(path.join(image, 'Dockerfile'), 'FROM scratch\n');
  const config = path.join(dir, 'corriente.yaml');
  writeFileSync(config, GOVERNANCE_YAML);
  const built = buildCorrienteApp({
    lambdaCodeDir: bundles,
    glueScriptDir: path.join(dir, 'glue'),
    imageContext: image,
    corrienteConfig: config,
    outdir: path.join(dir, 'cdk.out'),
    redshift: options.redshift ?? false,
  });
  const assembly = built.app.synth();
  const report = JSON.parse(
    readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
  return {
    ...built,
    dir,
    report,
    templates: {
      lake: Template.fromStack(built.lake),
      fx: Template.fromStack(built.fx),
      operations: Template.fromStack(built.operations),
    },
  };
}
