/**
 * A deflate thread: raw-deflates the blocks ParallelGzip sends, one at a time, in order. It
 * runs the same zlib call as the synchronous path (gzipSync), so the bytes are the same.
 *
 * Buffers travel by transfer, never by copy, and the input buffer goes back for reuse: a thread
 * that allocated per block would hold tens of MiB of garbage between its collections.
 */
import { parentPort } from 'node:worker_threads';
import zlib from 'node:zlib';

export interface DeflateRequest {
  id: number;
  /** Holds the block, and before it the input that primes it. */
  buffer: ArrayBuffer;
  blockOffset: number;
  blockLength: number;
  /** The dictionary is this many bytes right before the block (0: none). */
  dictionaryLength: number;
  /** Everything but the dictionary. */
  options: zlib.ZlibOptions;
}

export interface DeflateResponse {
  id: number;
  /** The request's buffer, handed back for the next block. */
  buffer: ArrayBuffer;
  /** The deflated block is at the start of `buffer`, this long (it always fits: see deflate-pool.ts). */
  outputLength?: number;
  error?: string;
}

/**
 * Each block leaves ~150 KiB of zlib output behind, but hardly any JS objects, so V8 would wait
 * for tens of MiB of it before collecting. A minor collection per block (well under 1% of a
 * block's time) keeps the thread's memory at one block. DeflatePool exposes gc before starting us.
 */
const collectGarbage = (globalThis as { gc?: (options: { type: 'minor' | 'major' }) => void }).gc;

parentPort?.on('message', (request: DeflateRequest) => {
  const input = new Uint8Array(request.buffer);
  const options: zlib.ZlibOptions = { ...request.options };
  const { blockOffset, blockLength, dictionaryLength } = request;
  if (dictionaryLength > 0) options.dictionary = input.subarray(blockOffset - dictionaryLength, blockOffset);
  const block = input.subarray(blockOffset, blockOffset + blockLength);
  try {
    const output = zlib.deflateRawSync(block, options);
    // Copied back into the request's buffer: the block is no longer needed, and this thread's
    // own output buffer is then garbage within the next (small) collection.
    input.set(output, 0);
    const response: DeflateResponse = { id: request.id, buffer: request.buffer, outputLength: output.length };
    parentPort!.postMessage(response, [request.buffer]);
    collectGarbage?.({ type: 'minor' });
  } catch (error) {
    const response: DeflateResponse = { id: request.id, buffer: request.buffer, error: error instanceof Error ? error.message : String(error) };
    parentPort!.postMessage(response, [request.buffer]);
  }
});
