/**
 * The layering rules of corriente, checked by `npm run lint` (docs/architecture.md, "Where things
 * live"). Type-only imports count: a type edge is still a dependency.
 *
 * - `src/core` imports neither product, nor `deploy/` or `cli/`;
 * - `src/energy` and `src/fx` never import each other;
 * - `src/ml` is generic: it imports no product;
 * - only `src/deploy` (the composition root) imports an adapter folder or reads `process.env`.
 */
import * as path from 'node:path';

/** Folders named after the technology that implements a port. */
export const ADAPTER_FOLDERS = [
  'sqlite',
  's3',
  'kinesis',
  'dynamodb',
  'glue',
  'athena',
  'sagemaker',
  'postgres',
  'disk',
  'local-fs',
  'sns',
  'end-user-messaging',
];

const zone = (target, from, message) => ({ target, from, message });

const layering = {
  files: ['src/**/*.ts'],
  rules: {
    'import-x/no-restricted-paths': [
      'error',
      {
        zones: [
          zone(
            './src/core',
            ['./src/energy', './src/fx', './src/ml', './src/deploy', './src/cli'],
            'core/ is shared by both products: it imports neither product, nor deploy/ or cli/.',
          ),
          zone(
            './src/energy',
            ['./src/fx', './src/deploy', './src/cli'],
            'energy/ never imports fx/, deploy/ or cli/.',
          ),
          zone(
            './src/fx',
            ['./src/energy', './src/deploy', './src/cli'],
            'fx/ never imports energy/, deploy/ or cli/.',
          ),
          zone(
            './src/ml',
            ['./src/energy', './src/fx', './src/deploy', './src/cli'],
            'ml/ is generic: it imports no product, nor deploy/ or cli/.',
          ),
          zone('./src/deploy', ['./src/cli'], 'deploy/ never imports cli/.'),
        ],
      },
    ],
  },
};

/** The adapter folder a path lies in (`…/<adapter>/`), or undefined. */
function adapterRoot(file) {
  const parts = file.split(path.sep);
  for (let i = parts.length - 2; i >= 0; i--) {
    if (ADAPTER_FOLDERS.includes(parts[i])) return parts.slice(0, i + 1).join(path.sep) + path.sep;
  }
  return undefined;
}

/**
 * Only the composition root constructs adapters: nothing else imports an adapter folder, except
 * an adapter folder of the same technology.
 */
const noAdapterImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Only src/deploy/ imports adapter folders (sqlite/, s3/, kinesis/, …).' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const own = adapterRoot(file);
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), spec);
      const root = adapterRoot(target);
      if (root === undefined || (own !== undefined && target.startsWith(own))) return;
      // An adapter may use the shared plumbing of its own technology (a postgres adapter takes
      // its pool and transactions from core/state/postgres/).
      if (own !== undefined && path.basename(own) === path.basename(root)) return;
      context.report({
        node,
        message: `'${spec}' is an adapter (${path.basename(root)}/): only src/deploy/ chooses and constructs adapters; depend on the port instead.`,
      });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

const adapters = {
  files: ['src/**/*.ts'],
  ignores: ['src/deploy/**'],
  plugins: { corriente: { rules: { 'no-adapter-imports': noAdapterImports } } },
  rules: {
    'corriente/no-adapter-imports': 'error',
    'no-restricted-properties': [
      'error',
      {
        object: 'process',
        property: 'env',
        message:
          'Only src/deploy/ reads the environment: take the value from the config or an option.',
      },
    ],
  },
};

/** One logger type and factory: everything takes `Logger` from `src/core/log/logger.ts`. */
const logging = {
  files: ['src/**/*.ts'],
  ignores: ['src/core/log/**'],
  rules: {
    'no-restricted-imports': [
      'error',
      { paths: [{ name: 'pino', message: 'Import Logger from src/core/log/logger.ts.' }] },
    ],
  },
};

export const boundaries = [layering, adapters, logging];
