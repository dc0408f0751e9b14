import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openFxDatabase } from '../../../../src/fx/api/fx-database.js';
import { FxUsers } from '../../../../src/fx/api/users.js';
import { silentLogger } from '../../../../src/core/log/logger.js';
import { openEmbeddedNotifications } from '../../../../src/deploy/local/notifications.js';
import { tempDir } from '../../../util/tmp.js';
import { PREFIX, testConfig } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('notification routes are rate-limited per user', () => {
  it('answers 429 problems past the limit to one user, and not to another', async () => {
    const tmp = tempDir('corriente-notify-rl-');
    cleanups.push(() => tmp.cleanup());
    const db = openFxDatabase(':memory:');
    cleanups.push(() => {
      db.close();
    });
    const users = new FxUsers(db);
    const n = openEmbeddedNotifications({
      home: tmp.dir,
      config: testConfig(),
      log: silentLogger,
      env: {},
    });
    cleanups.push(() => n.close());
    const app = Fastify();
    await app.register(n.routes(users, 5), { prefix: PREFIX });
    cleanups.push(() => app.close());
    const who = (name: string) => {
      const ident = FxUsers.newIdentity();
      users.insert({ id: ident.id, name, createdAt: new Date().toISOString() }, ident.token);
      return ident.token;
    };
    const [ana, luis] = [who('Ana'), who('Luis')];
    const ticket = (token: string) =>
      app.inject({
        method: 'POST',
        url: `${PREFIX}/stream-ticket`,
        headers: { authorization: `Bearer ${token}` },
      });
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await ticket(ana)).statusCode);
    expect(codes.slice(0, 5).every((c) => c === 200 || c === 201)).toBe(true);
    expect(codes.slice(5)).toEqual([429, 429, 429]);
    const limited = await ticket(ana);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json().type).toBe('urn:corriente:problem:rate-limited');
    expect(limited.headers['retry-after']).toBeDefined();
    expect([200, 201]).toContain((await ticket(luis)).statusCode);
  });
});
