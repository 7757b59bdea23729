/**
 * Deflate threads for ParallelGzip: `size` worker threads, each given up to two blocks at a
 * time (one running, one queued), so a thread never waits for the main thread to hand it the
 * next block. libuv's shared pool cannot do that without running more than `size` blocks at once.
 */
import { Worker } from 'node:worker_threads';
import type zlib from 'node:zlib';
import { exposedGc } from './collect.js';
import type { DeflateRequest, DeflateResponse } from './deflate-worker.js';

/** Blocks handed to one thread at a time: the one it runs and the next. */
export const BLOCKS_PER_THREAD = 2;

interface Thread {
  worker: Worker;
  pending: number;
}

export interface DeflateResult {
  output: Buffer;
  /** The input buffer, free again. */
  buffer: ArrayBuffer;
}

interface Waiting {
  thread: Thread;
  resolve: (result: DeflateResult) => void;
  reject: (error: Error) => void;
}

const WORKER_URL = new URL('./deflate-worker.js', import.meta.url);

export class DeflatePool {
  private readonly size: number;
  private readonly threads: Thread[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private closed = false;

  constructor(size: number) {
    this.size = size;
  }

  /** Blocks sent and not yet answered. */
  get pending(): number {
    return this.waiting.size;
  }

  /** True while every thread already holds BLOCKS_PER_THREAD blocks. */
  get full(): boolean {
    return this.pending >= this.size * BLOCKS_PER_THREAD;
  }

  /**
   * Raw-deflates the block at `blockOffset` in `buffer`, primed with the `dictionaryLength` bytes
   * before it, on the least busy thread (started on first need). `buffer` is transferred: it comes
   * back in the result.
   */
  run(buffer: ArrayBuffer, blockOffset: number, blockLength: number, dictionaryLength: number, options: zlib.ZlibOptions): Promise<DeflateResult> {
    if (this.closed) return Promise.reject(new Error('deflate pool is closed'));
    const thread = this.pickThread();
    const id = this.nextId++;
    thread.pending++;
    return new Promise<DeflateResult>((resolve, reject) => {
      this.waiting.set(id, { thread, resolve, reject });
      const request: DeflateRequest = { id, buffer, blockOffset, blockLength, dictionaryLength, options };
      thread.worker.postMessage(request, [buffer]);
    });
  }

  /** Stops the threads; blocks still pending fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const threads = this.threads.splice(0);
    this.failAll(new Error('deflate pool closed'));
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private pickThread(): Thread {
    let best: Thread | undefined;
    for (const thread of this.threads) if (best === undefined || thread.pending < best.pending) best = thread;
    if (best !== undefined && (best.pending === 0 || this.threads.length >= this.size)) return best;
    return this.startThread();
  }

  private startThread(): Thread {
    // Threads collect their garbage per block (see deflate-worker.ts) with the gc() this exposes.
    exposedGc();
    const worker = new Worker(WORKER_URL);
    const thread: Thread = { worker, pending: 0 };
    worker.on('message', (response: DeflateResponse) => {
      const waiting = this.waiting.get(response.id);
      if (waiting === undefined) return;
      this.waiting.delete(response.id);
      thread.pending--;
      if (response.outputLength !== undefined) {
        // A copy allocated on this thread: the buffer goes back to the free list at once.
        const output = Buffer.allocUnsafe(response.outputLength);
        output.set(new Uint8Array(response.buffer, 0, response.outputLength));
        waiting.resolve({ output, buffer: response.buffer });
      } else {
        waiting.reject(new Error(`deflate failed: ${response.error ?? 'unknown error'}`));
      }
    });
    worker.on('error', (error: Error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`deflate thread exited with code ${code}`));
    });
    this.threads.push(thread);
    return thread;
  }

  private failAll(error: Error): void {
    for (const [id, waiting] of this.waiting) {
      this.waiting.delete(id);
      waiting.thread.pending--;
      waiting.reject(error);
    }
  }
}
