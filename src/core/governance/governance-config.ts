import { z } from 'zod';

/** A sha256 of an API token, as 64 lower-case hex digits (the plaintext is never stored). */
const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be the sha256 of the token as 64 lower-case hex digits');

const nameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'may hold letters, digits and _ . @ - only');

export const principalConfigSchema = z.strictObject({
  /** The principal's name, e.g. `ana` (shown in denials). */
  name: nameSchema,
  /** `user` (a person) or `service` (a program). @default 'user' */
  kind: z.enum(['user', 'service']).default('user'),
  /** Roles the principal holds; grants to a role apply to each holder. @default [] */
  roles: z.array(nameSchema).default([]),
  /**
   * sha256 (hex) of the principal's API tokens for the HTTP API (`Authorization: Bearer …`).
   * `corriente lake token --principal NAME` prints a new token and its hash. @default []
   */
  tokenSha256: z.union([sha256Hex, z.array(sha256Hex)]).default([]),
});

export const grantConfigSchema = z
  .strictObject({
    /** Grantee: a principal's name… */
    principal: nameSchema.optional(),
    /** …or a role's name (exactly one of the two). */
    role: nameSchema.optional(),
    /** Catalog database, e.g. `energy_processed_db`; `*` for every database. */
    database: z.string().min(1),
    /** Table of the database; `*` for every table. @default '*' */
    table: z.string().min(1).default('*'),
    /** Only these columns may be read (partition keys `year`/`month`/`day` always may). */
    include: z.array(z.string().min(1)).optional(),
    /** Every column but these may be read. */
    exclude: z.array(z.string().min(1)).optional(),
  })
  .refine((g) => (g.principal === undefined) !== (g.role === undefined), {
    message: 'a grant names exactly one of principal or role',
  })
  .refine((g) => !(g.include && g.exclude), {
    message: 'a grant has include or exclude, not both',
  });

/**
 * The `governance` section of the config: Lake Formation's role. Absent: one implicit `admin`
 * principal with read access to everything (CLI use), and no HTTP tokens (HTTP answers 401).
 *
 * @example
 * governance:
 *   principals:
 *     - { name: ana, roles: [analyst], tokenSha256: 9f86d0… }
 *   grants:
 *     - { role: analyst, database: energy_processed_db, table: clientes, exclude: [identificacion] }
 *     - { role: analyst, database: energy_processed_db, table: transacciones }
 */
export const governanceConfigSchema = z.strictObject({
  principals: z.array(principalConfigSchema).default([]),
  /** Roles with a description (optional: a role exists once a principal or grant names it). */
  roles: z
    .array(z.strictObject({ name: nameSchema, description: z.string().optional() }))
    .default([]),
  grants: z.array(grantConfigSchema).default([]),
});

export type GovernanceConfig = z.infer<typeof governanceConfigSchema>;
export type PrincipalConfig = z.infer<typeof principalConfigSchema>;
export type GrantConfig = z.infer<typeof grantConfigSchema>;
