import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering of docs/architecture.md is enforced by `npm run lint`: each case lints a made-up
 * file at a real place in the tree and expects the boundary rule to refuse (or accept) it.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

const RESTRICTED = 'import-x/no-restricted-paths';
const ADAPTER = 'corriente/no-adapter-imports';

describe('lint boundaries', () => {
  const cases: [string, string, string, string][] = [
    [
      'core imports a product (type-only)',
      'src/core/query/probe.ts',
      "import type { EnergyEntity } from '../../energy/entities.js';\nexport type X = EnergyEntity;\n",
      RESTRICTED,
    ],
    [
      'energy imports fx',
      'src/energy/probe.ts',
      "import { FX_SAVED_QUERIES } from '../fx/saved-queries.js';\nexport const x = FX_SAVED_QUERIES;\n",
      RESTRICTED,
    ],
    [
      'fx imports energy',
      'src/fx/probe.ts',
      "import { ENERGY_ENTITIES } from '../energy/entities.js';\nexport const x = ENERGY_ENTITIES;\n",
      RESTRICTED,
    ],
    [
      'ml imports fx',
      'src/ml/probe.ts',
      "import type { FxConfig } from '../fx/fx-config.js';\nexport type X = FxConfig;\n",
      RESTRICTED,
    ],
    [
      'a product imports the composition root',
      'src/fx/probe.ts',
      "import type { Config } from '../deploy/config.js';\nexport type X = Config;\n",
      RESTRICTED,
    ],
    [
      'a product imports an adapter',
      'src/fx/probe.ts',
      "import { SqlitePortfolioStore } from './portfolio/sqlite/sqlite-portfolio-store.js';\nexport const x = SqlitePortfolioStore;\n",
      ADAPTER,
    ],
    [
      'the CLI imports an adapter',
      'src/cli/probe.ts',
      "import { S3ObjectStore } from '../core/object-store/s3/s3-object-store.js';\nexport const x = S3ObjectStore;\n",
      ADAPTER,
    ],
    [
      'core reads the environment',
      'src/core/probe.ts',
      'export const home = process.env.CORRIENTE_HOME;\n',
      'no-restricted-properties',
    ],
  ];

  it.each(cases)('refuses: %s', async (_name, file, code, rule) => {
    const found = await ruleIds(file, code);
    expect(found.some((m) => m.startsWith(`${rule}:`))).toBe(true);
  });

  it('accepts the allowed directions: deploy builds adapters, an adapter uses its own folder', async () => {
    expect(
      await ruleIds(
        'src/deploy/probe.ts',
        "import { SqlitePortfolioStore } from '../fx/portfolio/sqlite/sqlite-portfolio-store.js';\nexport const x = SqlitePortfolioStore;\nexport const home = process.env.CORRIENTE_HOME;\n",
      ),
    ).toEqual([]);
    expect(
      await ruleIds(
        'src/core/event-log/disk/probe.ts',
        "import { WriterLockedError } from './writer-lock.js';\nimport type { EventLog } from '../event-log.js';\nexport type X = EventLog;\nexport const x = WriterLockedError;\n",
      ),
    ).toEqual([]);
    expect(
      await ruleIds(
        'src/fx/api/postgres/probe.ts',
        "import { withTransaction } from '../../../core/state/postgres/transaction.js';\nexport const x = withTransaction;\n",
      ),
    ).toEqual([]);
    expect(
      await ruleIds(
        'src/fx/api/sqlite/probe.ts',
        "import { withTransaction } from '../../../core/state/postgres/transaction.js';\nexport const x = withTransaction;\n",
      ),
    ).toEqual([expect.stringContaining(ADAPTER)]);
    expect(
      await ruleIds(
        'src/fx/probe.ts',
        "import type { ObjectStore } from '../core/object-store/object-store.js';\nexport type X = ObjectStore;\n",
      ),
    ).toEqual([]);
  });
});
