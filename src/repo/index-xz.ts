/**
 * Packages.xz as one .xz stream of blocks cut where the index's contents say, not at fixed
 * offsets: a block ends before a stanza whose first line (`Package: <name>`) hashes to 0 modulo
 * CUT_MODULUS, unless that stanza is another version of the package before it. Each block is
 * LZMA2-encoded on its own, so its bytes depend only on its own text; adding a package changes
 * the block it falls in (or splits it in two) and no other. A publish given the previous
 * Packages and Packages.xz encodes only the blocks whose text is new and copies the others:
 * adding one package to an index of thousands encodes about CUT_MODULUS stanzas, not all of them,
 * and the result is byte for byte what encoding every block afresh gives.
 *
 * The encoder settings are liblzma's preset 4 (BT4 match finder, normal mode, nice length 16)
 * with a dictionary no larger than the block: on Packages text it compresses within about 1% of
 * preset 6 in blocks, in a third of the time, and a small dictionary makes a small encoder.
 * Blocks cost about 10% of size against one preset-6 stream of the whole index (apt-ftparchive's
 * and xz's default): what a robot downloads grows a little so that a publish stays cheap.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { mapLimit } from '../concurrency.js';
import { crc32 } from '../gzip/crc32.js';
import { loadLzmaNative } from '../write/compress/lzma-native.js';
import { indexAndFooter, streamHeader, xzBlock } from '../write/compress/xz-format.js';

/** Names this way of cutting and encoding, for the facts a repository remembers (cache.ts). */
export const INDEX_XZ_FORMAT = 'stanza-blocks-preset4-1';

/** One block per this many packages on average (a block of debforge's stanzas is about 64 KiB). */
const CUT_MODULUS = 128;
/** A block that reaches this size ends at the next stanza whatever its name (huge stanzas). */
const MAX_BLOCK = 1024 * 1024;
/**
 * Blocks in encoding at once on the thread pool: two per core, since a block waits for the main
 * thread between its two requests (its text, then its end) and another block keeps the core busy
 * meanwhile; at most 8 (libuv's pool runs 4 at a time unless told otherwise), each encoder holding
 * a few MiB (up to about 11 for a MAX_BLOCK block).
 */
const BLOCKS_AT_ONCE = Math.min(8, 2 * os.availableParallelism());
/** liblzma's smallest dictionary. */
const MIN_DICTIONARY = 4096;
/** liblzma's lzma_match_finder and lzma_mode values. */
const MATCH_FINDER_BT4 = 0x14;
const MODE_NORMAL = 2;

/** The dictionary for a block: the smallest size LZMA2's property byte can say that holds the whole block. */
function blockDictionary(length: number): number {
  const wanted = Math.max(length, MIN_DICTIONARY);
  for (let bits = 0; ; bits++) {
    const size = (2 + (bits & 1)) * 2 ** (Math.floor(bits / 2) + 11);
    if (size >= wanted) return size;
  }
}

/** The index text cut into blocks, at stanza starts (see the file's comment). */
export function indexBlocks(plain: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let blockStart = 0;
  let previousFirstLine: Buffer | undefined;
  for (let start = 0; start < plain.length; ) {
    const blank = plain.indexOf('\n\n', start);
    const end = blank < 0 ? plain.length : blank + 2;
    const newline = plain.indexOf(0x0a, start);
    const firstLine = plain.subarray(start, newline < 0 || newline > end ? end : newline);
    const named = previousFirstLine === undefined || !firstLine.equals(previousFirstLine);
    if (start > blockStart && ((named && crc32(firstLine) % CUT_MODULUS === 0) || start - blockStart >= MAX_BLOCK)) {
      blocks.push(plain.subarray(blockStart, start));
      blockStart = start;
    }
    previousFirstLine = firstLine;
    start = end;
  }
  if (blockStart < plain.length) blocks.push(plain.subarray(blockStart));
  return blocks;
}

type EncodedBlock = { parts: Buffer[]; unpaddedSize: number; uncompressedSize: number };

/**
 * LZMA2-encodes one block: on this thread, or (`onThreadPool`) on libuv's thread pool, so that
 * the blocks of an index are encoded on every core at once. The bytes are the same either way.
 */
async function encodeBlock(data: Buffer, onThreadPool: boolean): Promise<EncodedBlock> {
  const lzma = await loadLzmaNative();
  const dictSize = blockDictionary(data.length);
  const stream = new lzma.Stream();
  stream.rawEncoder({ filters: [{ id: lzma.FILTER_LZMA2, options: { dictSize, lc: 3, lp: 0, pb: 2, mode: MODE_NORMAL, niceLen: 16, mf: MATCH_FINDER_BT4, depth: 0 } }] });
  const output: Buffer[] = [];
  if (onThreadPool) {
    // The stream frees its encoder itself once the block ends or fails.
    await new Promise<void>((resolve, reject) => {
      let finishing = false;
      stream.bufferHandler = (piece, processedChunks, error) => {
        if (error) {
          finishing = true;
          reject(error);
        } else if (typeof processedChunks === 'number') {
          // The input is taken: now the end of the block (one request at a time: the stream runs them in any order).
          if (finishing) return;
          finishing = true;
          try {
            stream.code(null, true);
          } catch (failure) {
            reject(failure as Error);
          }
        } else if (piece === null) resolve();
        else if (piece) output.push(piece);
      };
      stream.code(data, true);
    });
    return xzBlock(output, data.length, crc32(data), dictSize);
  }
  let failure: Error | undefined;
  stream.bufferHandler = (piece, _processedChunks, error) => {
    if (error) failure ??= error;
    else if (piece) output.push(piece);
  };
  try {
    stream.code(data, false);
    if (failure === undefined) stream.code(null, false);
  } finally {
    stream.resetUnderlying();
  }
  if (failure !== undefined) throw failure;
  return xzBlock(output, data.length, crc32(data), dictSize);
}

const hashOf = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Reads a VLI at `offset`; returns the value and the offset after it. */
function readVli(data: Buffer, offset: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const byte = data[offset + i];
    if (byte === undefined) throw new RangeError('truncated integer');
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [value, offset + i + 1];
  }
  throw new RangeError('integer too long');
}

/**
 * The blocks of a Packages.xz this module wrote from `plain`, by the sha256 of their text; empty
 * when the file does not have the layout this module writes (then nothing is reused).
 */
function previousBlocks(plain: Buffer, xz: Buffer): Map<string, EncodedBlock> {
  const found = new Map<string, EncodedBlock>();
  try {
    if (xz.length < 24) return found;
    const backwardSize = (xz.readUInt32LE(xz.length - 8) + 1) * 4;
    const indexStart = xz.length - 12 - backwardSize;
    if (indexStart < 12 || xz[indexStart] !== 0x00) return found;
    let [count, offset] = readVli(xz, indexStart + 1);
    let blockOffset = 12;
    let plainOffset = 0;
    const records: Array<{ at: number; unpaddedSize: number; uncompressedSize: number; text: Buffer }> = [];
    for (; count > 0; count--) {
      const [unpaddedSize, afterUnpadded] = readVli(xz, offset);
      const [uncompressedSize, afterRecord] = readVli(xz, afterUnpadded);
      offset = afterRecord;
      records.push({ at: blockOffset, unpaddedSize, uncompressedSize, text: plain.subarray(plainOffset, plainOffset + uncompressedSize) });
      blockOffset += unpaddedSize + ((4 - (unpaddedSize % 4)) % 4);
      plainOffset += uncompressedSize;
    }
    if (blockOffset !== indexStart || plainOffset !== plain.length) return found;
    for (const record of records) {
      const bytes = xz.subarray(record.at, record.at + record.unpaddedSize + ((4 - (record.unpaddedSize % 4)) % 4));
      found.set(hashOf(record.text), { parts: [bytes], unpaddedSize: record.unpaddedSize, uncompressedSize: record.uncompressedSize });
    }
  } catch {
    found.clear();
  }
  return found;
}

interface IndexXz {
  xz: Buffer;
  /** Blocks copied from the previous Packages.xz, and blocks encoded. */
  reused: number;
  encoded: number;
}

/**
 * Packages.xz for `plain`. `previous` is the index as it is and its .xz, given only when this
 * module wrote that .xz from that text (the caller knows it from what the repository remembers):
 * its blocks whose text recurs are copied instead of encoded again.
 */
export async function compressIndex(plain: Buffer, previous?: { plain: Buffer; xz: Buffer }): Promise<IndexXz> {
  const reusable = previous !== undefined ? previousBlocks(previous.plain, previous.xz) : new Map<string, EncodedBlock>();
  const texts = indexBlocks(plain);
  const known = texts.map((text) => {
    const block = reusable.get(hashOf(text));
    return block !== undefined && block.uncompressedSize === text.length ? block : undefined;
  });
  const reused = known.filter((block) => block !== undefined).length;
  // One block to encode (a package added to a large index) is encoded here: a thread would cost
  // more than it saves. Several are encoded BLOCKS_AT_ONCE at a time.
  const onThreadPool = texts.length - reused > 1;
  const blocks = await mapLimit(texts.map((text, index) => ({ text, known: known[index] })), onThreadPool ? BLOCKS_AT_ONCE : 1, async ({ text, known: block }) => block ?? encodeBlock(text, onThreadPool));
  const xz = Buffer.concat([streamHeader(), ...blocks.flatMap((block) => block.parts), indexAndFooter(blocks)]);
  return { xz, reused, encoded: blocks.length - reused };
}
