/**
 * xz compression: LZMA2 from liblzma (through lzma-native, which links its own liblzma 5.2.3 and
 * ships prebuilt binaries in its npm package), in a container written here (xz-format.ts).
 *
 * The input is cut into 64 KiB segments at fixed offsets, and each segment is judged
 * compressible or not by sampling (incompressible.ts). Blocks follow the data: a block holds
 * segments of one kind, up to the block size (the preset's dictionary size, 8 MiB at preset 6:
 * enough blocks for every thread to stay busy to the end, at ~1% of size on text against
 * xz -T's 3 x the dictionary); a run of at least 1 MiB of the other kind starts a new block, a shorter one
 * joins the block it interrupts. Compressible blocks are LZMA2-encoded, each by its own encoder
 * on its own thread, `jobs` at a time; incompressible ones are stored as uncompressed LZMA2
 * chunks, which is what the encoder would emit for them after its full search.
 *
 * Block boundaries and contents depend only on the input bytes and the preset, so the output is
 * the same for any job count and any chunking of the input. It is ONE .xz stream (header,
 * blocks, index, footer): dpkg-deb (1.21) decodes only the first stream of data.tar.xz, so
 * concatenated streams would break it. Memory stays bounded: at most `jobs` encoders, and at
 * most 2 x jobs blocks between the input and the output.
 *
 * lzma-native is loaded with a dynamic import on first use, so a gzip-only run never loads it.
 */
import os from 'node:os';
import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import { majorCollector, type Collect } from './collect.js';
import { looksIncompressible } from './incompressible.js';
import { checkInteger } from './options.js';
import { crc32 } from './crc32.js';
import { indexAndFooter, storedLzma2, streamHeader, xzBlock, type XzBlock } from './xz-format.js';

export interface XzOptions {
  /** Encoder threads. Default os.availableParallelism(). It does not change the output. */
  jobs?: number;
  /** liblzma preset, 0-9. Default 6, as dpkg-deb uses. */
  preset?: number;
  /** Most uncompressed bytes per .xz block. Default: the preset's dictionary size (8 MiB for preset 6). */
  blockSize?: number;
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
export function defaultXzBlockSize(preset: number): number {
  return Math.max(PRESET_DICT_SIZE[preset]!, 1 << 20);
}

/** The part of lzma-native's API we use. */
interface LzmaNative {
  createStream(coder: 'rawEncoder', options: { filters: { id: string; options: { preset: number } }[] }): Duplex;
  versionString(): string;
  FILTER_LZMA2: string;
}

const LZMA_NATIVE = 'lzma-native';
let loading: Promise<LzmaNative> | undefined;

function loadLzmaNative(): Promise<LzmaNative> {
  loading ??= (async (): Promise<LzmaNative> => {
    let namespace: unknown;
    try {
      // A non-literal specifier: the package is optional at compile time.
      namespace = (await import(LZMA_NATIVE)) as unknown;
    } catch (error) {
      throw new Error(
        `xz compression needs the npm package "${LZMA_NATIVE}", which could not be loaded ` +
          `(${error instanceof Error ? error.message : String(error)}); install it, or use --compression gzip`,
      );
    }
    const candidate = (namespace as { default?: unknown }).default ?? namespace;
    const mod = candidate as Partial<LzmaNative>;
    if (typeof mod.createStream !== 'function' || typeof mod.FILTER_LZMA2 !== 'string') {
      throw new Error(`the installed "${LZMA_NATIVE}" package does not have the expected API`);
    }
    return mod as LzmaNative;
  })();
  // If loading fails, let a later call try again instead of caching the failure.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** The liblzma version that produces the bytes (it is part of what makes output reproducible). */
export async function xzLibraryVersion(): Promise<string> {
  return (await loadLzmaNative()).versionString();
}

/** Input is judged in segments of this size, at fixed offsets. */
const SEGMENT = 64 * 1024;
/** Where segments are carved from: just over 32 MiB (see newSegment). */
const SLAB = 32 * 1024 * 1024 + SEGMENT;
/** Segments of the other kind that start a new block; a shorter run joins the current block. */
const MIN_RUN_SEGMENTS = 16;
/** Blocks between the input and the output, per job: room for blocks that finish out of order. */
const BLOCKS_PER_JOB = 2;
/** Segments between full collections (collect.ts): 4 MiB of input, seconds of encoding, a few ms of collecting. */
const SEGMENTS_PER_COLLECT = 64;

type BlockKind = 'lzma2' | 'stored';

interface Job {
  done: boolean;
  block: XzBlock | undefined;
  error: Error | undefined;
}

class XzCompressor extends Transform {
  private readonly preset: number;
  private readonly jobs: number;
  private readonly blockSize: number;
  private readonly segmentSize: number;
  private segment: Buffer;
  private slab: Buffer | undefined;
  private slabOffset = 0;
  private segmentLength = 0;
  /** The block being gathered: its kind and segments, then a trailing run of the other kind, too short yet to split off. */
  private blockKind: BlockKind = 'lzma2';
  private blockSegments: Buffer[] = [];
  private blockBytes = 0;
  private run: Buffer[] = [];
  private runBytes = 0;
  /** Blocks handed out and not yet pushed, oldest first. */
  private readonly queue: Job[] = [];
  private readonly encoders = new Set<Duplex>();
  private readonly records: { unpaddedSize: number; uncompressedSize: number }[] = [];
  private headerPushed = false;
  private settleWaiter: (() => void) | undefined;
  private readWaiter: (() => void) | undefined;
  private readonly collect: Collect = majorCollector();
  private segmentsSinceCollect = 0;

  constructor(preset: number, jobs: number, blockSize: number) {
    super();
    this.preset = preset;
    this.jobs = jobs;
    this.blockSize = blockSize;
    this.segmentSize = Math.min(SEGMENT, blockSize);
    this.segment = this.newSegment();
  }

  /**
   * Segments are carved from slabs just over 32 MiB. glibc maps allocations that big on their own
   * and unmaps them when freed, whatever its adaptive threshold, so our segments stay out of the
   * heap where the encoders' 8 MiB buffers live. This is the version measured in BENCHMARKS.md;
   * the heap still creeps (the encoders' own buffers), and whether slabs beat one allocation per
   * segment at 2 GiB has not been measured.
   */
  private newSegment(): Buffer {
    if (this.slab === undefined || this.slabOffset + this.segmentSize > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB);
      this.slabOffset = 0;
    }
    const segment = this.slab.subarray(this.slabOffset, this.slabOffset + this.segmentSize);
    this.slabOffset += this.segmentSize;
    return segment;
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
    for (const encoder of this.encoders) encoder.destroy();
    this.encoders.clear();
    const waiters = [this.readWaiter, this.settleWaiter];
    this.readWaiter = undefined;
    this.settleWaiter = undefined;
    for (const waiter of waiters) waiter?.();
    callback(error);
  }

  private pushHeader(): void {
    if (this.headerPushed) return;
    this.headerPushed = true;
    this.push(streamHeader());
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.pushHeader();
    let offset = 0;
    while (offset < chunk.length && !this.destroyed) {
      const n = Math.min(chunk.length - offset, this.segmentSize - this.segmentLength);
      chunk.copy(this.segment, this.segmentLength, offset, offset + n);
      this.segmentLength += n;
      offset += n;
      if (this.segmentLength === this.segmentSize) {
        const full = this.segment;
        this.segment = this.newSegment();
        this.segmentLength = 0;
        await this.addSegment(full);
        if (++this.segmentsSinceCollect === SEGMENTS_PER_COLLECT) {
          this.segmentsSinceCollect = 0;
          this.collect();
        }
      }
    }
  }

  private async finish(): Promise<void> {
    this.pushHeader();
    if (this.segmentLength > 0) await this.addSegment(this.segment.subarray(0, this.segmentLength));
    const rest = [...this.blockSegments, ...this.run];
    if (rest.length > 0) await this.startBlock(this.blockKind, rest);
    while (this.queue.length > 0 && !this.destroyed) await this.pushOldest();
    if (this.destroyed) return;
    this.push(indexAndFooter(this.records));
  }

  /** Adds a segment to the block being gathered; hands out the blocks this completes. */
  private async addSegment(segment: Buffer): Promise<void> {
    const kind: BlockKind = looksIncompressible(segment) ? 'stored' : 'lzma2';
    if (this.blockSegments.length === 0 && this.run.length === 0) {
      this.blockKind = kind;
      this.blockSegments.push(segment);
      this.blockBytes += segment.length;
    } else if (kind === this.blockKind) {
      this.blockSegments.push(...this.run, segment);
      this.blockBytes += this.runBytes + segment.length;
      this.run = [];
      this.runBytes = 0;
    } else {
      this.run.push(segment);
      this.runBytes += segment.length;
      if (this.run.length >= MIN_RUN_SEGMENTS) {
        await this.startBlock(this.blockKind, this.blockSegments);
        this.blockKind = kind;
        this.blockSegments = this.run;
        this.blockBytes = this.runBytes;
        this.run = [];
        this.runBytes = 0;
      }
    }
    if (this.blockBytes + this.runBytes >= this.blockSize) {
      await this.startBlock(this.blockKind, [...this.blockSegments, ...this.run]);
      this.blockSegments = [];
      this.blockBytes = 0;
      this.run = [];
      this.runBytes = 0;
    }
  }

  /** Stores or encodes a block, once there is room: a free encoder, and fewer than BLOCKS_PER_JOB x jobs blocks out. */
  private async startBlock(kind: BlockKind, segments: Buffer[]): Promise<void> {
    const lzma = kind === 'lzma2' ? await loadLzmaNative() : undefined;
    while (!this.destroyed && (this.queue.length >= this.jobs * BLOCKS_PER_JOB || (kind === 'lzma2' && this.encoders.size >= this.jobs))) {
      if (this.queue[0]!.done) await this.pushOldest();
      else await this.nextSettled();
    }
    if (this.destroyed) return;
    let check = 0;
    let size = 0;
    for (const segment of segments) {
      check = crc32(segment, check);
      size += segment.length;
    }
    const dictSize = PRESET_DICT_SIZE[this.preset]!;
    if (lzma === undefined) {
      this.queue.push({ done: true, block: xzBlock(storedLzma2(segments), size, check, dictSize), error: undefined });
      return;
    }
    const job: Job = { done: false, block: undefined, error: undefined };
    this.queue.push(job);
    const encoder = lzma.createStream('rawEncoder', { filters: [{ id: lzma.FILTER_LZMA2, options: { preset: this.preset } }] });
    this.encoders.add(encoder);
    const output: Buffer[] = [];
    const settle = (error?: Error): void => {
      if (job.done) return;
      this.encoders.delete(encoder);
      if (error) job.error = error;
      else job.block = xzBlock(output, size, check, dictSize);
      job.done = true;
      const waiter = this.settleWaiter;
      this.settleWaiter = undefined;
      waiter?.();
    };
    encoder.on('data', (data: Buffer) => output.push(data));
    encoder.on('end', () => settle());
    encoder.on('error', (error: Error) => settle(error));
    for (const segment of segments) encoder.write(segment);
    encoder.end();
  }

  private nextSettled(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.settleWaiter = resolve;
    });
  }

  /** Waits for the oldest block, pushes it, and then waits for the reader if the output is full. */
  private async pushOldest(): Promise<void> {
    while (!this.queue[0]!.done && !this.destroyed) await this.nextSettled();
    const job = this.queue.shift()!;
    if (job.error) throw job.error;
    if (this.destroyed || job.block === undefined) return;
    this.records.push({ unpaddedSize: job.block.unpaddedSize, uncompressedSize: job.block.uncompressedSize });
    let room = true;
    for (const part of job.block.parts) room = this.push(part);
    if (!room) {
      await new Promise<void>((resolve) => {
        this.readWaiter = resolve;
      });
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A Transform that xz-compresses what is written to it, in parallel, with reproducible output. */
export function createXz(options: XzOptions = {}): Transform {
  const preset = checkInteger('xz', 'preset', options.preset ?? 6, 0, 9);
  const jobs = checkInteger('xz', 'jobs', options.jobs ?? os.availableParallelism(), 1, 1024);
  const blockSize = checkInteger('xz', 'blockSize', options.blockSize ?? defaultXzBlockSize(preset), 4096, 2 ** 40);
  return new XzCompressor(preset, jobs, blockSize);
}
