/**
 * Reproducible parallel gzip, using pigz's method.
 *
 * The input is cut into fixed-size blocks. Block boundaries depend only on the input offset,
 * never on how the chunks arrive. Each block is raw-deflated on a deflate thread (deflate-worker.ts),
 * primed with the previous 32 KiB of input as its dictionary. Every block except the last ends with
 * Z_SYNC_FLUSH, which leaves a byte-aligned, non-final end, so the outputs can be joined. The
 * last block ends with Z_FINISH. A block whose samples show it incompressible is stored instead
 * (see incompressible.ts). The joined blocks form one deflate stream. It sits between a
 * fixed 10-byte header (no name, mtime 0, OS = Unix) and the CRC32/ISIZE trailer.
 *
 * So the output depends only on the input bytes, the level and the block size (plus the
 * deflate code of the Node.js zlib that runs it). Neither the job count nor the chunking
 * changes it.
 */
import os from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { majorCollector, minorCollector, type Collect } from './collect.js';
import { crc32 } from './crc32.js';
import type { DeflateRequest, DeflateResponse } from './deflate-worker.js';
import { looksIncompressible } from './incompressible.js';
import { checkInteger } from './options.js';
import { ThreadPool } from '../../thread-pool.js';

export interface GzipOptions {
  /** zlib level, 0-9. Default 9, as dpkg-deb uses. */
  level?: number;
  /** Deflate threads. Default os.availableParallelism(). It does not change the output. */
  jobs?: number;
  /** Uncompressed bytes per block. Default 128 KiB, as pigz uses. It changes the output bytes. */
  blockSize?: number;
}

export const DEFAULT_GZIP_BLOCK_SIZE = 128 * 1024;
/** Deflate's window: the dictionary handed to each block is the 32 KiB of input before it. */
const WINDOW = 32 * 1024;
const MAX_BLOCK_SIZE = 64 * 1024 * 1024;
/**
 * Blocks handed to one deflate thread at a time: the one it runs and the next, so it never waits
 * for this thread to send more.
 */
const BLOCKS_PER_THREAD = 2;
/**
 * Blocks, running or done, between the input and the output, per job: as many as the threads
 * hold, so a build with nobody reading holds at most 2 x jobs + 2 blocks.
 */
const QUEUED_PER_JOB = BLOCKS_PER_THREAD;
const DEFLATE_WORKER = new URL('./deflate-worker.js', import.meta.url);
/** Blocks between minor collections (collect.ts): 2 MiB of input at the default block size. */
const BLOCKS_PER_COLLECT = 16;
/**
 * Minor collections between full ones (32 MiB of input): output that waits long for a slow disk
 * outlives the young generation, and only a full collection frees it.
 */
const MINOR_PER_MAJOR = 16;

/** The 10-byte gzip member header: no FNAME/FEXTRA, MTIME 0, XFL per level, OS 3 (Unix) on every host. */
export function gzipHeader(level: number): Buffer {
  const xfl = level === 9 ? 2 : level === 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, xfl, 0x03]);
}

/** One block's deflate: `settled` never rejects, so nothing is left as an unhandled rejection. */
interface Job {
  done: boolean;
  output: Buffer | undefined;
  error: Error | undefined;
  settled: Promise<void>;
}

/**
 * The zlib options of one block, without its dictionary; the parallel and the synchronous paths
 * share them, so their bytes agree. A block that looks incompressible is stored (level 0, no
 * dictionary): deflate would store it anyway, after a full search.
 */
function blockOptions(block: Uint8Array, level: number, last: boolean): { options: zlib.ZlibOptions; useDictionary: boolean } {
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
 * A block slot: the dictionary (up to 32 KiB of input before the block) followed by the block,
 * in one buffer that is transferred to a deflate thread and comes back for reuse.
 */
interface Slot {
  bytes: Uint8Array;
  dictionaryLength: number;
  blockLength: number;
}

class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly jobs: number;
  private readonly blockSize: number;

  /** The block being filled. It is sent off only once a later byte (or the end) shows whether it is the last. */
  private current: Slot;
  /** Slot buffers back from the threads, to fill again. */
  private readonly freeSlots: ArrayBuffer[] = [];
  /** Blocks dispatched and not yet pushed, oldest first: some running, some done and waiting for an older one. */
  private readonly queue: Job[] = [];
  /** `jobs` deflate threads, started with the first block. */
  private readonly pool: ThreadPool<DeflateRequest, DeflateResponse>;
  private readonly collectMinor: Collect = minorCollector();
  private readonly collectMajor: Collect = majorCollector();
  private blocksSinceCollect = 0;
  private collections = 0;
  /** Set while dispatch waits for any block to finish. */
  private settleWaiter: (() => void) | undefined;
  private crc = 0;
  private size = 0;
  private headerPushed = false;
  /** Set while output waits for the reader, who frees it through _read. */
  private readWaiter: (() => void) | undefined;

  constructor(level: number, jobs: number, blockSize: number) {
    super();
    this.level = level;
    this.jobs = jobs;
    this.blockSize = blockSize;
    this.current = { bytes: new Uint8Array(WINDOW + blockSize), dictionaryLength: 0, blockLength: 0 };
    this.pool = new ThreadPool(DEFLATE_WORKER, jobs, BLOCKS_PER_THREAD);
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
    const waiter = this.readWaiter;
    this.readWaiter = undefined;
    waiter?.();
    void this.pool.close();
    callback(error);
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.pushHeader();
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.current.blockLength === this.blockSize) await this.dispatch(false);
      if (this.destroyed) return;
      const slot = this.current;
      const n = Math.min(chunk.length - offset, this.blockSize - slot.blockLength);
      slot.bytes.set(chunk.subarray(offset, offset + n), slot.dictionaryLength + slot.blockLength);
      slot.blockLength += n;
      offset += n;
    }
    this.pushFinished();
  }

  private async finish(): Promise<void> {
    this.pushHeader();
    await this.dispatch(true);
    while (this.queue.length > 0 && !this.destroyed) await this.pushOldest();
    await this.pool.close();
    if (this.destroyed) return;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size % 0x1_0000_0000, 4);
    this.push(trailer);
  }

  private pushHeader(): void {
    if (this.headerPushed) return;
    this.headerPushed = true;
    this.push(gzipHeader(this.level));
  }

  /**
   * Sends off `current` once a thread has room for it. A block that finishes before an older one
   * waits in the queue (up to QUEUED_PER_JOB per job), so no thread idles behind a slow block.
   */
  private async dispatch(last: boolean): Promise<void> {
    while (!this.destroyed && (this.pool.full || this.queue.length >= this.jobs * QUEUED_PER_JOB)) {
      if (this.queue[0]!.done) await this.pushOldest();
      else await this.nextSettled();
    }
    if (this.destroyed) return;
    const slot = this.current;
    // The next block's dictionary: the last WINDOW bytes of this dictionary and block, copied
    // before this slot's buffer leaves for a thread.
    const end = slot.dictionaryLength + slot.blockLength;
    const dictionaryLength = Math.min(WINDOW, end);
    const nextBytes = last ? new Uint8Array(0) : new Uint8Array(this.freeSlots.pop() ?? new ArrayBuffer(WINDOW + this.blockSize));
    if (!last) nextBytes.set(slot.bytes.subarray(end - dictionaryLength, end), 0);
    this.current = { bytes: nextBytes, dictionaryLength, blockLength: 0 };
    this.queue.push(this.deflate(slot, last));
    if (++this.blocksSinceCollect === BLOCKS_PER_COLLECT) {
      this.blocksSinceCollect = 0;
      if (++this.collections % MINOR_PER_MAJOR === 0) this.collectMajor();
      else this.collectMinor();
    }
  }

  private deflate(slot: Slot, last: boolean): Job {
    const block = slot.bytes.subarray(slot.dictionaryLength, slot.dictionaryLength + slot.blockLength);
    const { options, useDictionary } = blockOptions(block, this.level, last);
    const job: Job = { done: false, output: undefined, error: undefined, settled: Promise.resolve() };
    const dictionaryLength = useDictionary ? slot.dictionaryLength : 0;
    const buffer = slot.bytes.buffer as ArrayBuffer;
    const request = { buffer, blockOffset: slot.dictionaryLength, blockLength: slot.blockLength, dictionaryLength, options };
    job.settled = this.pool.run(request, [buffer]).then(
      (response) => {
        if (response.outputLength === undefined) job.error = new Error(`deflate failed: ${response.error ?? 'unknown error'}`);
        // A copy, so the slot buffer can take the next block at once.
        else job.output = Buffer.from(new Uint8Array(response.buffer, 0, response.outputLength));
        this.freeSlots.push(response.buffer);
        job.done = true;
        this.settled();
      },
      (error: unknown) => {
        job.error = asError(error);
        job.done = true;
        this.settled();
      },
    );
    return job;
  }

  private nextSettled(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.settleWaiter = resolve;
    });
  }

  private settled(): void {
    const waiter = this.settleWaiter;
    this.settleWaiter = undefined;
    waiter?.();
  }

  /** Waits for the oldest block, pushes its output, and then waits for the reader if the output is full. */
  private async pushOldest(): Promise<void> {
    const job = this.queue[0]!;
    await job.settled;
    this.queue.shift();
    if (job.error) throw job.error;
    if (this.destroyed) return;
    if (!this.push(job.output)) {
      await new Promise<void>((resolve) => {
        this.readWaiter = resolve;
      });
    }
  }

  /** Pushes, without waiting, the blocks at the head of the queue that are already done, until the output is full. */
  private pushFinished(): void {
    while (this.queue.length > 0 && this.queue[0]!.done && !this.destroyed) {
      const job = this.queue.shift()!;
      if (job.error) throw job.error;
      // Once the output is full, the rest waits in the queue, where dispatch's bound sees it.
      if (!this.push(job.output)) return;
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The bytes createGzip() writes for `input` (same blocks, dictionaries and flushes), computed
 * synchronously on the calling thread: for small inputs, where the thread pool's round trips
 * and the stream machinery cost more than the compression itself.
 */
export function gzipSync(input: Buffer, options: Omit<GzipOptions, 'jobs'> = {}): Buffer {
  const level = checkInteger('gzip', 'level', options.level ?? 9, 0, 9);
  const blockSize = checkInteger('gzip', 'blockSize', options.blockSize ?? DEFAULT_GZIP_BLOCK_SIZE, 1, MAX_BLOCK_SIZE);
  const parts: Buffer[] = [gzipHeader(level)];
  let offset = 0;
  // One block per blockSize of input; empty input is one empty, final block, as in the stream.
  do {
    const end = Math.min(offset + blockSize, input.length);
    const dictionary = offset > 0 ? input.subarray(Math.max(0, offset - WINDOW), offset) : undefined;
    const block = input.subarray(offset, end);
    const { options: zlibOptions, useDictionary } = blockOptions(block, level, end === input.length);
    if (useDictionary && dictionary !== undefined) zlibOptions.dictionary = dictionary;
    parts.push(zlib.deflateRawSync(block, zlibOptions));
    offset = end;
  } while (offset < input.length);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(input, 0) >>> 0, 0);
  trailer.writeUInt32LE(input.length % 0x1_0000_0000, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** A Transform that gzips what is written to it, in parallel, with reproducible output. */
export function createGzip(options: GzipOptions = {}): Transform {
  const level = checkInteger('gzip', 'level', options.level ?? 9, 0, 9);
  const jobs = checkInteger('gzip', 'jobs', options.jobs ?? os.availableParallelism(), 1, 1024);
  const blockSize = checkInteger('gzip', 'blockSize', options.blockSize ?? DEFAULT_GZIP_BLOCK_SIZE, 1, MAX_BLOCK_SIZE);
  return new ParallelGzip(level, jobs, blockSize);
}
