import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { jobsOf, loadContracts } from '../../src/energy/contracts/load-contracts.js';
import { renderGlueScript } from '../../src/energy/transform/spark/glue-script.js';

/** One rendered Glue script: the entity it transforms and the file it was written to. */
export interface RenderedGlueScript {
  entity: string;
  file: string;
}

/**
 * Renders the Glue 5 PySpark script of every transform job (the same job definitions the DuckDB
 * engine runs, from the shipped contracts plus `contracts`) into `dir/<entity>.py`, so the CDK app
 * can upload each as an asset.
 *
 * @example renderGlueScripts('infra/build/glue', []) // [{ entity: 'clientes', file: '…/clientes.py' }, …]
 */
export function renderGlueScripts(dir: string, contracts: readonly string[]): RenderedGlueScript[] {
  mkdirSync(dir, { recursive: true });
  const jobs = jobsOf(loadContracts(contracts));
  return jobs.map((job) => {
    const file = path.join(dir, `${job.entity}.py`);
    writeFileSync(file, renderGlueScript(job));
    return { entity: job.entity, file };
  });
}
