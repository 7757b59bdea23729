/**
 * zstd compression, as Ubuntu's packages have it since 21.10 (dpkg-deb -Zzstd, level 3 by
 * default). A .deb member must be ONE zstd frame: dpkg-deb 1.21 stops reading after the first
 * frame of a member (`tar: Unexpected EOF`), so by default the whole member is gathered in memory
 * and compressed as one frame on one zstd thread (zstd-worker.ts): the bytes are the same for any
 * --jobs, and memory grows with the member, several times its size (1.4 GiB peak measured for a
 * 256 MiB payload; the WebAssembly heap bounds it further). With `blockSize` the input is cut into frames of that size at
 * fixed offsets, compressed on `jobs` threads and written in order (zstd(1) reads that; dpkg
 * does not), which is kept for what reads streams of frames.
 *
 * Always the WebAssembly build, never Node's zlib zstd (Node >= 22.15): another libzstd version
 * may compress differently, and a package must be the same bytes on every machine.
 */
import os from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { ThreadPool } from '../../thread-pool.js';
import { checkInteger } from './options.js';
import { loadZstdWasm } from './zstd-wasm.js';
import type { ZstdRequest, ZstdResponse } from './zstd-worker.js';

export interface ZstdOptions {
  /** Compression threads. Default os.availableParallelism(). It does not change the output. */
  jobs?: number;
  /** zstd level, 1-19. Default 3, as dpkg-deb uses. */
  level?: number;
  /**
   * Uncompressed bytes per frame, for a stream of several frames (zstd(1) reads them, dpkg-deb
   * 1.21 does not: it stops after the first frame). Default: the whole input in ONE frame.
   */
  blockSize?: number;
}

export const DEFAULT_ZSTD_LEVEL = 3;
export const DEFAULT_ZSTD_BLOCK_SIZE = 8 * 1024 * 1024;
/** Blocks between the input and the output, per job: room for blocks that finish out of order. */
const BLOCKS_PER_JOB = 2;
const ZSTD_WORKER = new URL('./zstd-worker.js', import.meta.url);

interface Job {
  done: boolean;
  frame?: Buffer;
  error?: Error;
}

class ZstdCompressor extends Transform {
  private readonly pool: ThreadPool<ZstdRequest, ZstdResponse>;
  private readonly freeBuffers: ArrayBuffer[] = [];
  private readonly queue: Job[] = [];
  private gather: Buffer;
  /** The whole input, for one frame (no blockSize given). */
  private pieces: Buffer[] = [];
  private filled = 0;
  private framesStarted = 0;
  private settleWaiter: (() => void) | undefined;
  private readWaiter: (() => void) | undefined;

  constructor(
    private readonly level: number,
    private readonly jobs: number,
    private readonly blockSize: number,
    private readonly singleFrame: boolean,
  ) {
    super();
    this.pool = new ThreadPool(ZSTD_WORKER, jobs, 1);
    this.gather = singleFrame ? Buffer.alloc(0) : this.blockBuffer();
  }

  private blockBuffer(): Buffer {
    return Buffer.from(this.freeBuffers.pop() ?? new ArrayBuffer(this.blockSize));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.consume(chunk).then(
      () => callback(),
      (error: unknown) => callback(asError(error)),
    );
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(
      () => callback(),
      (error: unknown) => callback(asError(error)),
    );
  }

  override _read(size: number): void {
    const waiter = this.readWaiter;
    this.readWaiter = undefined;
    waiter?.();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.pool.close();
    const waiters = [this.readWaiter, this.settleWaiter];
    this.readWaiter = undefined;
    this.settleWaiter = undefined;
    for (const waiter of waiters) waiter?.();
    callback(error);
  }

  private async consume(chunk: Buffer): Promise<void> {
    if (this.singleFrame) {
      this.pieces.push(Buffer.from(chunk));
      return;
    }
    let offset = 0;
    while (offset < chunk.length && !this.destroyed) {
      const n = Math.min(chunk.length - offset, this.blockSize - this.filled);
      chunk.copy(this.gather, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.blockSize) await this.startBlock();
    }
  }

  private async finish(): Promise<void> {
    if (this.singleFrame) {
      const whole = Buffer.concat(this.pieces);
      this.pieces = [];
      this.gather = Buffer.from(whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.length));
      this.filled = whole.length;
    }
    // Empty input still gives one (empty) frame: a zstd stream is never zero bytes.
    if (this.filled > 0 || this.framesStarted === 0) await this.startBlock();
    while (this.queue.length > 0 && !this.destroyed) await this.pushOldest();
    await this.pool.close();
  }

  /** Hands the gathered block to a zstd thread once there is room; gathering goes on in another buffer. */
  private async startBlock(): Promise<void> {
    await loadZstdWasm();
    while (!this.destroyed && (this.queue.length >= this.jobs * BLOCKS_PER_JOB || this.pool.full)) {
      if (this.queue[0]!.done) await this.pushOldest();
      else await this.nextSettled();
    }
    if (this.destroyed) return;
    const buffer = this.gather.buffer as ArrayBuffer;
    const length = this.filled;
    this.gather = this.blockBuffer();
    this.filled = 0;
    this.framesStarted++;
    const job: Job = { done: false };
    this.queue.push(job);
    this.pool.run({ buffer, length, level: this.level }, [buffer]).then(
      (response) => {
        this.freeBuffers.push(response.buffer);
        if (response.error !== undefined || response.frame === undefined) job.error = new Error(`zstd failed: ${response.error ?? 'no frame'}`);
        else job.frame = Buffer.from(response.frame);
        this.settled(job);
      },
      (error: unknown) => {
        job.error = asError(error);
        this.settled(job);
      },
    );
  }

  private settled(job: Job): void {
    job.done = true;
    const waiter = this.settleWaiter;
    this.settleWaiter = undefined;
    waiter?.();
  }

  private nextSettled(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.settleWaiter = resolve;
    });
  }

  /** Waits for the oldest frame and pushes it, waiting for the reader whenever the output is full. */
  private async pushOldest(): Promise<void> {
    while (!this.queue[0]!.done && !this.destroyed) await this.nextSettled();
    const job = this.queue.shift()!;
    if (job.error) throw job.error;
    if (this.destroyed || job.frame === undefined) return;
    if (!this.push(job.frame)) {
      await new Promise<void>((resolve) => {
        this.readWaiter = resolve;
      });
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A Transform that zstd-compresses what is written to it, in parallel, with reproducible output. */
export function createZstd(options: ZstdOptions = {}): Transform {
  const level = checkInteger('zstd', 'level', options.level ?? DEFAULT_ZSTD_LEVEL, 1, 19);
  const jobs = checkInteger('zstd', 'jobs', options.jobs ?? os.availableParallelism(), 1, 1024);
  const blockSize = checkInteger('zstd', 'blockSize', options.blockSize ?? DEFAULT_ZSTD_BLOCK_SIZE, 4096, 1024 * 1024 * 1024);
  return new ZstdCompressor(level, jobs, blockSize, options.blockSize === undefined);
}
