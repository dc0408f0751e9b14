import { hashToken } from '../../core/governance/governance.js';
import type { FxLedgerPort, FxUsersPort } from './ledger-port.js';
import { FxUsers, USER_NAME_RE, type FxUser } from './users.js';

export interface CreateFxUserInput {
  name: string;
  /** Opening COP balance in centavos. @default 0 */
  copCents?: number;
  /** Opening USD balance in cents. @default 0 */
  usdCents?: number;
}

export interface CreatedFxUser {
  user: FxUser;
  /** The API token; shown once, only its SHA-256 is stored. */
  token: string;
  copCents: number;
  usdCents: number;
}

/**
 * Creates a user: appends `AccountOpened` with the opening balances to the EventLog (durable),
 * then stores the user (with the token's hash) and the account in one SQLite transaction.
 * A crash in between leaves an account without a user, never a user without an account.
 * @throws RangeError for a bad name or balance.
 */
export async function createFxUser(
  deps: { ledger: FxLedgerPort; users: FxUsersPort },
  input: CreateFxUserInput,
): Promise<CreatedFxUser> {
  const name = input.name.trim();
  if (!USER_NAME_RE.test(name)) throw new RangeError('name must be 1–100 printable characters');
  const copCents = input.copCents ?? 0;
  const usdCents = input.usdCents ?? 0;
  for (const [what, v] of [
    ['cop', copCents],
    ['usd', usdCents],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > 1e15) {
      throw new RangeError(`${what} must be a non-negative amount`);
    }
  }
  const { id, token } = FxUsers.newIdentity();
  const createdAt = new Date().toISOString();
  const event = await deps.ledger.openUserAccount(
    { id, name, createdAt, tokenSha256: hashToken(token) },
    { copCents, usdCents },
  );
  const user = (await deps.users.get(id)) ?? { id, name, createdAt };
  return { user, token, copCents: event.copCents, usdCents: event.usdCents };
}

/** `"1500000.50"` or `1500000.5` → centavos; 0 allowed. @throws RangeError naming `what`. */
export function openingBalanceCents(value: string | number | undefined, what: string): number {
  if (value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && value.trim() === '') {
    throw new RangeError(`${what} must be a number`);
  }
  if (n === 0) return 0;
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${what} must be a non-negative number`);
  const c = Math.round(n * 100);
  if (Math.abs(c - n * 100) > 1e-6) throw new RangeError(`${what} must have at most two decimals`);
  if (c > 1e15) throw new RangeError(`${what} is too large`);
  return c;
}
