import { MAX_RECORD_BYTES } from '../event-log.js';
import { crc32 } from './crc32.js';

/*
 * A record on disk: [length u32 LE][crc32 u32 LE][payload], where the CRC covers the payload and
 * the payload is [seq u64 LE][appendedAt ms f64 LE][key length u16 LE][key UTF-8][data].
 * The sequence number inside the payload lets recovery check that records are contiguous.
 */

export const FRAME_HEADER_BYTES = 8;
const PAYLOAD_FIXED_BYTES = 18;
/** Key ≤ 256 chars ≤ 1 KiB of UTF-8, and key + data ≤ 1 MiB. */
export const MAX_PAYLOAD_BYTES = PAYLOAD_FIXED_BYTES + MAX_RECORD_BYTES;
const TWO_32 = 2 ** 32;

export interface DecodedRecord {
  seq: number;
  appendedAt: number;
  partitionKey: string;
  data: Buffer;
  /** Bytes the whole frame takes. */
  frameBytes: number;
}

/** Bytes the frame of a record with this key and data takes. */
export function frameBytes(keyBytes: number, dataBytes: number): number {
  return FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES + keyBytes + dataBytes;
}

/**
 * Encodes one framed record into `buf` at `offset` (which must have room for
 * `frameBytes(keyBytes, data.byteLength)`), so a batch is built in one buffer.
 * @returns the offset after the frame.
 */
export function encodeRecordInto(
  buf: Buffer,
  offset: number,
  seq: number,
  appendedAt: number,
  key: string,
  keyBytes: number,
  data: Uint8Array,
): number {
  const payloadBytes = PAYLOAD_FIXED_BYTES + keyBytes + data.byteLength;
  const p = offset + FRAME_HEADER_BYTES;
  buf.writeUInt32LE(payloadBytes, offset);
  buf.writeUInt32LE(seq % TWO_32, p);
  buf.writeUInt32LE(Math.floor(seq / TWO_32), p + 4);
  buf.writeDoubleLE(appendedAt, p + 8);
  buf.writeUInt16LE(keyBytes, p + 16);
  buf.write(key, p + PAYLOAD_FIXED_BYTES, keyBytes, 'utf8');
  buf.set(data, p + PAYLOAD_FIXED_BYTES + keyBytes);
  const end = p + payloadBytes;
  buf.writeUInt32LE(crc32(buf.subarray(p, end)), offset + 4);
  return end;
}

/** Encodes one framed record in its own buffer. */
export function encodeRecord(
  seq: number,
  appendedAt: number,
  key: string,
  data: Uint8Array,
): Buffer {
  const keyBytes = Buffer.byteLength(key, 'utf8');
  const buf = Buffer.allocUnsafe(frameBytes(keyBytes, data.byteLength));
  encodeRecordInto(buf, 0, seq, appendedAt, key, keyBytes, data);
  return buf;
}

/** Why a frame could not be decoded. */
export type FrameProblem = 'incomplete' | 'bad-length' | 'bad-crc' | 'bad-payload';

/**
 * Decodes the frame at `offset` of `buf`. Returns a problem instead of throwing: at the tail of
 * the active segment a problem means a torn (or still unwritten) record.
 * `incomplete` with `needed` means the buffer ends before the frame does.
 */
export function decodeRecord(
  buf: Buffer,
  offset: number,
): DecodedRecord | { problem: FrameProblem; needed?: number } {
  if (buf.length - offset < FRAME_HEADER_BYTES) {
    return { problem: 'incomplete', needed: FRAME_HEADER_BYTES };
  }
  const length = buf.readUInt32LE(offset);
  if (length < PAYLOAD_FIXED_BYTES || length > MAX_PAYLOAD_BYTES) return { problem: 'bad-length' };
  const frameBytes = FRAME_HEADER_BYTES + length;
  if (buf.length - offset < frameBytes) return { problem: 'incomplete', needed: frameBytes };
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, offset + frameBytes);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return { problem: 'bad-crc' };
  const seq = payload.readUInt32LE(0) + payload.readUInt32LE(4) * TWO_32;
  const appendedAt = payload.readDoubleLE(8);
  const keyBytes = payload.readUInt16LE(16);
  if (PAYLOAD_FIXED_BYTES + keyBytes > length || keyBytes === 0) return { problem: 'bad-payload' };
  const keyEnd = PAYLOAD_FIXED_BYTES + keyBytes;
  return {
    seq,
    appendedAt,
    partitionKey: payload.toString('utf8', PAYLOAD_FIXED_BYTES, keyEnd),
    // A copy, so a returned record does not pin the whole read chunk in memory.
    data: Buffer.from(payload.subarray(keyEnd)),
    frameBytes,
  };
}
