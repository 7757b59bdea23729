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
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { crc32 } from '../../gzip/crc32.js';
import { deflateBlockOptions, gzipHeader, gzipMember, gzipTrailer } from '../../gzip/member.js';
import { majorCollector, minorCollector, type Collect } from './collect.js';
import type { DeflateRequest } from './deflate-worker.js';
import { checkInteger } from './options.js';
import { OrderedBlockCompressor, type BlockJob, type ConsumedCallback } from './ordered.js';
import { ThreadPool } from '../../thread-pool.js';

interface GzipOptions {
  /** zlib level, 0-9. Default 9, as dpkg-deb uses. */
  level?: number;
  /** Deflate threads. Default os.availableParallelism(). It does not change the output. */
  jobs?: number;
  /** Uncompressed bytes per block. Default 128 KiB, as pigz uses. It changes the output bytes. */
  blockSize?: number;
  /** Called with the number of input bytes each time the compressor has taken them in. */
  onConsumed?: ConsumedCallback;
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

/**
 * A block slot: the dictionary (up to 32 KiB of input before the block) followed by the block,
 * in one buffer that is transferred to a deflate thread and comes back for reuse.
 */
interface Slot {
  bytes: Uint8Array;
  dictionaryLength: number;
  blockLength: number;
}

class ParallelGzip extends OrderedBlockCompressor<BlockJob, DeflateRequest> {
  /** The block being filled. It is sent off only once a later byte (or the end) shows whether it is the last. */
  private current: Slot;
  /** Slot buffers back from the threads, to fill again. */
  private readonly freeSlots: ArrayBuffer[] = [];
  private readonly collectMinor: Collect = minorCollector();
  private readonly collectMajor: Collect = majorCollector();
  private blocksSinceCollect = 0;
  private collections = 0;
  private crc = 0;
  private size = 0;
  private headerPushed = false;

  constructor(
    private readonly level: number,
    jobs: number,
    private readonly blockSize: number,
    onConsumed: ConsumedCallback | undefined,
  ) {
    // `jobs` deflate threads, started with the first block, each given BLOCKS_PER_THREAD at a time.
    super('deflate', new ThreadPool(DEFLATE_WORKER, jobs, BLOCKS_PER_THREAD), jobs * QUEUED_PER_JOB, onConsumed);
    this.current = { bytes: new Uint8Array(WINDOW + blockSize), dictionaryLength: 0, blockLength: 0 };
  }

  protected override async consume(chunk: Buffer): Promise<void> {
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
    this.pushDone();
  }

  protected override async finishInput(): Promise<void> {
    this.pushHeader();
    await this.dispatch(true);
  }

  protected override epilogue(): Buffer {
    return gzipTrailer(this.crc, this.size);
  }

  protected override release(job: BlockJob): void {
    if (job.buffer !== undefined) this.freeSlots.push(job.buffer);
  }

  protected override output(job: BlockJob): Buffer[] {
    // A copy, so the slot buffer can take the next block at once.
    return [Buffer.from(new Uint8Array(job.buffer!, 0, job.length))];
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
    if (!(await this.waitForRoom())) return;
    const slot = this.current;
    // The next block's dictionary: the last WINDOW bytes of this dictionary and block, copied
    // before this slot's buffer leaves for a thread.
    const end = slot.dictionaryLength + slot.blockLength;
    const dictionaryLength = Math.min(WINDOW, end);
    const nextBytes = last ? new Uint8Array(0) : new Uint8Array(this.freeSlots.pop() ?? new ArrayBuffer(WINDOW + this.blockSize));
    if (!last) nextBytes.set(slot.bytes.subarray(end - dictionaryLength, end), 0);
    this.current = { bytes: nextBytes, dictionaryLength, blockLength: 0 };
    this.deflate(slot, last);
    if (++this.blocksSinceCollect === BLOCKS_PER_COLLECT) {
      this.blocksSinceCollect = 0;
      if (++this.collections % MINOR_PER_MAJOR === 0) this.collectMajor();
      else this.collectMinor();
    }
  }

  private deflate(slot: Slot, last: boolean): void {
    const block = slot.bytes.subarray(slot.dictionaryLength, slot.dictionaryLength + slot.blockLength);
    const { options, useDictionary } = deflateBlockOptions(block, this.level, last);
    const dictionaryLength = useDictionary ? slot.dictionaryLength : 0;
    const buffer = slot.bytes.buffer as ArrayBuffer;
    const job: BlockJob = { done: false, error: undefined, buffer: undefined, length: 0 };
    this.enqueueRun(job, { buffer, blockOffset: slot.dictionaryLength, blockLength: slot.blockLength, dictionaryLength, options }, [buffer]);
  }
}

/**
 * The bytes createGzip() writes for `input` (same blocks, dictionaries and flushes), computed
 * synchronously on the calling thread: for small inputs, where the thread pool's round trips
 * and the stream machinery cost more than the compression itself.
 *
 * `blockSize: 'whole'` deflates the input as one block: gzipMember (src/gzip/member.ts), for
 * small files inside a package (changelog.gz) and for repository indexes (Packages.gz).
 */
export function gzipSync(input: Buffer, options: { level?: number; blockSize?: number | 'whole' } = {}): Buffer {
  const level = checkInteger('gzip', 'level', options.level ?? 9, 0, 9);
  if (options.blockSize === 'whole') return gzipMember(input, level);
  const blockSize = checkInteger('gzip', 'blockSize', options.blockSize ?? DEFAULT_GZIP_BLOCK_SIZE, 1, MAX_BLOCK_SIZE);
  const parts: Buffer[] = [gzipHeader(level)];
  let offset = 0;
  // One block per blockSize of input; empty input is one empty, final block, as in the stream.
  do {
    const end = Math.min(offset + blockSize, input.length);
    const dictionary = offset > 0 ? input.subarray(Math.max(0, offset - WINDOW), offset) : undefined;
    const block = input.subarray(offset, end);
    const { options: zlibOptions, useDictionary } = deflateBlockOptions(block, level, end === input.length);
    if (useDictionary && dictionary !== undefined) zlibOptions.dictionary = dictionary;
    parts.push(zlib.deflateRawSync(block, zlibOptions));
    offset = end;
  } while (offset < input.length);
  parts.push(gzipTrailer(crc32(input, 0), input.length));
  return Buffer.concat(parts);
}

/** A Transform that gzips what is written to it, in parallel, with reproducible output. */
export function createGzip(options: GzipOptions = {}): Transform {
  const level = checkInteger('gzip', 'level', options.level ?? 9, 0, 9);
  const jobs = checkInteger('gzip', 'jobs', options.jobs ?? os.availableParallelism(), 1, 1024);
  const blockSize = checkInteger('gzip', 'blockSize', options.blockSize ?? DEFAULT_GZIP_BLOCK_SIZE, 1, MAX_BLOCK_SIZE);
  return new ParallelGzip(level, jobs, blockSize, options.onConsumed);
}
