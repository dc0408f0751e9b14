import { EventLogValidationError, type Position } from '../event-log.js';

/**
 * A Kinesis position: shard id → sequence number, as JSON with the shards sorted, e.g.
 * `{"shardId-000000000000":"4963…","shardId-000000000001":"4963…"}`. A cursor means "after
 * each listed sequence number, and from the trim horizon of every shard not listed"; a
 * record's own position lists only its shard.
 */
export type ShardPositions = Record<string, string>;

const SEQUENCE_RE = /^\d{1,128}$/;

export function formatKinesisPosition(shards: ShardPositions): Position {
  const sorted: ShardPositions = {};
  for (const id of Object.keys(shards).sort()) sorted[id] = shards[id]!;
  return JSON.stringify(sorted);
}

/** @throws EventLogValidationError for anything that is not a Kinesis position. */
export function parseKinesisPosition(position: Position): ShardPositions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(position);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EventLogValidationError(
      `${JSON.stringify(position)} is not a position of a Kinesis event log (a JSON object of shard id → sequence number expected)`,
    );
  }
  const out: ShardPositions = {};
  for (const [shard, seq] of Object.entries(parsed)) {
    if (typeof seq !== 'string' || !SEQUENCE_RE.test(seq)) {
      throw new EventLogValidationError(
        `position ${JSON.stringify(position)}: shard ${shard} has no valid sequence number`,
      );
    }
    out[shard] = seq;
  }
  return out;
}
