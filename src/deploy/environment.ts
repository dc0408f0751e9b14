/**
 * The environment variables read outside the config file, in one place (with `config.ts`, the
 * only module that reads `process.env`). Secrets such as the admin token never go in the config
 * file, so they are read here.
 */
import { userInfo } from 'node:os';

/** `CORRIENTE_ADMIN_TOKEN`: the admin bearer token of a running `corriente up`, if set. */
export function adminTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CORRIENTE_ADMIN_TOKEN || undefined;
}

/** `CORRIENTE_LOG_FORMAT` (`json` or `pretty`), if set. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CORRIENTE_LOG_FORMAT || undefined;
}

/** `CORRIENTE_LOG_LEVEL`, if set (the config reads it too; the CLI needs it before the config). */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CORRIENTE_LOG_LEVEL || undefined;
}

/** Who runs a command, for audit records: `$USER`, else the OS user. */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  return env.USER || userInfo().username;
}

/** The whole environment, for adapters that take their secrets from it (VAPID, webhook key). */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}
