import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../../src/core/object-store/object-store.js';
import {
  ModelRegistryError,
  sha256,
  type AutoApprovePolicyInput,
  type ModelRegistry,
  type ModelStatusChanged,
} from '../../../src/ml/registry/index.js';
import { eventually } from '../../util/eventually.js';
import { expected, FEATURES, registration } from './fixtures.js';

/** What each adapter's test provides: an empty registry, and more instances on its storage. */
export interface RegistryFixture {
  registry: ModelRegistry;
  store: ObjectStore;
  /** Another instance on the same storage, as another process would open it. */
  reopen(): ModelRegistry;
  cleanup?: () => Promise<void>;
}

export interface RegistryFixtureOptions {
  autoApprove?: AutoApprovePolicyInput;
}

export type MakeRegistry = (options: RegistryFixtureOptions) => Promise<RegistryFixture>;

const G = 'fx-recomendaciones';
const ana = { actor: 'ana', reason: 'looks good' };

async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelRegistryError);
  expect((err as ModelRegistryError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

/** The contract every ModelRegistry adapter passes. */
export function modelRegistryContract(name: string, make: MakeRegistry): void {
  describe(`ModelRegistry contract: ${name}`, () => {
    let f: RegistryFixture;
    let r: ModelRegistry;
    const extra: ModelRegistry[] = [];
    beforeEach(async () => {
      f = await make({});
      r = f.registry;
      await r.createGroup(G, 'compra/venta de dólares');
    });
    afterEach(async () => {
      for (const x of extra.splice(0)) await x.close();
      await r.close();
      await f.cleanup?.();
    });

    it('creates and lists groups; refuses duplicates and invalid names', async () => {
      await r.createGroup('otro');
      expect((await r.listGroups()).map((g) => g.name)).toEqual([G, 'otro']);
      expect(await r.getGroup(G)).toMatchObject({
        name: G,
        description: 'compra/venta de dólares',
      });
      expect(await r.getGroup('nada')).toBeUndefined();
      await refused(r.createGroup(G), 'already-exists', /already exists/);
      await refused(r.createGroup('bad name!'), 'invalid-input', /invalid model group name/);
    });

    it('registers numbered versions, pending, with artifact sha256 and the training record', async () => {
      const v1 = await r.registerVersion(registration(G, 'multi-a'));
      const v2 = await r.registerVersion(registration(G, 'multi-b', { compra: { rocAuc: 0.9 } }));
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect(v1).toMatchObject({
        group: G,
        status: 'PendingManualApproval',
        artifact: { key: `models/${G}/v1/model.json` },
        model: { objective: 'multi:softprob', numClass: 3, numFeature: 5 },
        metrics: { compra: { rocAuc: 0.8 }, venta: { rocAuc: 0.75 } },
        featureVersion: '3',
        featureNames: FEATURES,
        trainingRange: { from: '2026-01-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
        codeVersion: { packageVersion: '0.1.0', gitCommit: 'a'.repeat(40) },
        createdBy: 'ana',
      });
      const bytes = await f.store.get(v1.artifact.key);
      expect(sha256(bytes)).toBe(v1.artifact.sha256);
      expect(bytes.length).toBe(v1.artifact.size);
      expect((await r.listVersions(G)).map((v) => v.version)).toEqual([1, 2]);
      expect(await r.getVersion(G, 2)).toMatchObject({ metrics: { compra: { rocAuc: 0.9 } } });
      expect(await r.getVersion(G, 3)).toBeUndefined();
    });

    it('refuses bad registrations clearly', async () => {
      await refused(
        r.registerVersion(registration('nada', 'multi-a')),
        'not-found',
        /unknown model group nada/,
      );
      await refused(
        r.registerVersion({ ...registration(G, 'multi-a'), featureNames: ['a', 'b'] }),
        'invalid-input',
        /featureNames: 2 names for a model of 5 features/,
      );
      await refused(
        r.registerVersion({ ...registration(G, 'multi-a'), model: '{"learner": 3}' }),
        'invalid-input',
        /the model is not valid/,
      );
      expect(await r.listVersions(G)).toEqual([]);
    });

    it('loads a version as a model that predicts as XGBoost does', async () => {
      await r.registerVersion(registration(G, 'multi-a'));
      const model = await r.loadModel(G, 1);
      const { rows, predictions } = expected('multi-a');
      const x = Float32Array.from(rows.flat().map((v) => (v === null ? NaN : v)));
      const p = model.predict(x, rows.length);
      predictions.flat().forEach((want, i) => expect(p[i]).toBeCloseTo(want, 6));
      await refused(r.loadModel(G, 9), 'not-found', /has no version 9/);
    });

    it('detects an artifact whose sha256 no longer matches', async () => {
      const v = await r.registerVersion(registration(G, 'multi-a'));
      await f.store.put(
        v.artifact.key,
        (await f.store.get(v.artifact.key)).toString().replace('0', '1'),
      );
      await refused(r.loadModel(G, 1), 'integrity', /sha256 .* was registered/);
    });

    it('approves, rejects, and refuses invalid transitions', async () => {
      await r.registerVersion(registration(G, 'multi-a'));
      await r.registerVersion(registration(G, 'multi-b'));
      expect(await r.latestApproved(G)).toBeUndefined();
      expect((await r.setStatus(G, 1, 'Approved', ana)).status).toBe('Approved');
      expect((await r.latestApproved(G))?.version).toBe(1);
      await r.setStatus(G, 2, 'Approved', ana);
      expect((await r.latestApproved(G))?.version).toBe(2);
      await r.setStatus(G, 2, 'Rejected', { actor: 'luis', reason: 'drift' });
      expect((await r.latestApproved(G))?.version).toBe(1);
      await refused(r.setStatus(G, 2, 'Rejected', ana), 'invalid-transition', /already Rejected/);
      await refused(
        r.setStatus(G, 1, 'PendingManualApproval', ana),
        'invalid-transition',
        /cannot go from Approved to PendingManualApproval/,
      );
      await refused(r.setStatus(G, 7, 'Approved', ana), 'not-found', /has no version 7/);
      await refused(r.setStatus('nada', 1, 'Approved', ana), 'not-found', /unknown model group/);
    });

    it('rolls back to the previous approved version, and refuses when there is none', async () => {
      await refused(r.rollback(G, ana), 'no-previous-approved', /no approved version/);
      for (const n of ['multi-a', 'multi-b', 'multi-a'] as const)
        await r.registerVersion(registration(G, n));
      await r.setStatus(G, 1, 'Approved', ana);
      await refused(r.rollback(G, ana), 'no-previous-approved', /v1 is the only approved version/);
      await r.setStatus(G, 2, 'Rejected', ana);
      await r.setStatus(G, 3, 'Approved', ana);
      const served = await r.rollback(G, { actor: 'luis', reason: 'v3 recomienda de más' });
      expect(served.version).toBe(1);
      expect((await r.getVersion(G, 3))?.status).toBe('Rejected');
      expect((await r.latestApproved(G))?.version).toBe(1);
      const last = (await r.history(G, 3)).at(-1);
      expect(last).toMatchObject({
        from: 'Approved',
        to: 'Rejected',
        actor: 'luis',
        reason: 'v3 recomienda de más',
      });
    });

    it('keeps an audit history: who, when, from, to, why', async () => {
      await r.registerVersion(registration(G, 'multi-a'));
      await r.registerVersion(registration(G, 'multi-b', undefined, 'luis'));
      await r.setStatus(G, 1, 'Approved', ana);
      await r.setStatus(G, 2, 'Rejected', { actor: 'luis', reason: 'peor AUC' });
      const all = await r.history(G);
      expect(all.map((e) => [e.version, e.from, e.to, e.actor, e.reason])).toEqual([
        [1, null, 'PendingManualApproval', 'ana', 'registered'],
        [2, null, 'PendingManualApproval', 'luis', 'registered'],
        [1, 'PendingManualApproval', 'Approved', 'ana', 'looks good'],
        [2, 'PendingManualApproval', 'Rejected', 'luis', 'peor AUC'],
      ]);
      for (const e of all) expect(Date.parse(e.at)).not.toBeNaN();
      expect((await r.history(G, 2)).map((e) => e.to)).toEqual([
        'PendingManualApproval',
        'Rejected',
      ]);
      await refused(r.history(G, 5), 'not-found', /has no version 5/);
    });

    it('notifies listeners of registrations and status changes until unsubscribed', async () => {
      const events: ModelStatusChanged[] = [];
      const off = r.onStatusChange((e) => events.push(e));
      await r.registerVersion(registration(G, 'multi-a'));
      await r.setStatus(G, 1, 'Approved', ana);
      expect(events.map((e) => [e.group, e.version, e.from, e.to, e.actor])).toEqual([
        [G, 1, null, 'PendingManualApproval', 'ana'],
        [G, 1, 'PendingManualApproval', 'Approved', 'ana'],
      ]);
      off();
      await r.setStatus(G, 1, 'Rejected', ana);
      expect(events).toHaveLength(2);
    });

    it('delivers changes made by another instance on the same storage (another process)', async () => {
      const other = f.reopen();
      extra.push(other);
      const events: ModelStatusChanged[] = [];
      r.onStatusChange((e) => events.push(e));
      await other.registerVersion(registration(G, 'multi-a'));
      await other.setStatus(G, 1, 'Approved', { actor: 'cli', reason: 'ok' });
      await eventually(() => events.length >= 2, { timeoutMs: 4000, intervalMs: 10 });
      expect(events.map((e) => [e.version, e.to, e.actor])).toEqual([
        [1, 'PendingManualApproval', 'ana'],
        [1, 'Approved', 'cli'],
      ]);
    });

    it('sees at once what another instance changed: no change from a stale view', async () => {
      await r.registerVersion(registration(G, 'multi-a'));
      const other = f.reopen();
      extra.push(other);
      await other.setStatus(G, 1, 'Rejected', ana);
      // A second person approves from a view that still says Pending: refused, nothing lost.
      await refused(r.setStatus(G, 1, 'Rejected', ana), 'invalid-transition', /already Rejected/);
      expect((await r.history(G, 1)).map((e) => e.to)).toEqual([
        'PendingManualApproval',
        'Rejected',
      ]);
    });
  });

  describe(`ModelRegistry auto-approve policy: ${name}`, () => {
    let f: RegistryFixture;
    afterEach(async () => {
      await f.registry.close();
      await f.cleanup?.();
    });

    it('approves a version that beats the approved one by the margin (actor policy)', async () => {
      f = await make({ autoApprove: { metric: 'min(compra.rocAuc, venta.rocAuc)', margin: 0.01 } });
      const r = f.registry;
      await r.createGroup(G);
      const m = (c: number, v: number) => ({ compra: { rocAuc: c }, venta: { rocAuc: v } });
      const events: ModelStatusChanged[] = [];
      r.onStatusChange((e) => events.push(e));
      const v1 = await r.registerVersion(registration(G, 'multi-a', m(0.8, 0.7)));
      expect(v1.status).toBe('PendingManualApproval'); // approveFirst is off
      await r.setStatus(G, 1, 'Approved', ana);
      const v2 = await r.registerVersion(registration(G, 'multi-b', m(0.9, 0.705)));
      expect(v2.status).toBe('PendingManualApproval'); // min improves by 0.005 < 0.01
      const v3 = await r.registerVersion(registration(G, 'multi-b', m(0.75, 0.72)));
      expect(v3.status).toBe('Approved');
      expect((await r.latestApproved(G))?.version).toBe(3);
      const h3 = await r.history(G, 3);
      expect(h3.at(-1)).toMatchObject({
        from: 'PendingManualApproval',
        to: 'Approved',
        actor: 'policy',
      });
      expect(h3.at(-1)!.reason).toMatch(/0\.72 vs v1's 0\.7 .*beats it by 0\.02 ≥ margin 0\.01/);
      const v4 = await r.registerVersion(registration(G, 'multi-a', { compra: { rocAuc: 0.99 } }));
      expect(v4.status).toBe('PendingManualApproval'); // venta missing: never auto-approved
      expect(events.filter((e) => e.actor === 'policy').map((e) => e.version)).toEqual([3]);
    });

    it('approves the first version when approveFirst is on; lower-is-better metrics', async () => {
      f = await make({
        autoApprove: { metric: 'logLoss', margin: 0.05, higherIsBetter: false, approveFirst: true },
      });
      const r = f.registry;
      await r.createGroup(G);
      expect((await r.registerVersion(registration(G, 'multi-a', { logLoss: 0.5 }))).status).toBe(
        'Approved',
      );
      expect((await r.registerVersion(registration(G, 'multi-b', { logLoss: 0.47 }))).status).toBe(
        'PendingManualApproval',
      );
      expect((await r.registerVersion(registration(G, 'multi-b', { logLoss: 0.4 }))).status).toBe(
        'Approved',
      );
    });
  });
}
