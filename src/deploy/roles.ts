/**
 * The roles `corriente up` runs (DESIGN.md, "Roles and state"): all of them in one process by
 * default, or a subset with `--roles`, so each can run as its own process (or Lambda/Fargate task).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Every role, in the order `up` starts them. */
export const ROLES = [
  'api',
  'collector',
  'processor',
  'orchestrator',
  'dispatcher',
  'lake',
] as const;
export type Role = (typeof ROLES)[number];

/** Every role: what `up` runs without `--roles`. */
export const ALL_ROLES: ReadonlySet<Role> = new Set(ROLES);

/**
 * `--roles api,processor`: a comma-separated list of known roles, at least one, no repeats.
 * @example rolesSchema.parse('api,processor') // Set { 'api', 'processor' }
 */
export const rolesSchema = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()))
  .pipe(
    z
      .array(
        z.enum(ROLES, {
          error: (i) =>
            `unknown role ${JSON.stringify(i.input)}; the roles are ${ROLES.join(', ')}`,
        }),
      )
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: 'names a role twice' }),
  )
  .transform((a): ReadonlySet<Role> => new Set(a));

/** Whether `roles` is every role (the single-process platform). */
export function isAllRoles(roles: ReadonlySet<Role>): boolean {
  return ROLES.every((r) => roles.has(r));
}

/**
 * A lease owner id unique to this process: role, host, pid and a random suffix (so a restarted
 * process with a recycled pid is still someone else).
 * @example instanceId('processor') // 'processor@ip-10-0-0-7:4242:9f3a1c'
 */
export function instanceId(role: string): string {
  return `${role}@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
