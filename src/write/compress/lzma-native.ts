/**
 * lzma-native, loaded on first use (a gzip-only run never loads it), and the part of its API we
 * use: its native stream, driven synchronously, on an xz thread (xz-worker.ts) to encode and by
 * the .deb reader (src/deb/decompress.ts) to decode, and on libuv's thread pool by the
 * repository's Packages.xz (src/repo/index-xz.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** LZMA2 options in full (liblzma's lzma_options_lzma), instead of a preset. */
interface Lzma2Options {
  dictSize: number;
  lc: number;
  lp: number;
  pb: number;
  /** liblzma's lzma_mode: 1 fast, 2 normal. */
  mode: number;
  niceLen: number;
  /** liblzma's lzma_match_finder, e.g. 0x14 for BT4. */
  mf: number;
  depth: number;
}

/** lzma-native's native stream: one raw LZMA2 encoding, after which it frees its encoder. */
interface LzmaNativeStream {
  rawEncoder(options: { filters: { id: string; options: { preset: number } | Lzma2Options }[] }): void;
  /** An .xz decoder refusing to use more than `memlimit` bytes; `flags` are liblzma's (CONCATENATED). */
  streamDecoder(options: { memlimit: number; flags: number }): void;
  /** Frees the coder's memory now rather than at garbage collection. */
  resetUnderlying(): void;
  /**
   * Input (copied before encoding), or null to finish; `async` false runs on the calling thread,
   * true queues a request on libuv's thread pool (requests of one stream may run in any order).
   */
  code(input: Uint8Array | null, async: boolean): void;
  /**
   * Called, synchronously when coding synchronously, with each output buffer, then with null at
   * the end (and an error if any), then with the number of inputs taken.
   */
  bufferHandler: (output: Buffer | null | undefined, processedChunks: number | undefined, error: Error | null | undefined) => void;
}

interface LzmaNative {
  Stream: new () => LzmaNativeStream;
  versionString(): string;
  FILTER_LZMA2: string;
  /** liblzma's LZMA_CONCATENATED: decode concatenated .xz streams as one. */
  CONCATENATED: number;
}

const LZMA_NATIVE = 'lzma-native';
let loading: Promise<LzmaNative> | undefined;

/** The package's native binding, under the names its index.js wraps. */
interface NativeBinding extends Omit<LzmaNative, 'Stream'> {
  Stream: {
    new (): LzmaNativeStream;
    prototype: Partial<Pick<LzmaNativeStream, 'rawEncoder' | 'streamDecoder'>> & {
      rawEncoder_?: (filters: unknown[]) => void;
      streamDecoder_?: (memlimit: number | null, flags: number) => void;
    };
  };
}

/**
 * The native binding alone, with the two wrappers of index.js we call (the same calls): index.js
 * also loads the readable-stream package for its stream interface, which we never use, and that
 * made a first xz use cost about 28 ms instead of 5. Undefined if the binding is not as expected
 * (another version of the package), and then the package is loaded as a whole.
 */
function loadBinding(): LzmaNative | undefined {
  try {
    const main = createRequire(import.meta.url).resolve(LZMA_NATIVE);
    const fromPackage = createRequire(main);
    const nodeGypBuild = fromPackage('node-gyp-build') as (dir: string) => unknown;
    const binding = nodeGypBuild(path.dirname(main)) as Partial<NativeBinding>;
    const proto = binding.Stream?.prototype;
    const { rawEncoder_: rawEncoder, streamDecoder_: streamDecoder } = proto ?? {};
    if (binding.Stream === undefined || proto === undefined || typeof rawEncoder !== 'function' || typeof streamDecoder !== 'function') return undefined;
    proto.rawEncoder ??= function (this: LzmaNativeStream, options): void {
      rawEncoder.call(this, options.filters);
    };
    proto.streamDecoder ??= function (this: LzmaNativeStream, options): void {
      streamDecoder.call(this, options.memlimit, options.flags);
    };
    return binding as LzmaNative;
  } catch {
    return undefined;
  }
}

export function loadLzmaNative(): Promise<LzmaNative> {
  loading ??= (async (): Promise<LzmaNative> => {
    let namespace: unknown = loadBinding();
    try {
      // A non-literal specifier: the package is optional at compile time.
      namespace ??= (await import(LZMA_NATIVE)) as unknown;
    } catch (error) {
      throw new Error(
        `xz compression needs the npm package "${LZMA_NATIVE}", which could not be loaded ` +
          `(${error instanceof Error ? error.message : String(error)}); install it, or use --compression gzip`,
      );
    }
    const candidate = (namespace as { default?: unknown }).default ?? namespace;
    const mod = candidate as Partial<LzmaNative>;
    if (typeof mod.Stream !== 'function' || typeof mod.Stream.prototype.rawEncoder !== 'function' || typeof mod.FILTER_LZMA2 !== 'string') {
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
