import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  openDuckDb,
  quoteIdent,
  quoteLiteral,
  restrictFileAccess,
} from '../../../core/duckdb/duckdb.js';
import type { AccountOpened, TransactionExecuted } from '../../events.js';
import { RAW_TABLES } from '../../processor/raw-rows.js';

/** The raw lake's price ticks in (time, id) order, as parallel arrays. */
export interface TickColumns {
  ids: string[];
  timesMs: Float64Array;
  midCopCents: Float64Array;
  bidCopCents: Float64Array;
}

/** A raw row that cannot be a valid event: the lake was written by something else. */
export class LakeDataError extends Error {
  constructor(table: string, id: string, detail: string) {
    super(`raw/${table}: row ${JSON.stringify(id)} ${detail}`);
    this.name = 'LakeDataError';
  }
}

export interface LakeHistoryOptions {
  /** The datalake's local folder (it holds `raw/fx_*`). */
  lakeDir: string;
  /** DuckDB memory limit; it spills to `tempDirectory` beyond it. @default '1GB' */
  memoryLimit?: string;
  /** Folder for DuckDB spill files. */
  tempDirectory?: string;
}

/** Explicit columns of the raw tables (see `src/fx/processor/raw-rows.ts`); other keys are ignored. */
const COLUMNS = {
  [RAW_TABLES.PriceTick]: {
    id: 'VARCHAR',
    compra_cop_centavos: 'BIGINT',
    medio_cop_centavos: 'BIGINT',
    observado_en: 'VARCHAR',
  },
  [RAW_TABLES.AccountOpened]: {
    id: 'VARCHAR',
    usuario_id: 'VARCHAR',
    saldo_cop_centavos: 'BIGINT',
    saldo_usd_centavos: 'BIGINT',
    abierta_en: 'VARCHAR',
    ingerido_en: 'VARCHAR',
  },
  [RAW_TABLES.TransactionExecuted]: {
    id: 'VARCHAR',
    usuario_id: 'VARCHAR',
    lado: 'VARCHAR',
    monto_usd_centavos: 'BIGINT',
    precio_cop_centavos: 'BIGINT',
    total_cop_centavos: 'BIGINT',
    ejecutado_en: 'VARCHAR',
    ingerido_en: 'VARCHAR',
  },
} as const;

/**
 * Reads the FX history of the raw lake (`fx_precios`, `fx_cuentas`, `fx_transacciones`, JSON lines
 * under `year=/month=/day=`) with DuckDB: explicit columns, duplicates (redelivered events) removed
 * by `id`, times parsed once. Transactions are served per range of user ids, so callers stream
 * users in chunks and memory stays bounded by the chunk, not the history. Used by both the batch
 * (training) and the online store's hydration, so both see the same events.
 *
 * @example
 * const lake = await LakeHistory.open({ lakeDir });
 * try { const ticks = await lake.ticks(); … } finally { lake.close(); }
 */
export class LakeHistory {
  /** Whether `tx_by_time` (transactions ordered by time, for `transactionsBetween`) exists. */
  private byTime = false;

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** Opens an in-memory DuckDB confined to `lakeDir` and loads the three tables. */
  static async open(options: LakeHistoryOptions): Promise<LakeHistory> {
    const lakeDir = path.resolve(options.lakeDir);
    const db = await openDuckDb({
      memoryLimit: options.memoryLimit ?? '1GB',
      ...(options.tempDirectory ? { tempDirectory: options.tempDirectory } : {}),
    });
    const conn = await db.connect();
    const lake = new LakeHistory(db, conn);
    try {
      await restrictFileAccess(conn, [
        lakeDir,
        ...(options.tempDirectory ? [options.tempDirectory] : []),
      ]);
      for (const [table, columns] of Object.entries(COLUMNS)) {
        await lake.load(lakeDir, table, columns);
      }
    } catch (err) {
      lake.close();
      throw err;
    }
    return lake;
  }

  private async load(
    lakeDir: string,
    table: string,
    columns: Record<string, string>,
  ): Promise<void> {
    const folder = path.join(lakeDir, 'raw', table);
    const cols = Object.entries(columns);
    const names = cols.map(([n]) => quoteIdent(n)).join(', ');
    const typed = cols.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ');
    if (!hasFiles(folder)) {
      await this.conn.run(`CREATE TABLE ${quoteIdent(table)} (${typed})`);
      return;
    }
    const spec = `{${cols.map(([n, t]) => `${quoteLiteral(n)}: ${quoteLiteral(t)}`).join(', ')}}`;
    const glob = quoteLiteral(`${folder}/*/*/*/[!.]*`);
    await this.conn.run(
      `CREATE TABLE ${quoteIdent(table)} AS
         SELECT ${names} FROM read_json(${glob}, format = 'newline_delimited', columns = ${spec})
         QUALIFY row_number() OVER (PARTITION BY id ORDER BY ${quoteIdent(cols.at(-1)![0])}) = 1`,
    );
  }

  /** Every price tick, in (time, id) order. */
  async ticks(): Promise<TickColumns> {
    const reader = await this.conn.runAndReadAll(
      `SELECT id, observado_en, medio_cop_centavos::DOUBLE, compra_cop_centavos::DOUBLE
         FROM ${quoteIdent(RAW_TABLES.PriceTick)}
        ORDER BY observado_en::TIMESTAMPTZ, id`,
    );
    const [ids, times, mids, bids] = reader.getColumnsJS() as [
      string[],
      string[],
      number[],
      number[],
    ];
    const n = ids?.length ?? 0;
    const out: TickColumns = {
      ids: ids ?? [],
      timesMs: new Float64Array(n),
      midCopCents: new Float64Array(mids ?? []),
      bidCopCents: new Float64Array(bids ?? []),
    };
    for (let i = 0; i < n; i++) {
      const ms = Date.parse(times[i]!);
      const mid = out.midCopCents[i]!;
      const bid = out.bidCopCents[i]!;
      if (!Number.isFinite(ms))
        throw new LakeDataError(RAW_TABLES.PriceTick, ids[i]!, 'has no valid observado_en');
      if (!(mid > 0 && bid > 0 && Number.isInteger(mid) && Number.isInteger(bid))) {
        throw new LakeDataError(RAW_TABLES.PriceTick, ids[i]!, 'needs positive integer centavos');
      }
      out.timesMs[i] = ms;
    }
    return out;
  }

  /** Every AccountOpened, ordered by user id then time. */
  async accounts(): Promise<AccountOpened[]> {
    const reader = await this.conn.runAndReadAll(
      `SELECT id, usuario_id, saldo_cop_centavos::DOUBLE, saldo_usd_centavos::DOUBLE, abierta_en, ingerido_en
         FROM ${quoteIdent(RAW_TABLES.AccountOpened)}
        ORDER BY usuario_id, abierta_en::TIMESTAMPTZ, id`,
    );
    return reader.getRowsJS().map((r) => {
      const [id, userId, cop, usd, openedAt, ingestedAt] = r as [
        string,
        string,
        number,
        number,
        string,
        string,
      ];
      if (!userId || !Number.isFinite(Date.parse(openedAt))) {
        throw new LakeDataError(
          RAW_TABLES.AccountOpened,
          id,
          'needs usuario_id and a valid abierta_en',
        );
      }
      if (!(Number.isSafeInteger(cop) && cop >= 0 && Number.isSafeInteger(usd) && usd >= 0)) {
        throw new LakeDataError(
          RAW_TABLES.AccountOpened,
          id,
          'needs non-negative integer balances',
        );
      }
      return {
        type: 'AccountOpened',
        version: 1,
        id,
        userId,
        copCents: cop,
        usdCents: usd,
        openedAt,
        ingestedAt,
      } satisfies AccountOpened;
    });
  }

  /**
   * The transactions of users whose ids are in `[fromUserId, toUserId]`, ordered by user, then
   * (time, id): the order the portfolio fold and the features need.
   */
  async transactions(fromUserId: string, toUserId: string): Promise<TransactionExecuted[]> {
    return this.readTransactions(
      RAW_TABLES.TransactionExecuted,
      `WHERE usuario_id BETWEEN $1 AND $2 ORDER BY usuario_id, ejecutado_en::TIMESTAMPTZ, id`,
      [fromUserId, toUserId],
    );
  }

  /**
   * The transactions executed in `[fromMs, toMs)`, in (time, id) order: a replay streams the
   * history by windows of time, so memory holds one window, not the history.
   */
  async transactionsBetween(fromMs: number, toMs: number): Promise<TransactionExecuted[]> {
    if (!this.byTime) {
      // Once: a copy ordered by time, so each window's range filter skips the other row groups
      // (DuckDB's min/max per row group) instead of parsing every timestamp again.
      await this.conn.run(
        `CREATE TEMP TABLE tx_by_time AS
           SELECT *, epoch_ms(ejecutado_en::TIMESTAMPTZ) AS ms
             FROM ${quoteIdent(RAW_TABLES.TransactionExecuted)}
            ORDER BY ejecutado_en::TIMESTAMPTZ, id`,
      );
      this.byTime = true;
    }
    return this.readTransactions(
      'tx_by_time',
      `WHERE ms >= $1 AND ms < $2 ORDER BY ejecutado_en::TIMESTAMPTZ, id`,
      [fromMs, toMs],
    );
  }

  private async readTransactions(
    table: string,
    where: string,
    params: (string | number)[],
  ): Promise<TransactionExecuted[]> {
    const reader = await this.conn.runAndReadAll(
      `SELECT id, usuario_id, lado, monto_usd_centavos::DOUBLE, precio_cop_centavos::DOUBLE,
              total_cop_centavos::DOUBLE, ejecutado_en, ingerido_en
         FROM ${quoteIdent(table)}
        ${where}`,
      params,
    );
    return reader.getRowsJS().map((r) => {
      const [id, userId, side, amount, price, total, executedAt, ingestedAt] = r as [
        string,
        string,
        string,
        number,
        number,
        number,
        string,
        string,
      ];
      if (side !== 'BUY' && side !== 'SELL') {
        throw new LakeDataError(
          RAW_TABLES.TransactionExecuted,
          id,
          `has lado ${JSON.stringify(side)} (BUY or SELL)`,
        );
      }
      if (!(amount > 0 && price > 0 && total > 0) || !Number.isFinite(Date.parse(executedAt))) {
        throw new LakeDataError(
          RAW_TABLES.TransactionExecuted,
          id,
          'needs positive amounts and a valid ejecutado_en',
        );
      }
      return {
        type: 'TransactionExecuted',
        version: 1,
        id,
        userId,
        side,
        amountUsdCents: amount,
        priceCopCents: price,
        totalCopCents: total,
        executedAt,
        ingestedAt,
      } satisfies TransactionExecuted;
    });
  }

  /** First and last event time of the history (ticks, accounts, transactions); `undefined` when empty. */
  async timeRange(): Promise<{ firstMs: number; lastMs: number } | undefined> {
    const reader = await this.conn.runAndReadAll(
      `SELECT epoch_ms(min(t))::DOUBLE, epoch_ms(max(t))::DOUBLE FROM (
         SELECT observado_en::TIMESTAMPTZ AS t FROM ${quoteIdent(RAW_TABLES.PriceTick)}
         UNION ALL SELECT abierta_en::TIMESTAMPTZ FROM ${quoteIdent(RAW_TABLES.AccountOpened)}
         UNION ALL SELECT ejecutado_en::TIMESTAMPTZ FROM ${quoteIdent(RAW_TABLES.TransactionExecuted)})`,
    );
    const [first, last] = (reader.getRowsJS()[0] ?? []) as [number | null, number | null];
    if (first === null || last === null) return undefined;
    return { firstMs: first, lastMs: last };
  }

  /** Closes the connection and the database. */
  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }
}

/** True when a raw table folder holds at least one partition file. */
function hasFiles(folder: string): boolean {
  if (!existsSync(folder)) return false;
  const walk = (dir: string, depth: number): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) =>
      depth === 3
        ? e.isFile() && !e.name.startsWith('.')
        : e.isDirectory() && walk(path.join(dir, e.name), depth + 1),
    );
  return walk(folder, 0);
}
