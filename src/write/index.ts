import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PackageLayout } from '../layout/types.js';
import { AR_HEADER_LENGTH, AR_MAGIC, AR_SIZE_OFFSET, arMember, arMemberHeader, arPadding, arSizeField } from './ar.js';
import { compressionExtension, createCompressor, type Compression } from './compress/index.js';
import { tarStream } from './tar.js';

export { type Compression } from './compress/index.js';
export { ChangedDuringBuildError } from './tar.js';

export interface WriteOptions {
  outDir: string;
  compression: Compression;
  /** Compression threads; output bytes never depend on it. */
  jobs: number;
  mtime: number;
  /** Aborting (SIGINT, SIGTERM) stops the build and removes the temporary file. */
  signal?: AbortSignal;
}

export interface WrittenDeb {
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
  await fs.mkdir(options.outDir, { recursive: true });
  const destination = path.join(options.outDir, layout.fileName);
  const temporary = path.join(options.outDir, `.${layout.fileName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const extension = compressionExtension(options.compression);
  try {
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
    await pipeline(
      Readable.from(tarStream(layout.data)),
      createCompressor(options.compression, { jobs: options.jobs }),
      counter,
      out,
      ...(options.signal ? [{ signal: options.signal }] : []),
    );
    const handle = await fs.open(temporary, 'r+');
    try {
      await handle.write(arSizeField(counter.bytes), 0, 10, dataHeaderOffset + AR_SIZE_OFFSET);
      const pad = arPadding(counter.bytes);
      if (pad.length > 0) await handle.write(pad, 0, pad.length, dataHeaderOffset + AR_HEADER_LENGTH + counter.bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    options.signal?.throwIfAborted();
    const sha256 = await hashFile(temporary);
    const { size } = await fs.stat(temporary);
    await fs.rename(temporary, destination);
    return { path: destination, size, sha256 };
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
