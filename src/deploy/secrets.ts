/**
 * Secrets every instance of a deployment must share: the admin token, the VAPID key pair (Web
 * Push) and the key sealing webhook secrets. Each comes from an environment variable, or from a
 * file (outside the repository) named by the same variable with `_FILE` appended, as container
 * platforms mount secrets. With `state.type = sqlite` a missing VAPID pair or webhook key is
 * generated once per home, as before; with `state.type = postgres` nothing is generated: an
 * instance refuses to start, naming what is missing.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/util/config-error.js';
import type { Config } from './config.js';

/** The variables holding shared secrets; each also accepts `<NAME>_FILE`. */
export const SHARED_SECRET_VARIABLES = [
  'CORRIENTE_ADMIN_TOKEN',
  'CORRIENTE_VAPID_PUBLIC_KEY',
  'CORRIENTE_VAPID_PRIVATE_KEY',
  'CORRIENTE_WEBHOOK_SECRETS_KEY',
] as const;

/**
 * `env` with every `<SECRET>_FILE` read into `<SECRET>` (trailing white space dropped); a value
 * set directly wins over its file.
 * @throws ConfigError naming the variable whose file cannot be read or is empty.
 */
export function resolveSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of SHARED_SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (out[name] || !file) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
    }
    if (text === '') throw new ConfigError(`${name}_FILE: ${file} is empty`);
    out[name] = text;
  }
  return out;
}

/**
 * The environment the secrets are taken from (files resolved), checked for the state mode:
 * with `state.type = postgres` every shared secret must be set.
 * @throws ConfigError, one line naming every missing variable (the CLI exits 2).
 */
export function sharedSecretsEnv(config: Config, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved = resolveSecretFiles(env);
  if (config.state.type !== 'postgres') return resolved;
  const missing = SHARED_SECRET_VARIABLES.filter((name) => !resolved[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `state.type is postgres, so every instance must share its secrets: set ${missing.join(', ')} ` +
        `(or ${missing.map((m) => `${m}_FILE`).join(', ')} naming files outside the repository)`,
    );
  }
  return resolved;
}
