import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve('dist/cli/main.js');

/** The leading command words of a code span (`fx models approve|reject <group>` → two paths). */
function commandPaths(code: string): string[][] {
  let words = code.replace(/\\\|/g, '|').split(/\s+/);
  if (words[0] === 'corriente') words = words.slice(1);
  const p: string[] = [];
  for (const w of words) {
    if (!/^[a-z][a-z-]*(\|[a-z-]+)*$/.test(w)) break;
    p.push(w);
  }
  if (!p.length) return [];
  return p[p.length - 1]!.split('|').map((alt) => [...p.slice(0, -1), alt]);
}

/**
 * Every command of README's command tables. A row's later spans (`catalog show …`,
 * `dead-letters replay`) continue its first command: a span that starts inside the first
 * command's path is completed with the words before it.
 */
function readmeCommands(): string[][] {
  const found = new Map<string, string[]>();
  for (const line of readFileSync('README.md', 'utf8').split('\n')) {
    if (!line.startsWith('| `corriente ')) continue;
    const cell = line.split(/(?<!\\)\|/)[1] ?? '';
    const spans = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const first = commandPaths(spans[0]!)[0] ?? [];
    for (const span of spans) {
      for (let p of commandPaths(span)) {
        const at = first.indexOf(p[0]!);
        if (at > 0) p = [...first.slice(0, at), ...p];
        found.set(p.join(' '), p);
      }
    }
  }
  return [...found.values()];
}

describe("README's command tables", () => {
  const commands = readmeCommands();

  it('are parsed into command paths', () => {
    const names = commands.map((c) => c.join(' '));
    expect(names.length).toBeGreaterThan(25);
    expect(names).toEqual(
      expect.arrayContaining([
        'up',
        'catalog show',
        'warehouse status',
        'fx models reject',
        'fx notifications deliveries',
        'fx notifications dead-letters replay',
      ]),
    );
  });

  it('name commands that exist: `--help` of each exits 0 with its usage line', () => {
    const missing: string[] = [];
    for (const words of commands) {
      const r = spawnSync(process.execPath, [CLI, ...words, '--help'], { encoding: 'utf8' });
      if (r.status !== 0 || !r.stdout.includes(`Usage: corriente ${words.join(' ')} `)) {
        missing.push(`${words.join(' ')} (exit ${r.status}): ${r.stderr.trim()}`);
      }
    }
    expect(missing).toEqual([]);
  }, 300_000);
});
