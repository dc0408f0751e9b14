import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { boundaries } from './eslint/boundaries.js';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'infra/build/**',
      'node_modules/**',
      'corriente-data/**',
      'cluster-data/**',
      'coverage/**',
      'cdk.out/**',
      'infra/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
    },
    // Resolves `./x.js` specifiers to `./x.ts` sources, so no-cycle and the boundaries see every edge.
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
  },
  {
    // The web console and app (bundled by Vite, which resolves `.js` specifiers to `.tsx`;
    // import-x's node resolver does not, so its cycle check cannot run there).
    files: ['web/**'],
    rules: { 'import-x/no-cycle': 'off' },
  },
  // The architecture (docs/architecture.md): cli -> deploy -> products -> core, one way.
  ...boundaries,
);
