import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

/** Table-driven CRC-32 (IEEE 802.3, the zlib/PNG one), for Node versions before 20.15. */
export function crc32Portable(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`: zlib's native one when Node has it (≥ 20.15), else the portable one. */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof native === 'function' ? native : crc32Portable;
