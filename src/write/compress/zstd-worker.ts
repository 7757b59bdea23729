/**
 * A zstd thread: compresses the blocks ZstdCompressor sends, one at a time, each into one zstd
 * frame, with zstd's one-shot ZSTD_compress (compiled to WebAssembly in @bokuweb/zstd-wasm, so
 * every machine runs the same code and writes the same bytes).
 */
import { parentPort } from 'node:worker_threads';
import { loadZstdWasm } from './zstd-wasm.js';

export interface ZstdRequest {
  id: number;
  /** Holds the block at its start; comes back in the answer. */
  buffer: ArrayBuffer;
  length: number;
  level: number;
}

export interface ZstdResponse {
  id: number;
  /** The block's buffer, given back for the next block. */
  buffer: ArrayBuffer;
  /** The frame. */
  frame?: ArrayBuffer;
  error?: string;
}

const zstd = await loadZstdWasm();

parentPort?.on('message', (request: ZstdRequest) => {
  let response: ZstdResponse;
  try {
    const frame = zstd.compress(new Uint8Array(request.buffer, 0, request.length), request.level);
    response = { id: request.id, buffer: request.buffer, frame: frame.buffer as ArrayBuffer };
    parentPort!.postMessage(response, [request.buffer, frame.buffer as ArrayBuffer]);
  } catch (error) {
    response = { id: request.id, buffer: request.buffer, error: error instanceof Error ? error.message : String(error) };
    parentPort!.postMessage(response, [request.buffer]);
  }
});
