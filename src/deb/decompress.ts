import { Readable, pipeline } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { loadLzmaNative } from '../write/compress/lzma-native.js';
import { DebFormatError } from '../debian/format-error.js';

/**
 * How far a compressed member may expand. A decompression bomb (a few hundred KiB of xz that
 * expand to gigabytes of zeros) is stopped once its output passes `ratio` times its input (after a
 * first `graceBytes`, which lets small members such as a control.tar of zero padding through),
 * or `maxBytes` in all.
 */
export interface ExpansionLimits {
  ratio: number;
  graceBytes: number;
  maxBytes: number;
}

/** xz needs its dictionary in memory: dpkg-deb's highest preset (-9) uses 64 MiB. */
const XZ_MEMORY_LIMIT = 80 * 1024 * 1024;

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';

/** The compression of a member named `control.tar[.ext]` or `data.tar[.ext]`, or undefined for another name. */
export function memberCompression(name: string, base: 'control.tar' | 'data.tar'): Compression | undefined {
  if (!name.startsWith(base)) return undefined;
  const suffix = name.slice(base.length);
  if (suffix === '') return 'none';
  if (suffix === '.gz') return 'gzip';
  if (suffix === '.xz') return 'xz';
  if (suffix === '.zst') return 'zstd';
  throw new DebFormatError(`ar member ${name}: unsupported compression (debforge reads ${base}, ${base}.gz, ${base}.xz and ${base}.zst)`);
}

/** Most compressed bytes handed to the xz decoder at once: xz expands at most ~7000-fold, so one step yields at most ~28 MiB. */
const XZ_STEP = 4 * 1024;

type Lzma = Awaited<ReturnType<typeof loadLzmaNative>>;

/**
 * An .xz decoder driven synchronously a step at a time on this thread: each step returns the
 * output of the input it was given (null: the end of the input). lzma-native's own stream pushes
 * all the output of a chunk regardless of the reader (a bomb's chunk becomes gigabytes in memory)
 * and pays a thread round trip per 64 KiB; here each step's output is taken, and so paced by the
 * consumer, before the next step.
 */
function xzSteps(lzma: Lzma): { step(data: Uint8Array | null): Buffer[]; close(): void } {
  const decoder = new lzma.Stream();
  decoder.streamDecoder({ memlimit: XZ_MEMORY_LIMIT, flags: lzma.CONCATENATED });
  const output: Buffer[] = [];
  let failure: Error | undefined;
  decoder.bufferHandler = (piece, _processedChunks, error) => {
    if (error) failure ??= error;
    else if (piece) output.push(piece);
  };
  return {
    step(data) {
      decoder.code(data, false);
      if (failure) throw failure;
      return output.splice(0);
    },
    close: () => decoder.resetUnderlying(),
  };
}

/** .xz through liblzma, each step's output yielded before the next step. */
async function* xzDecode(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decoder = xzSteps(await loadLzmaNative());
  try {
    for await (const chunk of input) {
      for (let offset = 0; offset < chunk.length; offset += XZ_STEP) yield* decoder.step(chunk.subarray(offset, offset + XZ_STEP));
    }
    yield* decoder.step(null);
  } finally {
    decoder.close();
  }
}

/** The output of a small .xz member held in memory, step by step, as the stream decodes it. */
function* xzPieces(lzma: Lzma, data: Buffer): Generator<Buffer> {
  const decoder = xzSteps(lzma);
  try {
    for (let offset = 0; offset < data.length; offset += XZ_STEP) yield* decoder.step(data.subarray(offset, offset + XZ_STEP));
    yield* decoder.step(null);
  } finally {
    decoder.close();
  }
}

/**
 * A decoder's pieces joined, or undefined when they pass WHOLE_OUTPUT or the decoder fails (the
 * stream then reads the member and says what is wrong). Stops the decoder at once past the cap.
 */
function joinedUpToCap(pieces: Iterable<Buffer>): Buffer | undefined {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for (const piece of pieces) {
      length += piece.length;
      if (length > WHOLE_OUTPUT) return undefined;
      parts.push(piece);
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(parts, length);
}

/** gzip through zlib's stream, which holds back when its reader does. */
async function* gzipStream(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // 256 KiB output chunks rather than zlib's 16 KiB: eight times fewer steps through the reader.
  const decoder = createGunzip({ chunkSize: 256 * 1024 });
  const source = Readable.from(input, { objectMode: false });
  let failure: Error | undefined;
  const output = pipeline(source, decoder, (error) => {
    if (error) failure = error;
  });
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    throw failure ?? error;
  } finally {
    if (!source.destroyed) source.destroy();
    if (!decoder.destroyed) decoder.destroy();
  }
  if (failure) throw failure;
}

/**
 * A gzip member of at most WHOLE_INPUT bytes that expands to at most WHOLE_OUTPUT is inflated in
 * one call on this thread: no stream and no thread pool round trip per chunk, which is most of
 * the cost of a tiny package. Anything else (larger, corrupt) goes through the stream, which
 * reports it as it always does.
 */
const WHOLE_INPUT = 1024 * 1024;
const WHOLE_OUTPUT = 16 * 1024 * 1024;

/** A gzip member (of at most WHOLE_INPUT bytes) inflated in one call on this thread, if it is sound; undefined otherwise (the stream then reads it and says what is wrong). */
function gunzipWhole(data: Buffer): Buffer | undefined {
  try {
    return gunzipSync(data, { maxOutputLength: WHOLE_OUTPUT });
  } catch {
    return undefined;
  }
}

async function* gzipDecode(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let heldBytes = 0;
  let next = await iterator.next();
  while (next.done !== true && heldBytes + next.value.length <= WHOLE_INPUT) {
    held.push(next.value);
    heldBytes += next.value.length;
    next = await iterator.next();
  }
  if (next.done === true) {
    const output = gunzipWhole(held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes));
    if (output !== undefined) {
      if (output.length > 0) yield output;
      return;
    }
  }
  const pending = next;
  async function* rest(): AsyncGenerator<Buffer> {
    yield* held;
    if (pending.done === true) return;
    yield pending.value;
    for (let more = await iterator.next(); more.done !== true; more = await iterator.next()) yield more.value;
  }
  yield* gzipStream(rest());
}

/** Decompressed chunks, pulled: the decoder runs only as fast as the consumer reads. */
async function* decode(compression: Exclude<Compression, 'none'>, input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (compression === 'gzip') yield* gzipDecode(input);
  else if (compression === 'xz') yield* xzDecode(input);
  else {
    // Loaded only for .zst members.
    const { zstdDecompress } = await import('./zstd.js');
    yield* zstdDecompress(input);
  }
}

function decoderMessage(compression: Compression, error: Error): string {
  const message = error.message.split('\n')[0]!;
  if (compression === 'xz' && /memlimit|memory usage limit/i.test(message)) {
    return `needs more than ${XZ_MEMORY_LIMIT / 1048576} MiB of memory to decompress (a dictionary larger than dpkg-deb ever uses)`;
  }
  return `corrupt ${compression} data (${message})`;
}

/**
 * The decompressed bytes of a member, streamed: memory stays bounded by the decoder's state and a
 * chunk, whatever the member's size. Errors (corrupt data, a limit passed) are DebFormatErrors
 * naming the member.
 */
export async function* decompressed(member: string, compression: Compression, input: AsyncIterable<Buffer>, limits: ExpansionLimits): AsyncGenerator<Buffer> {
  if (compression === 'none') {
    yield* input;
    return;
  }
  let consumed = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      consumed += chunk.length;
      yield chunk;
    }
  }
  let produced = 0;
  try {
    for await (const chunk of decode(compression, counted())) {
      produced += chunk.length;
      checkExpansion(member, produced, consumed, limits);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof DebFormatError) throw error.message.startsWith(member) ? error : new DebFormatError(`${member}: ${error.message}`);
    throw new DebFormatError(`${member}: ${decoderMessage(compression, error as Error)}`);
  }
}

/** Refuses a member whose `produced` bytes, from `consumed` compressed ones, pass the limits. */
function checkExpansion(member: string, produced: number, consumed: number, limits: ExpansionLimits): void {
  if (produced > limits.maxBytes) {
    throw new DebFormatError(`${member} expands past ${limits.maxBytes} bytes, more than debforge reads: refused as a decompression bomb`);
  }
  if (produced > limits.graceBytes && produced > limits.ratio * consumed) {
    throw new DebFormatError(`${member} expands more than ${limits.ratio} times (${produced} bytes from ${consumed}): refused as a decompression bomb`);
  }
}

/** The decoders an in-memory reading needs loaded beforehand (each is loaded on first use): lzma-native for xz, the zstd module for zstd. */
export interface LoadedDecoders {
  lzma?: Lzma;
  zstdPieces?: (data: Buffer) => Iterable<Buffer>;
}

/** The decoders for members with these compressions, loaded. */
export async function loadDecoders(compressions: ReadonlySet<Compression>): Promise<LoadedDecoders> {
  return {
    ...(compressions.has('xz') ? { lzma: await loadLzmaNative() } : {}),
    ...(compressions.has('zstd') ? { zstdPieces: (await import('./zstd.js')).zstdPieces } : {}),
  };
}

/**
 * A small member held in memory, decompressed in one call: what `decompressed` yields for it, in
 * one piece. Undefined where that takes the stream (a large or corrupt member, or one whose
 * decoder is not in `decoders`): the streaming reader then reads it and gives the reason for any
 * refusal.
 */
export function decompressedInMemory(member: string, compression: Compression, data: Buffer, limits: ExpansionLimits, decoders: LoadedDecoders = {}): Buffer | undefined {
  if (compression === 'none') return data;
  if (data.length > WHOLE_INPUT) return undefined;
  let output: Buffer | undefined;
  if (compression === 'gzip') output = gunzipWhole(data);
  else if (compression === 'xz') output = decoders.lzma === undefined ? undefined : joinedUpToCap(xzPieces(decoders.lzma, data));
  else output = decoders.zstdPieces === undefined ? undefined : joinedUpToCap(decoders.zstdPieces(data));
  if (output !== undefined) checkExpansion(member, output.length, data.length, limits);
  return output;
}
