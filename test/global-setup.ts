import { spawnSync } from 'node:child_process';

/**
 * Tests that spawn the real `corriente` binary (CLI, fault and crash tests) run `dist/`;
 * compile it once so they never run stale code. Type errors do not stop tsc's emit; they are
 * reported here and fail `npm run typecheck`, which CI runs first.
 */
export default function setup(): void {
  const r = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    process.stderr.write(
      `warning: tsc reported errors while building dist/:\n${r.stdout}${r.stderr}\n`,
    );
  }
}
