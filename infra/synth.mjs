// `npm run synth`: the Lambda bundles (`npm run bundle`, when the project has that script), the
// CDK app compiled with esbuild, then synthesized into cdk.out/ — offline: no AWS account, no
// network, no Docker (image assets are built by `cdk deploy`). Extra arguments are CDK context:
// `npm run synth -- redshift=true account=111122223333`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const BUNDLES = ['s3-ingestion', 'api', 'price-collector', 'kinesis-processor'];

if (pkg.scripts?.bundle) {
  execFileSync('npm', ['run', '--silent', 'bundle'], { cwd: root, stdio: 'inherit' });
} else {
  // Until the project has `npm run bundle` (issue 16, Lambda bundles), synth stages placeholder
  // handlers that fail every invocation, so the infrastructure can be synthesized and checked.
  // Never deploy these: `cdk deploy` runs this script, and says so below.
  for (const b of BUNDLES) {
    const file = path.join(root, 'infra/build', b, 'index.mjs');
    if (existsSync(file)) continue;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `// Placeholder written by infra/synth.mjs: no \`npm run bundle\` script yet.\n` +
        `export const handler = async () => {\n` +
        `  throw new Error('corriente ${b}: placeholder bundle; build the real one with npm run bundle');\n` +
        `};\n`,
    );
    console.error(
      `synth: WARNING: placeholder Lambda bundle infra/build/${b}/index.mjs (no bundle script)`,
    );
  }
}
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
