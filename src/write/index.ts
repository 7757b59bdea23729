import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashFileInto } from '../hash-file.js';
import type { PackageLayout } from '../layout/types.js';
import { AR_HEADER_LENGTH, AR_MAGIC, AR_SIZE_OFFSET, arMember, arMemberHeader, arPadding, arSizeField } from '../debian/ar.js';
import { compressionExtension, createCompressor, gzipSync, type Compression } from './compress/index.js';
import { tarBuffer, tarSize, tarStream } from './tar.js';
import { removeStaleTemporaries, temporaryFor, writeThroughTemporary } from './temporary.js';
import { makeDirectory } from '../make-directory.js';

export { type Compression } from './compress/index.js';

interface WriteOptions {
  outDir: string;
  compression: Compression;
  /** Compression threads; output bytes never depend on it. */
  jobs: number;
  mtime: number;
  /** Aborting (SIGINT, SIGTERM) stops the build and removes the temporary file. */
  signal?: AbortSignal;
  /**
   * Packages whose payload files add up to at most this many bytes are assembled in memory,
   * with the same bytes (gzip and none; xz always streams). Default SMALL_PACKAGE_BYTES; 0 streams all.
   */
  smallPackageBytes?: number;
  /** Told the bytes of data.tar the compressor has consumed so far, of its whole size. */
  onProgress?: (bytes: number, total: number) => void;
}

/**
 * Below this, streaming costs more than it saves: a small daemon's build is dominated by
 * start-up, and the stream and thread-pool machinery is a good part of it (~15 ms of ~25).
 * The bound keeps the synchronous compression short (~50 ms at level 9) and memory small.
 */
const SMALL_PACKAGE_BYTES = 1024 * 1024;

interface WrittenDeb {
  path: string;
  size: number;
  sha256: string;
}

/** Counts bytes passing through, to patch the ar size of a member that was streamed. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

async function bufferOf(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * write: entries -> tar -> compressor -> ar -> `<outDir>/<name>.deb`. The package is streamed into
 * a temporary file in the output folder and renamed over the destination only when complete, so a
 * failed or interrupted build leaves the folder exactly as it was.
 */
export async function writeDeb(layout: PackageLayout, options: WriteOptions): Promise<WrittenDeb> {
  await makeDirectory(options.outDir);
  await removeStaleTemporaries(options.outDir);
  const destination = path.join(options.outDir, layout.fileName);
  const temporary = temporaryFor(options.outDir, layout.fileName);
  const extension = compressionExtension(options.compression);
  const payloadBytes = layout.data.reduce((sum, entry) => sum + (entry.type === 'file' ? entry.size : 0), 0);
  if ((options.compression === 'gzip' || options.compression === 'none') && payloadBytes <= (options.smallPackageBytes ?? SMALL_PACKAGE_BYTES)) {
    return writeSmallDeb(layout, options, destination, temporary, extension);
  }
  return writeThroughTemporary(temporary, destination, async () => {
    options.signal?.throwIfAborted();
    const controlTar = await bufferOf(Readable.from(tarStream(layout.control)).pipe(createCompressor(options.compression, { jobs: options.jobs })));
    const prefix = Buffer.concat([
      AR_MAGIC,
      arMember('debian-binary', Buffer.from('2.0\n', 'ascii'), options.mtime),
      arMember(`control.tar${extension}`, controlTar, options.mtime),
    ]);
    const dataHeaderOffset = prefix.length;
    const counter = new ByteCounter();
    const out = createWriteStream(temporary, { flags: 'wx', mode: 0o644 });
    out.write(prefix);
    // Size 0 for now: patched below once the compressed size is known.
    out.write(arMemberHeader(`data.tar${extension}`, 0, options.mtime));
    const onProgress = options.onProgress;
    const total = onProgress === undefined ? 0 : tarSize(layout.data);
    let consumed = 0;
    // The compressor tells the bytes it has taken in, as it takes them.
    const onConsumed = onProgress === undefined ? undefined : (bytes: number): void => onProgress((consumed += bytes), total);
    await pipeline(
      Readable.from(tarStream(layout.data)),
      createCompressor(options.compression, { jobs: options.jobs, onConsumed }),
      counter,
      out,
      ...(options.signal ? [{ signal: options.signal }] : []),
    );
    const handle = await fs.open(temporary, 'r+');
    let sha256: string;
    try {
      await handle.write(arSizeField(counter.bytes), 0, 10, dataHeaderOffset + AR_SIZE_OFFSET);
      const pad = arPadding(counter.bytes);
      if (pad.length > 0) await handle.write(pad, 0, pad.length, dataHeaderOffset + AR_HEADER_LENGTH + counter.bytes);
      // The file is complete: hash it (from the page cache) while fsync writes it back.
      [sha256] = await Promise.all([hashFile(temporary), handle.sync()]);
    } finally {
      await handle.close();
    }
    const { size } = await fs.stat(temporary);
    return { path: destination, size, sha256 };
  }, options.signal);
}

/** writeDeb for a small package: the same bytes, built in memory and written with one call. */
async function writeSmallDeb(layout: PackageLayout, options: WriteOptions, destination: string, temporary: string, extension: string): Promise<WrittenDeb> {
  const compress = (tar: Buffer): Buffer => (options.compression === 'gzip' ? gzipSync(tar) : tar);
  return writeThroughTemporary(temporary, destination, async () => {
    options.signal?.throwIfAborted();
    const dataTar = tarBuffer(layout.data);
    const deb = Buffer.concat([
      AR_MAGIC,
      arMember('debian-binary', Buffer.from('2.0\n', 'ascii'), options.mtime),
      arMember(`control.tar${extension}`, compress(tarBuffer(layout.control)), options.mtime),
      arMember(`data.tar${extension}`, compress(dataTar), options.mtime),
    ]);
    options.onProgress?.(dataTar.length, dataTar.length);
    const handle = await fs.open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(deb);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { path: destination, size: deb.length, sha256: createHash('sha256').update(deb).digest('hex') };
  }, options.signal);
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await hashFileInto(hash, file, Buffer.allocUnsafe(1024 * 1024));
  return hash.digest('hex');
}
