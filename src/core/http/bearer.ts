import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** The token of an `Authorization: Bearer <token>` header; `undefined` when there is none. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1];
}

/**
 * A constant-time check of the operator's admin token (`CORRIENTE_ADMIN_TOKEN`).
 * Without a configured token nothing matches.
 * @example const isAdmin = adminTokenMatcher(process.env.CORRIENTE_ADMIN_TOKEN);
 */
export function adminTokenMatcher(
  adminToken: string | undefined,
): (token: string | undefined) => boolean {
  if (!adminToken) return () => false;
  const expected = createHash('sha256').update(adminToken, 'utf8').digest();
  return (token) => {
    if (!token) return false;
    return timingSafeEqual(createHash('sha256').update(token, 'utf8').digest(), expected);
  };
}
