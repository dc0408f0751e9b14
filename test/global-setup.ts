import { execFileSync } from 'node:child_process';

/**
 * Tests that spawn the real `corriente` binary (CLI, fault and crash tests) run `dist/`;
 * compile it once so they never run stale code.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
