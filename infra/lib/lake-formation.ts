import { existsSync, readFileSync } from 'node:fs';
import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import {
  governanceConfigSchema,
  type GovernanceConfig,
  type GrantConfig,
} from '../../src/core/governance/governance-config.js';
import { PARTITION_COLUMNS } from '../../src/core/governance/governance.js';

/**
 * Reads the `governance` section of a corriente config file (YAML or JSON), validated by the same
 * schema `corriente` uses. A missing file or section gives no principals and no grants.
 */
export function readGovernance(file: string | undefined): GovernanceConfig | undefined {
  if (file === undefined || !existsSync(file)) return undefined;
  const doc = parseYaml(readFileSync(file, 'utf8')) as { governance?: unknown } | null;
  if (doc?.governance === undefined) return undefined;
  const parsed = governanceConfigSchema.safeParse(doc.governance);
  if (!parsed.success) {
    throw new Error(
      `${file}: governance: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export interface LakeFormationGrantsProps {
  governance: GovernanceConfig | undefined;
  /** The catalog databases a `database: '*'` grant expands to. */
  databases: readonly string[];
  /** Lake Formation administrators (ARNs of IAM roles/users); the CloudFormation role must be one. */
  admins: readonly string[];
}

/**
 * Lake Formation settings and grants generated from corriente's `governance` config: one IAM role
 * per governance role and per principal with grants of its own (`corriente-lake-<name>`, assumable
 * by the account, so an administrator maps people to it), and one SELECT grant per config grant:
 * `include` becomes a column list, `exclude` a column wildcard with excluded columns, a whole
 * table a table grant, `table: '*'` a table wildcard.
 */
export class LakeFormationGrants extends Construct {
  /** The IAM role of each grantee name. */
  readonly roles = new Map<string, iam.Role>();
  readonly permissions: lakeformation.CfnPrincipalPermissions[] = [];
  readonly settings: lakeformation.CfnDataLakeSettings;

  constructor(scope: Construct, id: string, props: LakeFormationGrantsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.settings = new lakeformation.CfnDataLakeSettings(this, 'Settings', {
      admins: props.admins.map((arn) => ({ dataLakePrincipalIdentifier: arn })),
      // Only Lake Formation grants decide; no IAM-only default for new databases and tables.
      createDatabaseDefaultPermissions: [],
      createTableDefaultPermissions: [],
      mutationType: 'REPLACE',
    });
    if (!props.governance) {
      Annotations.of(this).addInfo('no governance config: Lake Formation has no analyst grants');
      return;
    }
    props.governance.grants.forEach((grant, i) => {
      const name = grant.role ?? grant.principal ?? '';
      const role = this.roleFor(name);
      const databases = grant.database === '*' ? props.databases : [grant.database];
      for (const database of databases) {
        const p = new lakeformation.CfnPrincipalPermissions(this, `Grant${i}${database}`, {
          principal: { dataLakePrincipalIdentifier: role.roleArn },
          resource: grantResource(grant, stack.account, database),
          permissions: ['SELECT'],
          permissionsWithGrantOption: [],
        });
        p.node.addDependency(this.settings);
        this.permissions.push(p);
      }
    });
  }

  private roleFor(name: string): iam.Role {
    let role = this.roles.get(name);
    if (!role) {
      role = new iam.Role(this, `Role-${name}`, {
        roleName: `corriente-lake-${name}`,
        assumedBy: new iam.AccountRootPrincipal(),
        description: `corriente governance grantee "${name}": Lake Formation grants from the config`,
      });
      this.roles.set(name, role);
    }
    return role;
  }
}

function grantResource(
  grant: GrantConfig,
  catalogId: string,
  databaseName: string,
): lakeformation.CfnPrincipalPermissions.ResourceProperty {
  if (grant.table === '*') {
    if (grant.include || grant.exclude) {
      throw new Error(
        `grant to ${grant.role ?? grant.principal} on ${databaseName}.*: Lake Formation has no column filter on a table wildcard; name the table`,
      );
    }
    return { table: { catalogId, databaseName, tableWildcard: {} } };
  }
  if (grant.include) {
    const columnNames = [...new Set([...grant.include, ...PARTITION_COLUMNS])];
    return { tableWithColumns: { catalogId, databaseName, name: grant.table, columnNames } };
  }
  if (grant.exclude) {
    return {
      tableWithColumns: {
        catalogId,
        databaseName,
        name: grant.table,
        columnWildcard: { excludedColumnNames: grant.exclude },
      },
    };
  }
  return { table: { catalogId, databaseName, name: grant.table } };
}
