/**
 * `npm run bundle`: builds every Lambda bundle into `infra/build/<name>/index.mjs` and prints
 * their sizes; exit code 1 (one line) when a bundle would load a native module.
 */
import * as path from 'node:path';
import { bundleLambdas, NativeModuleInBundleError } from './lambda-bundles.js';

try {
  const bundles = await bundleLambdas({ root: process.cwd() });
  for (const b of bundles) {
    process.stdout.write(
      `${b.name.padEnd(18)} ${path.relative(process.cwd(), b.file)}  ${(b.bytes / 1024 / 1024).toFixed(1)} MiB\n`,
    );
  }
} catch (err) {
  const message = err instanceof NativeModuleInBundleError ? err.message : String(err);
  process.stderr.write(`bundle: ${message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
