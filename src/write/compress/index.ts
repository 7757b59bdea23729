/**
 * The write stage's compressors: one Transform per member of the .deb (control.tar, data.tar).
 * Every compressor's output depends only on its input bytes and its level/preset, never on the
 * job count or on how the input is chunked.
 */
import { PassThrough, type Transform } from 'node:stream';
import { createGzip } from './gzip-parallel.js';
import { createXz } from './xz.js';
import { createZstd } from './zstd.js';
import type { ConsumedCallback } from './ordered.js';

export { createGzip, gzipSync, DEFAULT_GZIP_BLOCK_SIZE } from './gzip-parallel.js';
export { createXz, xzLibraryVersion } from './xz.js';
export { createZstd } from './zstd.js';

export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

const COMPRESSIONS: readonly Compression[] = ['gzip', 'xz', 'zstd', 'none'];

export function isCompression(value: string): value is Compression {
  return (COMPRESSIONS as readonly string[]).includes(value);
}

/** What --compression and the project config's `compression:` take: a compression, or `distribution` (the profile's). */
export function isCompressionChoice(value: string): value is Compression | 'distribution' {
  return isCompression(value) || value === 'distribution';
}

interface CompressorOptions {
  /** Parallel jobs; any value gives the same bytes. */
  jobs: number;
  /** gzip level (0-9, default 9), xz preset (0-9, default 6) or zstd level (1-19, default 3); ignored for 'none'. */
  level?: number;
  /** Called with the number of input bytes each time the compressor has taken them in (for progress). */
  onConsumed?: ConsumedCallback;
}

export function createCompressor(kind: Compression, opts: CompressorOptions): Transform {
  switch (kind) {
    case 'gzip':
      return createGzip({ jobs: opts.jobs, level: opts.level ?? 9, onConsumed: opts.onConsumed });
    case 'xz':
      return createXz({ jobs: opts.jobs, preset: opts.level ?? 6, onConsumed: opts.onConsumed });
    case 'zstd':
      return createZstd({ level: opts.level ?? 3, onConsumed: opts.onConsumed });
    case 'none':
      return passThrough(opts.onConsumed);
    default:
      return unknownCompression(kind);
  }
}

function passThrough(onConsumed: ConsumedCallback | undefined): Transform {
  const stream = new PassThrough();
  if (onConsumed !== undefined) stream.on('data', (chunk: Buffer) => onConsumed(chunk.length));
  return stream;
}

export function compressionExtension(kind: Compression): '.gz' | '.xz' | '.zst' | '' {
  switch (kind) {
    case 'gzip':
      return '.gz';
    case 'xz':
      return '.xz';
    case 'zstd':
      return '.zst';
    case 'none':
      return '';
    default:
      return unknownCompression(kind);
  }
}

function unknownCompression(kind: never): never {
  throw new RangeError(`unknown compression ${String(kind)}`);
}
