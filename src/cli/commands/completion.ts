import type { Command } from 'commander';
import { z } from 'zod';
import { parseFlags } from '../parse-flags.js';

/** Every command path (`''`, `fx`, `fx models`, …) with the words that may follow it. */
export function completionTable(program: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const visit = (cmd: Command, path: string): void => {
    const words = [
      ...cmd.commands.map((c) => c.name()),
      ...cmd.options.map((o) => o.long ?? o.short ?? '').filter(Boolean),
    ];
    table.set(path, words);
    for (const c of cmd.commands) visit(c, path ? `${path} ${c.name()}` : c.name());
  };
  visit(program, '');
  return table;
}

/** A bash completion script for `corriente` (zsh loads it through bashcompinit). */
export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const cases = [...completionTable(program)]
    .map(
      ([path, words]) => `    ${JSON.stringify(path)}) words=${JSON.stringify(words.join(' '))} ;;`,
    )
    .join('\n');
  const bash = `_corriente() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _corriente corriente
`;
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}

/**
 * `corriente completion bash|zsh`: prints a completion script, e.g.
 * `source <(corriente completion bash)`.
 */
export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(corriente completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      const args = parseFlags(z.strictObject({ shell: z.enum(['bash', 'zsh']) }), { shell });
      process.stdout.write(completionScript(program, args.shell));
    });
}
