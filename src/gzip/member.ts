/**
 * One gzip member as `gzip -9n` writes it, in the pieces every gzip writer of debforge shares: the
 * fixed 10-byte header, the zlib options of a deflate block, and the CRC-32/ISIZE trailer. Below
 * every stage: render writes changelog.Debian.gz with it, write/compress's parallel gzip and the
 * repository's Packages.gz use the same header, block options and trailer, so their bytes agree.
 */
import zlib from 'node:zlib';
import { crc32 } from './crc32.js';
import { looksIncompressible } from './incompressible.js';

/** The 10-byte gzip member header: no FNAME/FEXTRA, MTIME 0, XFL per level, OS 3 (Unix) on every host. */
export function gzipHeader(level: number): Buffer {
  const xfl = level === 9 ? 2 : level === 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, xfl, 0x03]);
}

/** The 8-byte gzip member trailer: CRC-32 and size (modulo 2^32) of the input. */
export function gzipTrailer(crc: number, size: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 0x1_0000_0000, 4);
  return trailer;
}

/**
 * The zlib options of one deflate block, without its dictionary; every path that deflates a
 * block shares them, so their bytes agree. A block that looks incompressible is stored (level 0,
 * no dictionary): deflate would store it anyway, after a full search.
 */
export function deflateBlockOptions(block: Uint8Array, level: number, last: boolean): { options: zlib.ZlibOptions; useDictionary: boolean } {
  const stored = level > 0 && looksIncompressible(block);
  const options: zlib.ZlibOptions = {
    level: stored ? 0 : level,
    windowBits: 15,
    memLevel: 8,
    strategy: zlib.constants.Z_DEFAULT_STRATEGY,
    finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
    // The chunk size only sets the output buffer size: one buffer for the whole block.
    chunkSize: Math.max(zlib.constants.Z_DEFAULT_CHUNK, block.length + (block.length >>> 3) + 1024),
  };
  return { options, useDictionary: !stored };
}

/**
 * `input` as one gzip member of one deflate block: zlib's own gzip stream (as `gzip -n` writes
 * it) with debforge's fixed header, for small files (changelog.Debian.gz, Packages.gz).
 */
export function gzipMember(input: Buffer, level: number): Buffer {
  const { options } = deflateBlockOptions(input, level, true);
  return Buffer.concat([gzipHeader(level), zlib.deflateRawSync(input, options), gzipTrailer(crc32(input, 0), input.length)]);
}
