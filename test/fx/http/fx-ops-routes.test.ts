import * as path from 'node:path';
import { buildHttpServer } from '../../../src/core/http/server.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteModelRegistry } from '../../../src/ml/registry/sqlite/sqlite-model-registry.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { CONSOLE_ACTOR, fxOpsRoutes } from '../../../src/fx/http/fx-ops-routes.js';
import { eventually } from '../../util/eventually.js';
import {
  openNotifyHarness,
  rec,
  testConfig,
  type NotifyHarness,
} from '../decisions/notify/harness.js';
import { startReceiver } from '../decisions/notify/receiver.js';
import { registration } from '../../ml/registry/fixtures.js';

/** A JSON answer, read loosely: the assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const ADMIN = 'adm_test-fx-ops';
const G = 'fx-recomendaciones';

let h: NotifyHarness | undefined;
let registry: SqliteModelRegistry | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await h?.close();
  await registry?.close();
  h = undefined;
  registry = undefined;
});

async function open(adminToken: string | null = ADMIN, rateLimitPerMinute?: number) {
  const config = testConfig({ retry: { attempts: 2, baseMs: 5, capMs: 10 } });
  h = await openNotifyHarness({ config });
  const reg = new SqliteModelRegistry({
    path: path.join(h.dir, 'registry.db'),
    store: new LocalFsObjectStore({ root: path.join(h.dir, 'datalake') }),
  });
  registry = reg;
  await reg.createGroup(G, 'prueba');
  await reg.registerVersion(registration(G, 'multi-a'));
  await reg.registerVersion(registration(G, 'multi-a'));
  // The ops routes on their own loopback server, beside the harness's notification routes.
  const app = await buildHttpServer({
    log: silentLogger,
    plugins: [
      {
        prefix: '/api/fx/v1/ops',
        plugin: fxOpsRoutes({
          ...(adminToken ? { adminToken } : {}),
          registry: reg,
          notifications: h.n,
          overview: () => ({ processor: { records: 7 } }),
          ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}),
        }),
      },
    ],
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => app.close());
  const call = async (method: string, url: string, body?: unknown, token: string = ADMIN) => {
    const res = await fetch(`${base}/api/fx/v1/ops${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { call, reg };
}

describe('FX operations routes over HTTP (admin token)', () => {
  it('refuses without the admin token, and says so when none is configured', async () => {
    const { call } = await open();
    expect((await call('GET', '/overview', undefined, 'nope')).status).toBe(401);
    expect((await call('GET', '/overview')).body).toEqual({ processor: { records: 7 } });
    await h!.close();
    h = undefined;
    await registry!.close();
    registry = undefined;
    for (const c of closers.splice(0)) await c();
    const off = await open(null);
    const r = await off.call('GET', '/models');
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/CORRIENTE_ADMIN_TOKEN/);
  });

  it('is rate-limited (issue 13, item 7): 429 problems past the limit', async () => {
    const { call } = await open(ADMIN, 3);
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await call('GET', '/overview')).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect((await call('GET', '/models')).body.type).toBe('urn:corriente:problem:rate-limited');
  });

  it('lists versions, approves one with a reason into the audit history, refuses a bad change', async () => {
    const { call } = await open();
    const models = await call('GET', '/models');
    expect(models.body.groups[0].versions.map((v: { status: string }) => v.status)).toEqual([
      'PendingManualApproval',
      'PendingManualApproval',
    ]);
    expect((await call('POST', `/models/${G}/2/approve`, {})).status).toBe(400);
    const approved = await call('POST', `/models/${G}/2/approve`, { reason: 'mejor ROC AUC' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ version: 2, status: 'Approved' });
    const shown = await call('GET', `/models/${G}/2`);
    expect(shown.body.history.at(-1)).toMatchObject({
      from: 'PendingManualApproval',
      to: 'Approved',
      actor: CONSOLE_ACTOR,
      reason: 'mejor ROC AUC',
    });
    const again = await call('POST', `/models/${G}/2/approve`, { reason: 'otra vez' });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:corriente:problem:invalid-transition');
    expect((await call('GET', `/models/${G}/9`)).status).toBe(404);
    // No earlier approved version: a rollback is refused with the registry's reason.
    const rollback = await call('POST', `/models/${G}/rollback`, { reason: 'probar' });
    expect(rollback.status).toBe(409);
    expect(rollback.body.type).toBe('urn:corriente:problem:no-previous-approved');
    const rejected = await call('POST', `/models/${G}/1/reject`, { reason: 'datos viejos' });
    expect(rejected.body.status).toBe('Rejected');
  });

  it('lists every delivery and dead letter, and replays a dead letter to a receiver now up', async () => {
    const { call } = await open();
    const r = await startReceiver([500, 500], 200);
    closers.push(() => r.close());
    const a = h!.user();
    expect((await h!.api(a.token, 'POST', '/webhooks', { url: r.url })).status).toBe(201);
    const n = rec(a.id);
    await h!.n.notifier.notify(n);
    const dead = await eventually(() => h!.n.store.deadLetters()[0]);
    const listed = await call('GET', '/dead-letters');
    expect(listed.body.deadLetters.map((d: { id: string }) => d.id)).toEqual([dead.id]);
    const deliveries = await call('GET', '/deliveries?limit=10');
    expect(deliveries.body.deliveries.some((d: { id: string }) => d.id === dead.id)).toBe(true);
    expect((await call('POST', '/dead-letters/replay', { ids: ['nope'] })).status).toBe(404);
    const replay = await call('POST', '/dead-letters/replay', { ids: [dead.id] });
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toHaveLength(1);
    expect(replay.body.replayed[0]).toMatchObject({ id: dead.id, status: 'sent' });
    expect(r.received).toHaveLength(3);
    expect((await call('GET', '/dead-letters')).body.deadLetters).toEqual([]);
  });
});
