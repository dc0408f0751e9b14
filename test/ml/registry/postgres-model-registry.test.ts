import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import {
  createPgPool,
  migratePostgres,
  type PgPool,
} from '../../../src/core/state/postgres/index.js';
import { STATE_MIGRATIONS } from '../../../src/deploy/state.js';
import {
  autoApprovePolicySchema,
  type ModelStatusChanged,
} from '../../../src/ml/registry/index.js';
import { PostgresModelRegistry } from '../../../src/ml/registry/postgres/index.js';
import { eventually } from '../../util/eventually.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';
import { registration } from './fixtures.js';
import { modelRegistryContract } from './model-registry-contract.js';

const TRUNCATE =
  'TRUNCATE ml_model_audit, ml_model_versions, ml_model_groups; UPDATE ml_model_audit_head SET seq = 0';

describe.skipIf(postgresSkip !== undefined)(
  'PostgresModelRegistry (PostgreSQL on 127.0.0.1)',
  () => {
    const db = usePostgresDatabase('ml_registry');
    let migrated = false;

    /** A pool of its own (as another process would have), on a migrated database. */
    async function openPool(): Promise<PgPool> {
      const pool = createPgPool({ url: db.url, poolSize: 4 });
      if (!migrated) {
        await migratePostgres(pool, STATE_MIGRATIONS);
        migrated = true;
      }
      return pool;
    }

    function registryOn(
      pool: PgPool,
      store: LocalFsObjectStore,
      extra: { autoApprove?: unknown; ownPool?: boolean } = {},
    ): PostgresModelRegistry {
      return new PostgresModelRegistry({
        pool,
        store,
        pollIntervalMs: 20,
        ...(extra.ownPool ? { onClose: () => pool.end() } : {}),
        ...(extra.autoApprove
          ? { autoApprove: autoApprovePolicySchema.parse(extra.autoApprove) }
          : {}),
      });
    }

    modelRegistryContract(
      'PostgresModelRegistry (PostgreSQL + local folder store)',
      async (opts) => {
        const tmp = tempDir('corriente-pg-registry-');
        const store = new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') });
        const setup = await openPool();
        await setup.query(TRUNCATE);
        await setup.end();
        const make = () =>
          registryOn(createPgPool({ url: db.url, poolSize: 4 }), store, {
            ownPool: true,
            ...(opts.autoApprove ? { autoApprove: opts.autoApprove } : {}),
          });
        return { registry: make(), store, reopen: make, cleanup: async () => tmp.cleanup() };
      },
    );

    describe('two processes (two pools) on one database', () => {
      it('see each other’s approvals, by query and by polling', async () => {
        const tmp = tempDir('corriente-pg-registry-');
        const store = new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') });
        const poolA = await openPool();
        const poolB = await openPool();
        const a = registryOn(poolA, store, { ownPool: true });
        const b = registryOn(poolB, store, { ownPool: true });
        try {
          await a.createGroup('compartido');
          const seen: ModelStatusChanged[] = [];
          const stop = b.onStatusChange((e) => seen.push(e));
          await b.watching();
          const v1 = await a.registerVersion(registration('compartido', 'multi-a'));
          expect(v1.version).toBe(1);
          expect(await b.latestApproved('compartido')).toBeUndefined();
          await a.setStatus('compartido', 1, 'Approved', { actor: 'ana', reason: 'home A' });
          const approved = await b.latestApproved('compartido');
          expect(approved).toMatchObject({ group: 'compartido', version: 1, status: 'Approved' });
          expect(approved!.artifact.sha256).toBe(v1.artifact.sha256);
          // b loads the artifact a stored, checked against the sha256 a recorded.
          const model = await b.loadModel('compartido', 1);
          expect(model.numFeature).toBe(5);
          await eventually(() => seen.length >= 2);
          expect(seen.map((e) => [e.group, e.version, e.from, e.to, e.actor])).toEqual([
            ['compartido', 1, null, 'PendingManualApproval', 'ana'],
            ['compartido', 1, 'PendingManualApproval', 'Approved', 'ana'],
          ]);
          // And the other way round: b's change reaches a's listener.
          const seenByA: ModelStatusChanged[] = [];
          const stopA = a.onStatusChange((e) => seenByA.push(e));
          await a.watching();
          await b.registerVersion(registration('compartido', 'multi-b', undefined, 'bruno'));
          await b.setStatus('compartido', 2, 'Approved', { actor: 'bruno' });
          expect((await a.latestApproved('compartido'))?.version).toBe(2);
          await eventually(() => seenByA.length >= 2);
          expect(seenByA.map((e) => [e.version, e.to, e.actor])).toEqual([
            [2, 'PendingManualApproval', 'bruno'],
            [2, 'Approved', 'bruno'],
          ]);
          // A rejection in b is what a serves from next: back to v1.
          await b.setStatus('compartido', 2, 'Rejected', { actor: 'bruno', reason: 'rollback' });
          expect((await a.latestApproved('compartido'))?.version).toBe(1);
          stop();
          stopA();
          expect((await a.history('compartido')).map((e) => `${e.version}:${e.to}`)).toEqual([
            '1:PendingManualApproval',
            '1:Approved',
            '2:PendingManualApproval',
            '2:Approved',
            '2:Rejected',
          ]);
        } finally {
          await a.close();
          await b.close();
          tmp.cleanup();
        }
      });

      it('concurrent registrations get distinct consecutive numbers, each with its audit row', async () => {
        const tmp = tempDir('corriente-pg-registry-');
        const store = new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') });
        const pools = [await openPool(), await openPool(), await openPool()];
        const registries = pools.map((p) => registryOn(p, store, { ownPool: true }));
        try {
          await registries[0]!.createGroup('carrera');
          const per = 5;
          const results = await Promise.all(
            registries.flatMap((r, i) =>
              Array.from({ length: per }, () =>
                r.registerVersion(registration('carrera', 'binary', undefined, `p${i}`)),
              ),
            ),
          );
          const numbers = results.map((v) => v.version).sort((x, y) => x - y);
          expect(numbers).toEqual(Array.from({ length: 3 * per }, (_, i) => i + 1));
          const listed = await registries[1]!.listVersions('carrera');
          expect(listed.map((v) => v.version)).toEqual(numbers);
          for (let i = 0; i < 3; i++) {
            expect(listed.filter((v) => v.createdBy === `p${i}`)).toHaveLength(per);
          }
          for (const v of listed) {
            expect(v.artifact.key).toBe(`models/carrera/v${v.version}/model.json`);
            await registries[2]!.loadModel('carrera', v.version); // every artifact intact
          }
          const history = await registries[2]!.history('carrera');
          expect(history).toHaveLength(3 * per);
          expect(new Set(history.map((e) => e.version)).size).toBe(3 * per);
        } finally {
          for (const r of registries) await r.close();
          tmp.cleanup();
        }
      });
      it('the CLI of two homes (separate processes) works on one registry: approved in one, served in the other', async () => {
        const tmp = tempDir('corriente-pg-registry-cli-');
        const lake = path.join(tmp.dir, 'shared-lake');
        const store = new LocalFsObjectStore({ root: lake });
        const G = 'fx-recomendaciones';
        const pool = await openPool();
        await pool.query(TRUNCATE); // the contract's tests used the group's name
        const r = registryOn(pool, store, { ownPool: true });
        try {
          await r.createGroup(G);
          await r.registerVersion(registration(G, 'multi-a'));
          await r.registerVersion(registration(G, 'multi-b'));
          const config = path.join(tmp.dir, 'corriente.config.json');
          // The artifacts are in one lake (S3 in the cluster); nothing else is shared on disk.
          writeFileSync(
            config,
            JSON.stringify({ stores: { datalake: { type: 'local', path: lake } } }),
          );
          const cli = (home: string, ...args: string[]) => {
            const env = Object.fromEntries(
              Object.entries(process.env).filter(([k]) => !k.startsWith('CORRIENTE_')),
            ) as Record<string, string>;
            const res = spawnSync(
              process.execPath,
              [path.resolve('dist/cli/main.js'), '--config', config, ...args],
              {
                env: {
                  ...env,
                  USER: 'operadora',
                  CORRIENTE_HOME: path.join(tmp.dir, home),
                  CORRIENTE_DATABASE_URL: db.url,
                  CORRIENTE_LOG_LEVEL: 'warn',
                },
                encoding: 'utf8',
                timeout: 60_000,
              },
            );
            expect(res.status, res.stderr).toBe(0);
            return res.stdout;
          };
          expect(cli('home-a', 'fx', 'models', 'approve', G, '1', '--reason', 'AUC ok')).toMatch(
            /v1 is now Approved; served: v1/,
          );
          expect(cli('home-b', 'fx', 'models', 'list')).toBe(`${G}  2 versions  served: v1\n`);
          cli('home-b', 'fx', 'models', 'approve', G, '2');
          const listed = JSON.parse(cli('home-a', 'fx', 'models', 'list', '--group', G, '--json'));
          expect(listed.map((v: { status: string }) => v.status)).toEqual(['Approved', 'Approved']);
          expect((await r.latestApproved(G))?.version).toBe(2);
          expect((await r.history(G, 1)).at(-1)).toMatchObject({
            actor: 'operadora',
            reason: 'AUC ok',
          });
          // Neither home has a registry file of its own.
          expect(existsSync(path.join(tmp.dir, 'home-a', 'ml', 'registry.db'))).toBe(false);
          expect(existsSync(path.join(tmp.dir, 'home-b', 'ml', 'registry.db'))).toBe(false);
        } finally {
          await r.close();
          tmp.cleanup();
        }
      }, 120_000);
    });
  },
);
