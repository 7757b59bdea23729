/**
 * The message loop of every compression thread (deflate-worker.ts, xz-worker.ts, zstd-worker.ts):
 * a request carries a block in a buffer, the thread compresses it, writes the output over the
 * start of the same buffer and sends the buffer back, transferred both ways, never copied. A
 * failure is an answer too (`error`), so one bad block fails its stream, not the thread.
 */
import { parentPort } from 'node:worker_threads';

export interface BlockRequest {
  id: number;
  /** Holds the block; comes back in the answer, with the output at its start. */
  buffer: ArrayBuffer;
}

export interface BlockResponse {
  id: number;
  /** The request's buffer, handed back for the next block. */
  buffer: ArrayBuffer;
  /** The output is at the start of `buffer`, this long; undefined on failure. */
  outputLength?: number;
  error?: string;
}

/**
 * Answers each request with `compress(request)` (the output's length), then calls `after`, with
 * the answer already on its way (a collection of what the block left behind, say).
 */
export function serveBlocks<Request extends BlockRequest>(compress: (request: Request) => number, after: () => void = () => undefined): void {
  parentPort?.on('message', (request: Request) => {
    let response: BlockResponse;
    try {
      response = { id: request.id, buffer: request.buffer, outputLength: compress(request) };
    } catch (error) {
      response = { id: request.id, buffer: request.buffer, error: error instanceof Error ? error.message : String(error) };
    }
    parentPort!.postMessage(response, [request.buffer]);
    after();
  });
}
