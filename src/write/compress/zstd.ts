/**
 * zstd compression, as Ubuntu's packages have it since 21.10 (dpkg-deb -Zzstd, level 3 by
 * default, with a checksum). A .deb member must be ONE zstd frame: dpkg-deb 1.21 stops reading
 * after the first frame of a member (`tar: Unexpected EOF`). So the member is one stream through
 * zstd's streaming API (zstd-frame.ts) on a zstd thread of its own (zstd-worker.ts): the input
 * goes to it in blocks of BLOCK bytes at fixed offsets (the last one, whatever its length, ends
 * the frame), and the frame comes back piece by piece, pushed in order (ordered.ts). A member
 * that fits in one block is that one call, made on the calling thread. Memory stays bounded
 * whatever the member's size: the thread's context (a 2 MiB window at level 3 and its tables) and
 * at most MAX_QUEUED blocks in flight.
 *
 * The output depends only on the input bytes and the level: the calls zstd sees are the same
 * for any chunking of the input, and a frame is compressed on one thread whatever --jobs says
 * (zstd cannot split one frame among threads without its multithreaded mode, which the
 * WebAssembly build has not). Always that WebAssembly build, never Node's zlib zstd (Node >=
 * 22.15): another libzstd version may compress differently, and a package must be the same bytes
 * on every machine.
 */
import type { Transform } from 'node:stream';
import { ThreadPool } from '../../thread-pool.js';
import { checkInteger } from './options.js';
import { OrderedBlockCompressor, type BlockJob, type ConsumedCallback } from './ordered.js';
import { ZstdFrameWriter } from './zstd-frame.js';
import type { ZstdRequest } from './zstd-worker.js';

interface ZstdOptions {
  /** zstd level, 1-19. Default 3, as dpkg-deb uses. */
  level?: number;
  /** Called with the number of input bytes each time the compressor has taken them in. */
  onConsumed?: ConsumedCallback;
}

const DEFAULT_ZSTD_LEVEL = 3;
/** Input bytes per call of the zstd thread. */
const BLOCK = 1024 * 1024;
/**
 * Room for what one block lets out: zstd may hold back up to one of its own blocks (128 KiB) and
 * let it out with the next, and incompressible data grows by a few bytes per 128 KiB.
 */
const OUTPUT_ROOM = BLOCK + BLOCK / 8 + 256 * 1024;
/** Blocks the zstd thread is given at a time: the one it runs and the next. */
const BLOCKS_PER_THREAD = 2;
/** Blocks between the input and the output: those the thread holds, and one done waiting for the reader. */
const MAX_QUEUED = BLOCKS_PER_THREAD + 1;
const ZSTD_WORKER = new URL('./zstd-worker.js', import.meta.url);

class ZstdCompressor extends OrderedBlockCompressor<BlockJob, ZstdRequest> {
  private readonly freeBuffers: ArrayBuffer[] = [];
  private gather: Uint8Array;
  private filled = 0;
  /** Whether a block has gone to the zstd thread. */
  private sent = false;

  constructor(
    private readonly level: number,
    onConsumed: ConsumedCallback | undefined,
  ) {
    super('zstd', new ThreadPool(ZSTD_WORKER, 1, BLOCKS_PER_THREAD), MAX_QUEUED, onConsumed);
    this.gather = this.blockBuffer();
  }

  private blockBuffer(): Uint8Array {
    return new Uint8Array(this.freeBuffers.pop() ?? new ArrayBuffer(OUTPUT_ROOM));
  }

  protected override async consume(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length && !this.destroyed) {
      const n = Math.min(chunk.length - offset, BLOCK - this.filled);
      this.gather.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === BLOCK) await this.send(false);
    }
  }

  protected override async finishInput(): Promise<void> {
    if (!this.sent) {
      // The whole member is one block (a control.tar, a small package): the same single call,
      // made on this thread, costs less than starting a zstd thread for it.
      const frame = new ZstdFrameWriter(this.level);
      try {
        const length = frame.write(this.gather.subarray(0, this.filled), true, this.gather);
        this.enqueueDone({ done: true, error: undefined, buffer: this.gather.buffer as ArrayBuffer, length });
      } finally {
        frame.close();
      }
      return;
    }
    // The last block may be empty: it still ends the frame (a zstd stream is never zero bytes).
    await this.send(true);
  }

  private async send(last: boolean): Promise<void> {
    if (!(await this.waitForRoom())) return;
    this.sent = true;
    const buffer = this.gather.buffer as ArrayBuffer;
    const length = this.filled;
    this.gather = last ? new Uint8Array(0) : this.blockBuffer();
    this.filled = 0;
    const job: BlockJob = { done: false, error: undefined, buffer: undefined, length: 0 };
    this.enqueueRun(job, { buffer, length, level: this.level, last }, [buffer]);
  }

  protected override release(job: BlockJob): void {
    if (job.buffer !== undefined) this.freeBuffers.push(job.buffer);
  }

  protected override output(job: BlockJob): Buffer[] {
    return job.length === 0 ? [] : [Buffer.from(new Uint8Array(job.buffer!, 0, job.length))];
  }
}

/** A Transform that zstd-compresses what is written to it into one frame, with reproducible output. */
export function createZstd(options: ZstdOptions = {}): Transform {
  const level = checkInteger('zstd', 'level', options.level ?? DEFAULT_ZSTD_LEVEL, 1, 19);
  return new ZstdCompressor(level, options.onConsumed);
}
