import { existsSync, readdirSync } from 'node:fs';
import type { Logger } from '../../core/log/logger.js';
import type { Stores } from '../adapters.js';
import type { Config } from '../config.js';
import { generateExports } from '../../energy/generate/index.js';
import { loadDateOf } from '../../core/util/time-zone.js';
import { simulateHistory } from '../../fx/simulate/index.js';
import { listAll } from '../../core/object-store/object-store.js';

export interface DemoDeps {
  config: Config;
  stores: Stores;
  log: Logger;
  now?: () => Date;
}

/**
 * On an empty home, drops a demo day of (dirty, realistic) exports into the landing store so a
 * newcomer sees the chain work. On a non-empty home it does nothing: the platform just resumes.
 * @returns a one-line description, or undefined when nothing was prepared.
 */
export async function prepareDemo(deps: DemoDeps): Promise<string | undefined> {
  if (!isHomeEmpty(deps.config.home)) return undefined;
  for await (const _ of listAll(deps.stores.datalake, '', 1)) return undefined;
  const date = loadDateOf((deps.now ?? (() => new Date()))(), deps.config.timezone);
  const files = await generateExports(deps.stores.source, {
    date,
    seed: 42,
    clientes: 1000,
    proveedores: 40,
    transacciones: 20_000,
    dirty: true,
  });
  deps.log.info({ files: files.map((f) => f.key) }, 'demo exports generated');
  // An FX history (30 days of prices and 50 customers of distinct behaviours) for the model.
  await simulateHistory({
    datalake: deps.stores.datalake,
    users: 50,
    days: 30,
    seed: 42,
    timezone: deps.config.timezone,
    logger: deps.log,
  });
  return (
    `generated ${files.map((f) => `${f.key} (${f.rows} rows)`).join(', ')} into the landing store; ` +
    'simulated 30 days of FX history for 50 customers in raw/fx_*; 3 demo customers trade through the API'
  );
}

function isHomeEmpty(home: string): boolean {
  if (!existsSync(home)) return true;
  return readdirSync(home).every((n) => n === 'locks');
}
