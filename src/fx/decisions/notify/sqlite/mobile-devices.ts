import type BetterSqlite3 from 'better-sqlite3';
import { iso, type MobileDeviceRecord, type MobilePlatform } from './records.js';

interface DeviceRow {
  id: string;
  user_id: string;
  platform: MobilePlatform;
  token: string;
  created_at: number;
}

function record(r: DeviceRow): MobileDeviceRecord {
  return {
    id: r.id,
    userId: r.user_id,
    platform: r.platform,
    token: r.token,
    createdAt: iso(r.created_at),
  };
}

/**
 * The mobile devices users registered for push (table `mobile_devices` of the notifications
 * database): the tokens End User Messaging sends to, since corriente keeps them itself (no
 * Pinpoint endpoints). The ids of each user's devices are also held in memory, so queueing a
 * burst of notifications looks nothing up. A token the push service reports as gone is
 * forgotten; one it replaced is updated.
 */
export class MobileDeviceTable {
  private readonly byUser = new Map<string, string[]>();
  private readonly s;

  constructor(db: BetterSqlite3.Database) {
    this.s = {
      upsert: db.prepare(
        `INSERT INTO mobile_devices (id, user_id, platform, token, created_at)
         VALUES (@id, @userId, @platform, @token, @now)
         ON CONFLICT (user_id, token) DO UPDATE SET platform = excluded.platform
         RETURNING *`,
      ),
      byToken: db
        .prepare<[string, string], string>(
          'SELECT id FROM mobile_devices WHERE user_id = ? AND token = ?',
        )
        .pluck(),
      byId: db.prepare<[string], DeviceRow>('SELECT * FROM mobile_devices WHERE id = ?'),
      ofUser: db.prepare<[string], DeviceRow>(
        'SELECT * FROM mobile_devices WHERE user_id = ? ORDER BY id',
      ),
      delete: db.prepare<[string]>('DELETE FROM mobile_devices WHERE id = ?'),
      setToken: db.prepare<[string, string]>(
        'UPDATE OR IGNORE mobile_devices SET token = ? WHERE id = ?',
      ),
    };
    for (const r of db
      .prepare<[], { id: string; user_id: string }>('SELECT id, user_id FROM mobile_devices')
      .iterate()) {
      this.remember(r.user_id, r.id);
    }
  }

  /**
   * Registers (or refreshes, same token) a device of `userId`.
   * @param id the id for a new device
   * @returns the record, or `undefined` when the user already has `max` devices
   */
  add(
    userId: string,
    device: { platform: MobilePlatform; token: string },
    max: number,
    id: string,
    now: number,
  ): MobileDeviceRecord | undefined {
    const existing = this.s.byToken.get(userId, device.token);
    if (!existing && this.targets(userId).length >= max) return undefined;
    const row = this.s.upsert.get({ id, userId, now, ...device }) as DeviceRow;
    if (!existing) this.remember(userId, row.id);
    return record(row);
  }

  get(id: string): MobileDeviceRecord | undefined {
    const r = this.s.byId.get(id);
    return r ? record(r) : undefined;
  }

  of(userId: string): MobileDeviceRecord[] {
    return this.s.ofUser.all(userId).map(record);
  }

  /** Device ids of a user, from memory. */
  targets(userId: string): readonly string[] {
    return this.byUser.get(userId) ?? [];
  }

  /** Removes a device of `userId`; `false` when the user has no device `id`. */
  delete(userId: string, id: string): boolean {
    const list = this.byUser.get(userId);
    const i = list ? list.indexOf(id) : -1;
    if (!list || i < 0) return false;
    this.s.delete.run(id);
    list.splice(i, 1);
    if (list.length === 0) this.byUser.delete(userId);
    return true;
  }

  /** The push service issued a new token for the device (kept unless the user has it already). */
  replaceToken(id: string, token: string): void {
    this.s.setToken.run(token, id);
  }

  private remember(userId: string, id: string): void {
    const list = this.byUser.get(userId);
    if (list) list.push(id);
    else this.byUser.set(userId, [id]);
  }
}
