/**
 * The .xz container (The .xz File Format 1.1.0): stream header and footer, block headers, the
 * index, and LZMA2 data stored as uncompressed chunks. The LZMA2 compression itself is liblzma's
 * (xz.ts); everything around it is written here, so that blocks can be compressed on separate
 * threads, cut where the data changes kind, and stored without running the encoder at all.
 *
 * Every integrity check is CRC32 (check ID 1), computed with zlib.crc32: the format allows it,
 * every decoder (liblzma, so dpkg and xz) verifies it, and it costs nothing next to LZMA2.
 */
import { crc32 } from '../../gzip/crc32.js';

const MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from([0x59, 0x5a]);
/** Stream flags: no reserved bits, check type 1 (CRC32). */
const STREAM_FLAGS = Buffer.from([0x00, 0x01]);
const CHECK_SIZE = 4;
const LZMA2_FILTER_ID = 0x21;
/** Largest uncompressed LZMA2 chunk. */
const STORED_CHUNK = 64 * 1024;

function le32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0, 0);
  return out;
}

/** A variable-length integer: 7 bits per byte, low bits first, the high bit marks "more follows". */
function vli(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as an .xz integer`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const padTo4 = (length: number): number => (4 - (length % 4)) % 4;

export function streamHeader(): Buffer {
  return Buffer.concat([MAGIC, STREAM_FLAGS, le32(crc32(STREAM_FLAGS))]);
}

/** The LZMA2 property byte for the smallest encodable dictionary size that is at least `dictSize`. */
function lzma2DictProperty(dictSize: number): number {
  for (let bits = 0; bits < 40; bits++) {
    if ((2 + (bits & 1)) * 2 ** (Math.floor(bits / 2) + 11) >= dictSize) return bits;
  }
  return 40;
}

/** A block header with one LZMA2 filter and both sizes, as xz's threaded encoder writes it. */
function blockHeader(compressedSize: number, uncompressedSize: number, dictSize: number): Buffer {
  const flags = 0x40 | 0x80; // one filter; compressed and uncompressed sizes present
  const body = Buffer.concat([Buffer.from([flags]), vli(compressedSize), vli(uncompressedSize), Buffer.from([LZMA2_FILTER_ID, 0x01, lzma2DictProperty(dictSize)])]);
  // Size byte + body + padding + CRC32 is a multiple of 4; the size byte says (size / 4) - 1.
  const size = 1 + body.length + padTo4(1 + body.length) + 4;
  const header = Buffer.alloc(size);
  header[0] = size / 4 - 1;
  body.copy(header, 1);
  header.writeUInt32LE(crc32(header.subarray(0, size - 4)), size - 4);
  return header;
}

/** One finished block: its bytes in order, and the figures the index needs. */
interface XzBlock {
  parts: Buffer[];
  unpaddedSize: number;
  uncompressedSize: number;
}

/**
 * Wraps LZMA2 data (ending with its end marker) into a block: header, data, padding, CRC32 of
 * the uncompressed bytes.
 */
export function xzBlock(lzma2: readonly Buffer[], uncompressedSize: number, check: number, dictSize: number): XzBlock {
  const compressedSize = lzma2.reduce((sum, part) => sum + part.length, 0);
  const header = blockHeader(compressedSize, uncompressedSize, dictSize);
  return {
    parts: [header, ...lzma2, Buffer.alloc(padTo4(compressedSize)), le32(check)],
    unpaddedSize: header.length + compressedSize + CHECK_SIZE,
    uncompressedSize,
  };
}

/**
 * More than the LZMA2 data of `size` bytes can take. The encoder never lets a chunk grow: one
 * that would compress to more than it holds is written uncompressed (3-byte header), a compressed
 * one has a header of at most 6 bytes, and every chunk but the last holds close to 64 KiB or more
 * (it ends at 64 KiB of compressed or 2 MiB of uncompressed data). Counting 6 bytes per 32 KiB,
 * and a last chunk and end marker besides, leaves a wide margin.
 */
export function lzma2Bound(size: number): number {
  return size + 6 * Math.ceil(size / (32 * 1024)) + 64;
}

/**
 * LZMA2 data that stores `data` as it is, copied into pieces of its own: uncompressed chunks of
 * up to 64 KiB (the first resets the dictionary, as a block's first chunk must), each with its
 * 3-byte header, then the end marker.
 */
export function storedLzma2(data: Uint8Array): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += STORED_CHUNK) {
    const length = Math.min(STORED_CHUNK, data.length - offset);
    const piece = Buffer.allocUnsafe(3 + length);
    piece[0] = offset === 0 ? 0x01 : 0x02;
    piece[1] = (length - 1) >> 8;
    piece[2] = (length - 1) & 0xff;
    piece.set(data.subarray(offset, offset + length), 3);
    pieces.push(piece);
  }
  pieces.push(Buffer.from([0x00]));
  return pieces;
}

/** The index (one record per block) and the stream footer that points back to it. */
export function indexAndFooter(blocks: readonly { unpaddedSize: number; uncompressedSize: number }[]): Buffer {
  const records = blocks.flatMap((block) => [vli(block.unpaddedSize), vli(block.uncompressedSize)]);
  const body = Buffer.concat([Buffer.from([0x00]), vli(blocks.length), ...records]);
  const index = Buffer.concat([body, Buffer.alloc(padTo4(body.length))]);
  const indexWithCrc = Buffer.concat([index, le32(crc32(index))]);
  const backward = Buffer.concat([le32(indexWithCrc.length / 4 - 1), STREAM_FLAGS]);
  return Buffer.concat([indexWithCrc, le32(crc32(backward)), backward, FOOTER_MAGIC]);
}
