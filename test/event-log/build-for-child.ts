import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const repo = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(repo, 'node_modules', '.cache', 'corriente-event-log-test');

/**
 * Child processes run plain JS. Compiling the whole project takes a minute on this machine, so
 * this transpiles just the event log's sources (and what they import from `src/`) without type
 * checking into `node_modules/.cache/` (inside the repo, so `pino` & co. still resolve).
 * @returns the path of the compiled `fx/event-log/disk/index.js`.
 */
export function buildDiskEventLogForChild(): string {
  const files = [
    ...fs
      .readdirSync(path.join(repo, 'src/fx/event-log'), { recursive: true, encoding: 'utf8' })
      .map((f) => path.join('fx/event-log', f)),
    'log/logger.ts',
  ].filter((f) => f.endsWith('.ts'));
  for (const rel of files) {
    const source = fs.readFileSync(path.join(repo, 'src', rel), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: rel,
    });
    const out = path.join(OUT, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
  return path.join(OUT, 'fx/event-log/disk/index.js');
}
