import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LakeFormationGrants, readGovernance } from '../../infra/lib/lake-formation.js';

const DATABASES = ['energy_raw_db', 'energy_processed_db', 'fx_raw_db'];

function configFile(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'corriente-lf-')), 'c.yaml');
  writeFileSync(file, yaml);
  return file;
}

function grants(yaml: string): Template {
  const stack = new Stack(new App(), 'T', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  new LakeFormationGrants(stack, 'LF', {
    governance: readGovernance(configFile(yaml)),
    databases: DATABASES,
    admins: ['arn:aws:iam::123456789012:role/admin'],
  });
  return Template.fromStack(stack);
}

describe('Lake Formation grants from the governance config', () => {
  it('no file or no governance section: settings only, no grants', () => {
    expect(readGovernance(path.join(os.tmpdir(), 'does-not-exist.yaml'))).toBeUndefined();
    const t = grants('timezone: America/Bogota\n');
    t.resourceCountIs('AWS::LakeFormation::DataLakeSettings', 1);
    t.hasResourceProperties('AWS::LakeFormation::DataLakeSettings', {
      Admins: [{ DataLakePrincipalIdentifier: 'arn:aws:iam::123456789012:role/admin' }],
      CreateDatabaseDefaultPermissions: [],
      CreateTableDefaultPermissions: [],
    });
    t.resourceCountIs('AWS::LakeFormation::PrincipalPermissions', 0);
  });

  it('one role per grantee, shared by its grants', () => {
    const t = grants(`governance:
  grants:
    - { role: analyst, database: energy_processed_db, table: clientes }
    - { role: analyst, database: energy_raw_db, table: clientes, include: [nombre] }
`);
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.resourceCountIs('AWS::LakeFormation::PrincipalPermissions', 2);
    t.hasResourceProperties('AWS::LakeFormation::PrincipalPermissions', {
      Resource: {
        Table: { CatalogId: '123456789012', DatabaseName: 'energy_processed_db', Name: 'clientes' },
      },
    });
  });

  it('refuses a column filter on a table wildcard (Lake Formation has none)', () => {
    expect(() =>
      grants(`governance:
  grants:
    - { role: analyst, database: energy_processed_db, exclude: [identificacion] }
`),
    ).toThrow(/no column filter on a table wildcard/);
  });

  it('an invalid governance section is refused with the schema message', () => {
    expect(() =>
      readGovernance(
        configFile(`governance:
  grants:
    - { role: analyst, principal: ana, database: energy_processed_db }
`),
      ),
    ).toThrow(/exactly one of principal or role/);
  });
});
