/**
 * xz compression through lzma-native, which statically links its own liblzma (5.2.3) and ships
 * prebuilt binaries inside its npm package.
 *
 * We use liblzma's multi-threaded encoder with a block size fixed here, not left to the
 * library default. The input is cut into independent blocks at fixed offsets. The output is
 * ONE .xz stream: stream header, blocks, index, footer, with a CRC64 check per block. liblzma
 * gives the same bytes for any thread count (1, 2, 8...) and any input chunking. For a given
 * preset and block size, these are the bytes `xz -<preset> -T2 --block-size=<size>` writes
 * (checked against xz 5.4.1).
 * Memory stays bounded: the encoder holds about `jobs` blocks, and we pass the transform
 * callback only once liblzma has taken the chunk.
 *
 * Why not concatenated .xz streams (one per chunk)? `xz -t` and `xz -dc` accept them, but
 * dpkg-deb (1.21) decodes only the first stream of data.tar.xz, so tar then hits an unexpected
 * EOF. A single multi-block stream is read by every decoder.
 *
 * lzma-native is loaded with a dynamic import on first use, so a gzip-only run never loads it.
 */
import os from 'node:os';
import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import { checkInteger } from './options.js';

export interface XzOptions {
  /** Encoder threads. Default os.availableParallelism(). It does not change the output. */
  jobs?: number;
  /** liblzma preset, 0-9. Default 6, as dpkg-deb uses. */
  preset?: number;
  /** Uncompressed bytes per .xz block. Default: 3 x the preset's dictionary (24 MiB for preset 6), as `xz -T` uses. */
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

/** The block size liblzma's threaded encoder would choose, written down so the output never depends on its default. */
export function defaultXzBlockSize(preset: number): number {
  return Math.max(3 * PRESET_DICT_SIZE[preset]!, 1 << 20);
}

/** The part of lzma-native's API we use. */
interface LzmaNative {
  createCompressor(options: {
    preset: number;
    check: number;
    threads: number;
    blockSize: number;
  }): Duplex;
  versionString(): string;
  CHECK_CRC64: number;
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
    if (typeof mod.createCompressor !== 'function' || typeof mod.CHECK_CRC64 !== 'number') {
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

class XzCompressor extends Transform {
  private readonly preset: number;
  private readonly jobs: number;
  private readonly blockSize: number;
  private inner: Duplex | undefined;
  private innerReady: Promise<Duplex> | undefined;

  constructor(preset: number, jobs: number, blockSize: number) {
    super();
    this.preset = preset;
    this.jobs = jobs;
    this.blockSize = blockSize;
  }

  private encoder(): Promise<Duplex> {
    this.innerReady ??= loadLzmaNative().then((lzma) => {
      const inner = lzma.createCompressor({
        preset: this.preset,
        check: lzma.CHECK_CRC64,
        // Passing `threads` selects liblzma's threaded encoder even for 1, so the output
        // (blocks of blockSize) is the same for every job count.
        threads: this.jobs,
        blockSize: this.blockSize,
      });
      // We do not pause the encoder when our readable side is full. Transform holds the
      // writer's callback instead, so the output waiting here stays bounded by the input in
      // flight.
      inner.on('data', (data: Buffer) => {
        if (!this.destroyed) this.push(data);
      });
      inner.on('error', (error: Error) => this.destroy(error));
      this.inner = inner;
      return inner;
    });
    return this.innerReady;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    this.encoder().then(
      (inner) => {
        // lzma-native calls this back once liblzma has taken the chunk.
        inner.write(chunk, () => callback());
      },
      (error: unknown) => callback(asError(error)),
    );
  }

  override _flush(callback: TransformCallback): void {
    this.encoder().then(
      (inner) => {
        inner.once('end', () => callback());
        inner.end();
      },
      (error: unknown) => callback(asError(error)),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const inner = this.inner;
    this.inner = undefined;
    if (inner !== undefined && !inner.destroyed) inner.destroy();
    callback(error);
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
