import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GovernanceConfig, GrantConfig } from './governance-config.js';

/** The principal that exists when the config has no `governance` section (full read, CLI). */
export const ADMIN_PRINCIPAL = 'admin';

/** Hive partition keys: readable on every granted table, so filters can prune partitions. */
export const PARTITION_COLUMNS: readonly string[] = ['year', 'month', 'day'];

export interface Principal {
  name: string;
  kind: 'user' | 'service';
  roles: string[];
}

/** Why a principal could not be resolved or authenticated. */
export class GovernanceError extends Error {
  constructor(
    message: string,
    readonly code: 'unknown-principal' | 'unauthenticated',
  ) {
    super(message);
    this.name = 'GovernanceError';
  }
}

/**
 * What one principal may read: the union of the grants to the principal and to its roles.
 * Column names compare case-insensitively (DuckDB and Athena identifiers do).
 */
export class AccessPolicy {
  constructor(
    readonly principal: Principal,
    private readonly grants: readonly GrantConfig[],
  ) {}

  /** `principal "ana" (role analyst)`: how denials name the principal. */
  describe(): string {
    const roles = this.principal.roles;
    const suffix =
      roles.length === 0 ? '' : ` (${roles.length === 1 ? 'role' : 'roles'} ${roles.join(', ')})`;
    return `principal ${JSON.stringify(this.principal.name)}${suffix}`;
  }

  /** True when some grant covers the table (even with no data column). */
  canReadTable(database: string, table: string): boolean {
    return this.matching(database, table).length > 0;
  }

  /**
   * The readable columns of a table, in the table's order; `undefined` when the table is not
   * granted at all. Partition keys are always readable on a granted table.
   *
   * @example policy.readableColumns('energy_processed_db', 'clientes', ['nombre', 'identificacion'])
   * // → ['nombre'] for a grant with `exclude: [identificacion]`
   */
  readableColumns(
    database: string,
    table: string,
    columns: readonly string[],
  ): string[] | undefined {
    const grants = this.matching(database, table);
    if (grants.length === 0) return undefined;
    const readable = new Set<string>();
    for (const g of grants) {
      const include = g.include?.map((c) => c.toLowerCase());
      const exclude = new Set(g.exclude?.map((c) => c.toLowerCase()) ?? []);
      for (const c of columns) {
        const lc = c.toLowerCase();
        if (include ? include.includes(lc) : !exclude.has(lc)) readable.add(lc);
      }
    }
    return columns.filter(
      (c) => readable.has(c.toLowerCase()) || PARTITION_COLUMNS.includes(c.toLowerCase()),
    );
  }

  /** A stable key of the policy: equal keys grant the same. */
  fingerprint(): string {
    return createHash('sha256')
      .update(JSON.stringify([this.principal.name, this.grants]))
      .digest('hex')
      .slice(0, 16);
  }

  private matching(database: string, table: string): GrantConfig[] {
    const db = database.toLowerCase();
    const t = table.toLowerCase();
    return this.grants.filter(
      (g) =>
        (g.database === '*' || g.database.toLowerCase() === db) &&
        (g.table === '*' || g.table.toLowerCase() === t),
    );
  }
}

/** sha256 (hex) of an API token: what the config stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random API token (256 bits, base64url, prefixed so it is recognisable in a leak scan). */
export function newToken(): string {
  return `crt_${randomBytes(32).toString('base64url')}`;
}

/**
 * Principals, roles and grants from the config's `governance` section, and API-token
 * authentication. Without a section there is one principal, `admin`, who may read everything,
 * and no token authenticates (the HTTP API answers 401: no token, no data).
 *
 * @example
 * const gov = Governance.fromConfig(config.governance);
 * const policy = gov.policyFor('ana');
 * const principal = gov.authenticate(bearerToken); // undefined when unknown
 */
export class Governance {
  private constructor(
    private readonly principals: Map<string, Principal>,
    private readonly grants: readonly GrantConfig[],
    private readonly tokens: readonly { hash: Buffer; principal: string }[],
  ) {}

  static fromConfig(config: GovernanceConfig | undefined): Governance {
    const principals = new Map<string, Principal>();
    const grants: GrantConfig[] = [...(config?.grants ?? [])];
    const tokens: { hash: Buffer; principal: string }[] = [];
    for (const p of config?.principals ?? []) {
      principals.set(p.name, { name: p.name, kind: p.kind, roles: [...p.roles] });
      const hashes = typeof p.tokenSha256 === 'string' ? [p.tokenSha256] : p.tokenSha256;
      for (const h of hashes) tokens.push({ hash: Buffer.from(h, 'hex'), principal: p.name });
    }
    if (!principals.has(ADMIN_PRINCIPAL)) {
      principals.set(ADMIN_PRINCIPAL, { name: ADMIN_PRINCIPAL, kind: 'user', roles: [] });
      grants.push({ principal: ADMIN_PRINCIPAL, database: '*', table: '*' });
    }
    return new Governance(principals, grants, tokens);
  }

  listPrincipals(): Principal[] {
    return [...this.principals.values()];
  }

  /** @throws GovernanceError `unknown-principal` */
  principal(name: string): Principal {
    const p = this.principals.get(name);
    if (!p) {
      throw new GovernanceError(
        `unknown principal ${JSON.stringify(name)}; known: ${[...this.principals.keys()].join(', ')}`,
        'unknown-principal',
      );
    }
    return p;
  }

  /** @throws GovernanceError `unknown-principal` */
  policyFor(name: string): AccessPolicy {
    const p = this.principal(name);
    return new AccessPolicy(
      p,
      this.grants.filter(
        (g) => g.principal === p.name || (g.role !== undefined && p.roles.includes(g.role)),
      ),
    );
  }

  /** The principal a token belongs to; `undefined` for a missing or unknown token. */
  authenticate(token: string | undefined): Principal | undefined {
    if (!token) return undefined;
    const hash = createHash('sha256').update(token, 'utf8').digest();
    let found: string | undefined;
    // Compare against every hash in constant time per entry, so timing says nothing of which.
    for (const t of this.tokens) {
      if (t.hash.length === hash.length && timingSafeEqual(t.hash, hash)) found ??= t.principal;
    }
    return found === undefined ? undefined : this.principals.get(found);
  }
}
