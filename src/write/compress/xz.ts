/**
 * xz compression: LZMA2 from liblzma (through lzma-native, which links its own liblzma 5.2.3 and
 * ships prebuilt binaries in its npm package), in a container written here (xz-format.ts).
 *
 * The input is cut into 64 KiB segments at fixed offsets, and each segment is judged
 * compressible or not by sampling (incompressible.ts). Blocks follow the data: a block holds
 * segments of one kind, up to the block size (the preset's dictionary size, 8 MiB at preset 6:
 * enough blocks for every thread to stay busy to the end, at ~1% of size on text against
 * xz -T's 3 x the dictionary); a run of at least 1 MiB of the other kind starts a new block, a shorter one
 * joins the block it interrupts. Compressible blocks are LZMA2-encoded, each by its own encoder,
 * on `jobs` xz threads (xz-worker.ts); incompressible ones are stored as uncompressed LZMA2
 * chunks, which is what the encoder would emit for them after its full search.
 *
 * Block boundaries and contents depend only on the input bytes and the preset, so the output is
 * the same for any job count and any chunking of the input. It is ONE .xz stream (header,
 * blocks, index, footer): dpkg-deb (1.21) decodes only the first stream of data.tar.xz, so
 * concatenated streams would break it.
 *
 * Memory stays bounded and flat: at most `jobs` encoders (~94 MiB each at preset 6), and at most
 * 2 x jobs blocks between the input and the output, each held in one of a few block buffers that
 * are reused to the end. A block waits in its buffer (stored, or encoded in place by its thread)
 * until it is pushed; only then is it copied out, in pieces that live until they are written.
 * Keeping long-lived data of varying sizes out of glibc's heap is what keeps the heap from creeping.
 *
 * lzma-native is loaded with a dynamic import on first use, so a gzip-only run never loads it.
 */
import os from 'node:os';
import type { Transform } from 'node:stream';
import { majorCollector, type Collect } from './collect.js';
import { looksIncompressible } from '../../gzip/incompressible.js';
import { loadLzmaNative } from './lzma-native.js';
import { checkInteger } from './options.js';
import { OrderedBlockCompressor, type BlockJob, type ConsumedCallback } from './ordered.js';
import { ThreadPool } from '../../thread-pool.js';
import type { XzRequest } from './xz-worker.js';
import { crc32 } from '../../gzip/crc32.js';
import { indexAndFooter, lzma2Bound, storedLzma2, streamHeader, xzBlock } from './xz-format.js';

interface XzOptions {
  /** Encoder threads. Default os.availableParallelism(). It does not change the output. */
  jobs?: number;
  /** liblzma preset, 0-9. Default 6, as dpkg-deb uses. */
  preset?: number;
  /** Most uncompressed bytes per .xz block. Default: the preset's dictionary size (8 MiB for preset 6). */
  blockSize?: number;
  /** Called with the number of input bytes each time the compressor has taken them in. */
  onConsumed?: ConsumedCallback;
}

/** LZMA2 dictionary size of each preset (liblzma's table). */
const PRESET_DICT_SIZE = [
  256 * 1024,
  1 << 20,
  2 << 20,
  4 << 20,
  4 << 20,
  8 << 20,
  8 << 20,
  16 << 20,
  32 << 20,
  64 << 20,
] as const;

/** The default block size: the preset's dictionary, and at least 1 MiB. */
function defaultXzBlockSize(preset: number): number {
  return Math.max(PRESET_DICT_SIZE[preset]!, 1 << 20);
}

/** The liblzma version that produces the bytes (it is part of what makes output reproducible). */
export async function xzLibraryVersion(): Promise<string> {
  return (await loadLzmaNative()).versionString();
}

/** Input is judged in segments of this size, at fixed offsets. */
const SEGMENT = 64 * 1024;
/** Segments of the other kind that start a new block; a shorter run joins the current block. */
const MIN_RUN_SEGMENTS = 16;
/** Blocks between the input and the output, per job: room for blocks that finish out of order. */
const BLOCKS_PER_JOB = 2;
/** Segments between full collections (collect.ts): 4 MiB of input, seconds of encoding, a few ms of collecting. */
const SEGMENTS_PER_COLLECT = 64;
const XZ_WORKER = new URL('./xz-worker.js', import.meta.url);

type BlockKind = 'lzma2' | 'stored';

/**
 * A block handed out, until it is pushed. Its data stays in its block buffer until then: stored
 * as it is, or encoded (the encoded data comes back at the buffer's start). Only pushing copies
 * it out, in pieces that live until they are written, and frees the buffer for the next block.
 */
interface Job extends BlockJob {
  kind: BlockKind;
  uncompressedSize: number;
  check: number;
}

/** Encoded data is pushed in copies of this size. */
const PUSH_PIECE = 256 * 1024;

class XzCompressor extends OrderedBlockCompressor<Job, XzRequest> {
  private readonly segmentSize: number;
  /**
   * The block being gathered, in one buffer: `blockBytes` of its kind, then `runBytes` of the
   * other kind (a run too short yet to split off), then the segment being filled.
   */
  private gather: Buffer;
  private blockKind: BlockKind = 'lzma2';
  private blockBytes = 0;
  private runBytes = 0;
  private segmentLength = 0;
  /**
   * Block buffers the encoders are done with. A build allocates jobs + 2 of them at most and
   * reuses them to the end: allocating per block (or carving segments from big slabs) left tens
   * of MiB more resident, in the same heap as the encoders' own buffers.
   */
  private readonly freeBuffers: Buffer[] = [];
  private readonly records: { unpaddedSize: number; uncompressedSize: number }[] = [];
  private headerPushed = false;
  private readonly collect: Collect = majorCollector();
  private segmentsSinceCollect = 0;

  constructor(
    private readonly preset: number,
    jobs: number,
    private readonly blockSize: number,
    onConsumed: ConsumedCallback | undefined,
  ) {
    // `jobs` xz threads (xz-worker.ts), one block each at a time, started with the first block to encode.
    super('xz', new ThreadPool(XZ_WORKER, jobs, 1), jobs * BLOCKS_PER_JOB, onConsumed);
    this.segmentSize = Math.min(SEGMENT, blockSize);
    this.gather = this.blockBuffer();
  }

  /**
   * A buffer for one block: the block size, rounded up to whole segments (a block may end a
   * segment late), and room for the encoded block, which comes back in it (xz-worker.ts).
   */
  private blockBuffer(): Buffer {
    const free = this.freeBuffers.pop();
    if (free !== undefined) return free;
    return Buffer.from(new ArrayBuffer(lzma2Bound(Math.ceil(this.blockSize / this.segmentSize) * this.segmentSize)));
  }

  private pushHeader(): void {
    if (this.headerPushed) return;
    this.headerPushed = true;
    this.push(streamHeader());
  }

  protected override async consume(chunk: Buffer): Promise<void> {
    this.pushHeader();
    let offset = 0;
    while (offset < chunk.length && !this.destroyed) {
      const n = Math.min(chunk.length - offset, this.segmentSize - this.segmentLength);
      chunk.copy(this.gather, this.blockBytes + this.runBytes + this.segmentLength, offset, offset + n);
      this.segmentLength += n;
      offset += n;
      if (this.segmentLength === this.segmentSize) {
        await this.addSegment();
        if (++this.segmentsSinceCollect === SEGMENTS_PER_COLLECT) {
          this.segmentsSinceCollect = 0;
          this.collect();
        }
      }
    }
  }

  protected override async finishInput(): Promise<void> {
    this.pushHeader();
    if (this.segmentLength > 0) await this.addSegment();
    const length = this.blockBytes + this.runBytes;
    if (length > 0) await this.startBlock(this.blockKind, this.gather.subarray(0, length), this.gather);
  }

  protected override epilogue(): Buffer {
    return indexAndFooter(this.records);
  }

  /** Adds the segment just filled to the block being gathered; hands out the blocks this completes. */
  private async addSegment(): Promise<void> {
    const start = this.blockBytes + this.runBytes;
    const length = this.segmentLength;
    this.segmentLength = 0;
    const kind: BlockKind = looksIncompressible(this.gather.subarray(start, start + length)) ? 'stored' : 'lzma2';
    if (start === 0) {
      this.blockKind = kind;
      this.blockBytes = length;
    } else if (kind === this.blockKind) {
      // The run (if any) was too short to split off: it joins the block.
      this.blockBytes += this.runBytes + length;
      this.runBytes = 0;
    } else {
      this.runBytes += length;
      if (this.runBytes >= MIN_RUN_SEGMENTS * this.segmentSize) {
        // The run becomes the next block: moved to a buffer of its own, the block handed out.
        const full = this.gather;
        this.gather = this.blockBuffer();
        full.copy(this.gather, 0, this.blockBytes, this.blockBytes + this.runBytes);
        const block = full.subarray(0, this.blockBytes);
        const blockKind = this.blockKind;
        this.blockKind = kind;
        this.blockBytes = this.runBytes;
        this.runBytes = 0;
        await this.startBlock(blockKind, block, full);
      }
    }
    if (this.blockBytes + this.runBytes >= this.blockSize) {
      const full = this.gather;
      const length = this.blockBytes + this.runBytes;
      this.gather = this.blockBuffer();
      this.blockBytes = 0;
      this.runBytes = 0;
      await this.startBlock(this.blockKind, full.subarray(0, length), full);
    }
  }

  /**
   * Stores or encodes `data` (at the start of `buffer`, which is reused once the block no longer
   * needs it), once there is room: a free xz thread, and fewer than BLOCKS_PER_JOB x jobs blocks out.
   */
  private async startBlock(kind: BlockKind, data: Buffer, buffer: Buffer): Promise<void> {
    // Loaded here too, for its clear error before any thread starts.
    if (kind === 'lzma2') await loadLzmaNative();
    if (!(await this.waitForRoom(() => kind === 'lzma2' && this.pool.full))) return;
    const arrayBuffer = buffer.buffer as ArrayBuffer;
    const job: Job = { kind, done: false, error: undefined, buffer: undefined, length: data.length, uncompressedSize: data.length, check: crc32(data, 0) };
    // A stored block is done at once and waits in its buffer; an encoded one's buffer is with its thread.
    if (kind === 'stored') this.enqueueDone({ ...job, buffer: arrayBuffer });
    else this.enqueueRun(job, { buffer: arrayBuffer, length: data.length, preset: this.preset }, [arrayBuffer]);
  }

  protected override release(job: Job): void {
    if (job.buffer !== undefined) this.freeBuffers.push(Buffer.from(job.buffer));
  }

  /** The block, in copies; its block buffer is free again as soon as they are made. */
  protected override output(job: Job): Buffer[] {
    const data = new Uint8Array(job.buffer!, 0, job.length);
    const lzma2 = job.kind === 'stored' ? storedLzma2(data) : copyInPieces(data);
    const block = xzBlock(lzma2, job.uncompressedSize, job.check, PRESET_DICT_SIZE[this.preset]!);
    this.records.push({ unpaddedSize: block.unpaddedSize, uncompressedSize: block.uncompressedSize });
    return block.parts;
  }
}

/** Copies of `data`, PUSH_PIECE bytes each. */
function copyInPieces(data: Uint8Array): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += PUSH_PIECE) pieces.push(Buffer.from(data.subarray(offset, offset + PUSH_PIECE)));
  return pieces;
}

/** A Transform that xz-compresses what is written to it, in parallel, with reproducible output. */
export function createXz(options: XzOptions = {}): Transform {
  const preset = checkInteger('xz', 'preset', options.preset ?? 6, 0, 9);
  const jobs = checkInteger('xz', 'jobs', options.jobs ?? os.availableParallelism(), 1, 1024);
  const blockSize = checkInteger('xz', 'blockSize', options.blockSize ?? defaultXzBlockSize(preset), 4096, 2 ** 40);
  return new XzCompressor(preset, jobs, blockSize, options.onConsumed);
}
