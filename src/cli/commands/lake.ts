import type { Command } from 'commander';
import { hashToken, newToken } from '../../core/governance/governance.js';
import { cliContext } from '../context.js';
import { z } from 'zod';
import { parseFlags } from '../parse-flags.js';
import { flag } from '../flag-schemas.js';

const tokenArgs = z.strictObject({
  principal: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'letters, digits and _ . @ - only (1–64 characters)'),
  json: flag,
});

/**
 * Registers `corriente lake token --principal NAME`: prints a new random API token for the lake
 * HTTP API and the line to paste into the config (`governance.principals[].tokenSha256`). Only
 * the hash goes in the config; the token is shown once and never stored by corriente.
 */
export function registerLake(program: Command): void {
  const lake = program.command('lake').description('lake governance: principals and API tokens');
  lake
    .command('token')
    .description('create an API token for a principal (prints the token and its config hash)')
    .requiredOption('--principal <name>', 'the principal the token authenticates')
    .option('--json', 'print { principal, token, tokenSha256 } as JSON')
    .action((raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(tokenArgs, raw);
      const { config } = cliContext(cmd);
      const token = newToken();
      const tokenSha256 = hashToken(token);
      const known = config.governance?.principals.some((p) => p.name === opts.principal);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ principal: opts.principal, token, tokenSha256 })}\n`,
        );
      } else {
        process.stdout.write(
          [
            `token for ${opts.principal} (shown once; give it to them, corriente keeps only its hash):`,
            `  ${token}`,
            ``,
            `add to the config, under governance.principals:`,
            `  - name: ${opts.principal}`,
            `    tokenSha256: ${tokenSha256}`,
            `(JSON: { "name": ${JSON.stringify(opts.principal)}, "tokenSha256": "${tokenSha256}" };`,
            ` a principal may hold a list of hashes to rotate tokens)`,
            ``,
          ].join('\n'),
        );
      }
      if (!known) {
        process.stderr.write(
          `corriente: note: principal ${JSON.stringify(opts.principal)} is not in the config yet; add it with its roles\n`,
        );
      }
    });
}
