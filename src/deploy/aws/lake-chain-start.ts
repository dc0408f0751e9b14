import { createHash } from 'node:crypto';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { listAll, type ObjectStore } from '../../core/object-store/object-store.js';
import { partitionPath } from '../../core/util/time-zone.js';
import { manifestEntrySchema, manifestKeyForRaw } from '../../energy/ingest/manifest.js';

/**
 * The input of the lake chain's state machine (infra/lib/lake-stack.ts): the load date and, for
 * every entity with a Glue job, the JSON list of its partition's files the job's `--files`
 * argument takes (`{key, tag, encoding, delimiter, columns, rows, loaded_at}`, from the
 * manifests; `[]` for an entity with no file that day).
 */
export interface LakeChainInput {
  load_date: string;
  files: Record<string, string>;
}

/** The chain's input for one load date, read from the raw zone's manifests. */
export async function lakeChainInput(
  datalake: ObjectStore,
  loadDate: string,
  entities: readonly string[],
): Promise<LakeChainInput> {
  const files: Record<string, string> = {};
  for (const entity of entities) {
    const list: Record<string, unknown>[] = [];
    for await (const info of listAll(datalake, `raw/${entity}/${partitionPath(loadDate)}/`)) {
      const m = manifestEntrySchema.parse(
        JSON.parse((await datalake.get(manifestKeyForRaw(info.key))).toString('utf8')),
      );
      list.push({
        key: m.rawKey,
        tag: m.sha256,
        encoding: m.encoding,
        delimiter: m.delimiter,
        columns: m.columns,
        rows: m.rows,
        loaded_at: m.loadedAt,
      });
    }
    files[entity] = JSON.stringify(list);
  }
  return { load_date: loadDate, files };
}

/**
 * The execution name of one load: the load date and a digest of its files, so the same load
 * started twice (an S3 event delivered again, a retried invocation) is one execution.
 */
export function lakeChainExecutionName(input: LakeChainInput): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(Object.entries(input.files).sort(([a], [b]) => a.localeCompare(b))))
    .digest('hex')
    .slice(0, 32);
  return `load-${input.load_date}-${digest}`;
}

export interface LakeChainStarterOptions {
  stateMachineArn: string;
  datalake: ObjectStore;
  /** The entities the state machine has a Glue job for. */
  entities: readonly string[];
  client?: SFNClient;
}

/**
 * Starts the lake chain (Step Functions `StartExecution`) for a load date; idempotent per load:
 * `ExecutionAlreadyExists` means this load's chain was started already, a success.
 * @returns the execution name.
 */
export function lakeChainStarter(
  options: LakeChainStarterOptions,
): (loadDate: string) => Promise<string> {
  const client = options.client ?? new SFNClient({});
  return async (loadDate) => {
    const input = await lakeChainInput(options.datalake, loadDate, options.entities);
    const name = lakeChainExecutionName(input);
    try {
      await client.send(
        new StartExecutionCommand({
          stateMachineArn: options.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
    } catch (err) {
      if (!(err instanceof ExecutionAlreadyExists)) throw err;
    }
    return name;
  };
}
