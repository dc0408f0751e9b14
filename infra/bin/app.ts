/**
 * The corriente CDK app: `npm run synth` (offline) or `npx cdk deploy --all` (see docs/aws.md).
 * Context comes from cdk.json, `-c key=value` (CDK CLI) or `--context key=value` (npm run synth).
 */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildCorrienteApp, optionsFromContext } from '../lib/app.js';

const context: Record<string, string> = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--context') continue;
  const [k, ...v] = (argv[++i] ?? '').split('=');
  if (k) context[k] = v.join('=');
}
const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.resolve('cdk.out'), context });
buildCorrienteApp(optionsFromContext(app), app);
app.synth();
