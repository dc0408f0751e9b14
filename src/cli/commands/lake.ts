import type { Command } from 'commander';
import { hashToken, newToken } from '../../core/governance/governance.js';
import { cliContext } from '../context.js';
import { z } from 'zod';
import { parseFlags } from '../parse-flags.js';
import { flag } from '../flag-schemas.js';
import { UsageError } from '../usage-error.js';
import { configFilePath } from '../../deploy/config.js';
import { addPrincipalToken } from '../../deploy/config-file.js';

const tokenArgs = z.strictObject({
  principal: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'letters, digits and _ . @ - only (1–64 characters)'),
  json: flag,
  writeConfig: flag,
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
    .option(
      '--write-config',
      "add the token's hash to the principal in the config file itself (a running up reloads it)",
    )
    .action((raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(tokenArgs, raw);
      const { config, configOptions } = cliContext(cmd);
      const token = newToken();
      const tokenSha256 = hashToken(token);
      let known = config.governance?.principals.some((p) => p.name === opts.principal);
      let written: string | undefined;
      if (opts.writeConfig) {
        written = configFilePath(configOptions);
        if (!written) {
          throw new UsageError(
            '--write-config: there is no config file (give --config FILE, set CORRIENTE_CONFIG, or create corriente.config.yaml)',
          );
        }
        // Only the hash is written; the token is printed once below.
        const edit = addPrincipalToken(written, opts.principal, tokenSha256);
        known = true;
        if (edit.addedPrincipal) {
          process.stderr.write(
            `corriente: note: principal ${JSON.stringify(opts.principal)} added to ${written} without roles; give it roles or grants there\n`,
          );
        }
      }
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
            ...(written
              ? [
                  `its sha256 was added to ${written} (governance.principals); a running up reloads it`,
                  ``,
                ]
              : [
                  `add to the config, under governance.principals:`,
                  `  - name: ${opts.principal}`,
                  `    tokenSha256: ${tokenSha256}`,
                  `(JSON: { "name": ${JSON.stringify(opts.principal)}, "tokenSha256": "${tokenSha256}" };`,
                  ` a principal may hold a list of hashes to rotate tokens)`,
                  ``,
                ]),
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
