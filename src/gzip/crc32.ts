/** CRC-32 (the IEEE polynomial), as gzip's trailer and the .xz checks use it. */
import zlib from 'node:zlib';

let crcTable: Uint32Array | undefined;

/**
 * Portable CRC-32, chainable like zlib.crc32(data, value).
 * It is used only when the running Node.js has no zlib.crc32 (added in 20.15).
 */
export function crc32Portable(data: Uint8Array, value = 0): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  return ~crc >>> 0;
}

/** zlib.crc32 where the running Node.js has it, else crc32Portable: the same values. */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function' ? (data, value) => zlib.crc32(data, value) : crc32Portable;
