/**
 * The Lambda bundles: each handler of `src/deploy/aws/` built by esbuild into one ESM file,
 * `infra/build/<name>/index.mjs` (platform node, target node22: Lambda's `nodejs22.x`), which
 * the CDK app deploys. A Lambda role uses the AWS and PostgreSQL adapters only, so a bundle that
 * would pull in a native module (better-sqlite3, DuckDB) fails the build, naming the importer.
 */
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/** Bundle name → handler source (relative to the repository root). */
export const LAMBDA_HANDLERS: Readonly<Record<string, string>> = {
  's3-ingestion': 'src/deploy/aws/s3-ingestion-handler.ts',
  api: 'src/deploy/aws/api-gateway-handler.ts',
  'price-collector': 'src/deploy/aws/price-collector-handler.ts',
  'kinesis-processor': 'src/deploy/aws/kinesis-processor-handler.ts',
};

/** Modules with native code (or loading it): none may reach a Lambda bundle. */
export const NATIVE_MODULES = /^(better-sqlite3|@duckdb\/.*|duckdb)(\/.*)?$/;

/** The contract file shipped with the package, and the module that reads it at run time. */
const SHIPPED_CONTRACT = path.join('contracts', 'energia.yaml');
const SHIPPED_CONTRACT_READER = 'src/energy/contracts/load-contracts.ts';

/** A bundle build that imported a native module. */
export class NativeModuleInBundleError extends Error {
  constructor(
    readonly bundle: string,
    readonly found: string[],
  ) {
    super(
      `the ${bundle} Lambda bundle would load native modules: ${found.join('; ')}. A Lambda role ` +
        `uses the AWS / PostgreSQL adapters (src/deploy/aws/aws-adapters.ts); keep ` +
        `better-sqlite3 and DuckDB out of its imports`,
    );
    this.name = 'NativeModuleInBundleError';
  }
}

export interface LambdaBundle {
  name: string;
  /** Absolute path of `index.mjs`. */
  file: string;
  bytes: number;
}

export interface BundleOptions {
  /** Repository root. @default the working folder */
  root?: string;
  /** Where `<name>/index.mjs` go. @default `<root>/infra/build` */
  outDir?: string;
  /** Bundle name → entry (relative to root). @default LAMBDA_HANDLERS */
  handlers?: Readonly<Record<string, string>>;
}

/** Records every import of a native module (with its importer) instead of resolving it. */
function nativeGuard(found: string[]): Plugin {
  return {
    name: 'corriente-no-native-modules',
    setup(b) {
      b.onResolve({ filter: NATIVE_MODULES }, (args) => {
        found.push(`${args.path} imported by ${args.importer || '(entry)'}`);
        return { path: args.path, external: true };
      });
      b.onResolve({ filter: /\.node$/ }, (args) => {
        found.push(`${args.path} imported by ${args.importer || '(entry)'}`);
        return { path: args.path, external: true };
      });
    },
  };
}

/** Native addons that slipped in some other way (a `.node` file among the inputs). */
function nativeInputs(meta: Metafile): string[] {
  return Object.keys(meta.inputs).filter(
    (f) => f.endsWith('.node') || /node_modules\/(better-sqlite3|@duckdb)\//.test(f),
  );
}

/**
 * Builds every Lambda bundle. Each is a folder: `index.mjs`, one self-contained ESM file (the
 * AWS SDK included, so the function does not depend on the runtime's copy) with a `require` for
 * the CommonJS dependencies that call it; a `package.json`; and `contracts/energia.yaml` when the
 * handler reads the shipped source contract.
 * @throws NativeModuleInBundleError when a handler's imports reach a native module.
 * @example await bundleLambdas({ root: process.cwd() });
 */
export async function bundleLambdas(options: BundleOptions = {}): Promise<LambdaBundle[]> {
  const root = path.resolve(options.root ?? process.cwd());
  const outDir = path.resolve(root, options.outDir ?? 'infra/build');
  const handlers = options.handlers ?? LAMBDA_HANDLERS;
  const bundles: LambdaBundle[] = [];
  for (const [name, entry] of Object.entries(handlers)) {
    const dir = path.join(outDir, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'index.mjs');
    const found: string[] = [];
    const result = await build({
      absWorkingDir: root,
      entryPoints: [path.resolve(root, entry)],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      // CommonJS dependencies (pg, pino, …) call require() for Node's built-ins.
      banner: {
        js: "import { createRequire as __corrienteCreateRequire } from 'node:module'; const require = __corrienteCreateRequire(import.meta.url);",
      },
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
      plugins: [nativeGuard(found)],
    });
    found.push(...nativeInputs(result.metafile));
    if (found.length > 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new NativeModuleInBundleError(name, found);
    }
    // The shipped source contract is read from disk, beside a package.json (as from `dist/`).
    if (Object.keys(result.metafile.inputs).some((f) => f.endsWith(SHIPPED_CONTRACT_READER))) {
      mkdirSync(path.join(dir, 'contracts'));
      copyFileSync(path.join(root, SHIPPED_CONTRACT), path.join(dir, SHIPPED_CONTRACT));
    }
    writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ name: `corriente-${name}`, private: true, type: 'module' }, null, 2)}\n`,
    );
    bundles.push({ name, file, bytes: statSync(file).size });
  }
  return bundles;
}
