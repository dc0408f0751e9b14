import type { AccountOpened, PriceTick } from '../events.js';
import type { Portfolio } from '../portfolio/portfolio.js';
import type { Side, TransactionRecord } from './ledger-tables.js';

type MaybePromise<T> = T | Promise<T>;

/** A customer of the FX API. */
export interface FxUser {
  /** `u_` + a ULID. */
  id: string;
  name: string;
  createdAt: string;
}

export interface FxUserPage {
  users: FxUser[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface ExecuteInput {
  userId: string;
  side: Side;
  amountUsdCents: number;
  /** The client's `Idempotency-Key` (1–200 characters). */
  idempotencyKey: string;
  /** SHA-256 of the canonical request (see {@link requestHashOf}). */
  requestHash: string;
}

export interface ExecuteResult {
  /** `true` when the key was used before with the same request: nothing was executed now. */
  replayed: boolean;
  transaction: TransactionRecord;
}

/** A user to store with their account, the token already hashed. */
export interface NewFxUser extends FxUser {
  /** SHA-256 (hex) of the API token; the token itself is never stored. */
  tokenSha256: string;
}

/**
 * The FX API's ledger: balances, idempotency records and transactions of every user. Two
 * adapters: `FxLedger` (SQLite behind the disk log, one process) and `PostgresFxLedger` (the
 * state store is the system of record, events reach the log through an outbox; any number of
 * API processes).
 */
export interface FxLedgerPort {
  /**
   * Opens the user's account with opening balances and stores the user in the same
   * transaction. @throws AccountAlreadyOpenError
   */
  openUserAccount(
    user: NewFxUser,
    balances: { copCents: number; usdCents: number },
  ): Promise<AccountOpened>;
  /**
   * Executes a BUY (at the ask) or SELL (at the bid) at the price `quote` gives when the user's
   * turn comes, or replays the earlier result of the same Idempotency-Key.
   * @throws IdempotencyConflictError, InsufficientFundsError, AccountNotOpenError, whatever
   *   `quote` throws, LedgerUnavailableError.
   */
  execute(input: ExecuteInput, quote: () => PriceTick): Promise<ExecuteResult>;
  /** The user's current portfolio, or `undefined` without an account. */
  portfolio(userId: string): MaybePromise<Portfolio | undefined>;
  /** The user's transactions, newest first; `cursor` is the previous page's `nextCursor`. */
  transactions(
    userId: string,
    options?: { limit?: number; cursor?: string },
  ): Promise<{ transactions: TransactionRecord[]; nextCursor?: string }>;
  /** One of the user's transactions (another user's id is not found). */
  transaction(userId: string, id: string): Promise<TransactionRecord | undefined>;
  /** Every account's portfolio, in user id order. */
  allPortfolios(): Promise<Portfolio[]>;
  close(): Promise<void>;
}

/** The users of the FX API (tokens kept as SHA-256 only). */
export interface FxUsersPort {
  /** The user a bearer token belongs to, or `undefined`. */
  authenticate(token: string | undefined): MaybePromise<FxUser | undefined>;
  get(id: string): MaybePromise<FxUser | undefined>;
  /** Users in id (creation) order, `limit` (1–1000) per page. */
  list(options?: { limit?: number; cursor?: string }): MaybePromise<FxUserPage>;
}
