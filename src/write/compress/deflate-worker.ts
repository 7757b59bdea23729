/**
 * A deflate thread: raw-deflates the blocks ParallelGzip sends, one at a time, in order. It
 * runs the same zlib call as the synchronous path (gzipSync), so the bytes are the same.
 *
 * Buffers travel by transfer, never by copy, and the input buffer goes back for reuse: a thread
 * that allocated per block would hold tens of MiB of garbage between its collections.
 */
import zlib from 'node:zlib';
import { serveBlocks, type BlockRequest } from './block-worker.js';
import { minorCollector } from './collect.js';

export interface DeflateRequest extends BlockRequest {
  blockOffset: number;
  blockLength: number;
  /** The dictionary is this many bytes right before the block (0: none). */
  dictionaryLength: number;
  /** Everything but the dictionary. */
  options: zlib.ZlibOptions;
}

/**
 * Each block leaves ~150 KiB of zlib output behind, but hardly any JS objects, so V8 would wait
 * for tens of MiB of it before collecting. A minor collection per block (well under 1% of a
 * block's time) keeps the thread's memory at one block (collect.ts).
 */
const collectMinor = minorCollector();

/**
 * Deflates the request's block into the start of its buffer; returns the deflated length. It
 * always fits: deflate adds at most ~n/3000 + 20 bytes to n bytes, and the buffer has 32 KiB of
 * dictionary room besides the block (a block is at most 64 MiB).
 */
function deflateInPlace(request: DeflateRequest): number {
  const input = new Uint8Array(request.buffer);
  const options: zlib.ZlibOptions = { ...request.options };
  const { blockOffset, blockLength, dictionaryLength } = request;
  if (dictionaryLength > 0) options.dictionary = input.subarray(blockOffset - dictionaryLength, blockOffset);
  const output = zlib.deflateRawSync(input.subarray(blockOffset, blockOffset + blockLength), options);
  // The block is no longer needed: the output goes back in its buffer, and zlib's own output
  // buffer is garbage as soon as this function returns.
  input.set(output, 0);
  return output.length;
}

// Nothing of a block is reachable once it is answered, and it is all young: a minor collection
// frees it. (A full one costs ~6 ms here, more than deflating a block of text, and finds nothing more.)
serveBlocks(deflateInPlace, collectMinor);
