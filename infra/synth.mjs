// `npm run synth`: the Lambda bundles (`npm run bundle`), the
// CDK app compiled with esbuild, then synthesized into cdk.out/ — offline: no AWS account, no
// network, no Docker (image assets are built by `cdk deploy`). Extra arguments are CDK context:
// `npm run synth -- redshift=true account=111122223333`.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const BUNDLES = ['s3-ingestion', 'api', 'price-collector', 'kinesis-processor'];

execFileSync('npm', ['run', '--silent', 'bundle'], { cwd: root, stdio: 'inherit' });
const missing = BUNDLES.filter((b) => !existsSync(path.join(root, 'infra/build', b, 'index.mjs')));
if (missing.length > 0) {
  console.error(
    `synth: no Lambda bundle for ${missing.join(', ')} in infra/build/ (run \`npm run bundle\`)`,
  );
  process.exit(1);
}

const out = path.join(root, 'build/infra/app.mjs');
await build({
  entryPoints: [path.join(root, 'infra/bin/app.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
// A fresh cloud assembly: CDK never deletes assets of earlier runs.
if (!process.env.CDK_OUTDIR) rmSync(path.join(root, 'cdk.out'), { recursive: true, force: true });
const context = process.argv.slice(2).flatMap((kv) => ['--context', kv]);
execFileSync(process.execPath, [out, ...context], { cwd: root, stdio: 'inherit' });
