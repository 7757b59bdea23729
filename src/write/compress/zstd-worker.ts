/**
 * A zstd thread: compresses ONE stream, block after block in the order ZstdCompressor sends them,
 * into one zstd frame, with zstd's streaming API (ZSTD_compressStream2; zstd-wasm.ts). Each
 * answer carries the frame's bytes that block let out; the last block ends the frame. The thread
 * holds the compression context (at level 3, a 2 MiB window and its tables), so its memory does
 * not grow with the stream.
 */
import { serveBlocks, type BlockRequest } from './block-worker.js';
import { loadZstdWasm, type ZstdWasm } from './zstd-wasm.js';

/** The block at the start of `buffer`, which has room for what it lets out (zstdOutputRoom). */
export interface ZstdRequest extends BlockRequest {
  length: number;
  level: number;
  /** The last block: the frame ends with it. */
  last: boolean;
}

/** zstd's parameter numbers (zstd.h, ZSTD_cParameter) and end directives (ZSTD_EndDirective). */
const C_COMPRESSION_LEVEL = 100;
const C_CHECKSUM_FLAG = 201;
const E_CONTINUE = 0;
const E_END = 2;
/** The module's output buffer: what one call may let out before it is copied to the answer. */
const OUT_CAPACITY = 256 * 1024;

interface Stream {
  zstd: ZstdWasm;
  context: number;
  input: number;
  inputCapacity: number;
  output: number;
  /** Two 32-bit positions: the output's, then the input's. */
  positions: number;
}

let stream: Stream | undefined;

function check(zstd: ZstdWasm, code: number, what: string): number {
  if (zstd.ZSTD_isError(code) === 0) return code;
  const bytes = new Uint8Array(zstd.memory.buffer);
  const start = zstd.ZSTD_getErrorName(code);
  let end = start;
  while (bytes[end] !== 0 && end < start + 200) end++;
  throw new Error(`${what}: ${Buffer.from(bytes.subarray(start, end)).toString('latin1')}`);
}

function allocate(zstd: ZstdWasm, size: number): number {
  const pointer = zstd.malloc(size);
  if (pointer === 0) throw new Error(`zstd: out of memory for ${size} bytes`);
  return pointer;
}

/** The stream of this thread, started with the first block: a context at `level`, with a checksum as dpkg-deb writes it. */
function open(level: number, blockLength: number): Stream {
  if (stream !== undefined && stream.inputCapacity >= blockLength) return stream;
  const zstd = stream?.zstd ?? loadZstdWasm();
  if (stream === undefined) {
    const context = zstd.ZSTD_createCStream();
    if (context === 0) throw new Error('zstd: could not create a compression context');
    check(zstd, zstd.ZSTD_CCtx_setParameter(context, C_COMPRESSION_LEVEL, level), 'zstd level');
    check(zstd, zstd.ZSTD_CCtx_setParameter(context, C_CHECKSUM_FLAG, 1), 'zstd checksum');
    stream = { zstd, context, input: 0, inputCapacity: 0, output: allocate(zstd, OUT_CAPACITY), positions: allocate(zstd, 8) };
  }
  if (stream.input !== 0) zstd.free(stream.input);
  stream.input = allocate(zstd, Math.max(1, blockLength));
  stream.inputCapacity = blockLength;
  return stream;
}

/** Feeds the request's block to the stream; what comes out goes in the block's place. */
function compressInPlace(request: ZstdRequest): number {
  const { zstd, context, input, output, positions } = open(request.level, request.length);
  const answer = new Uint8Array(request.buffer);
  new Uint8Array(zstd.memory.buffer).set(answer.subarray(0, request.length), input);
  const slot = positions >>> 2;
  new Uint32Array(zstd.memory.buffer)[slot + 1] = 0;
  let written = 0;
  for (;;) {
    new Uint32Array(zstd.memory.buffer)[slot] = 0;
    const hint = check(zstd, zstd.ZSTD_compressStream2_simpleArgs(context, output, OUT_CAPACITY, positions, input, request.length, positions + 4, request.last ? E_END : E_CONTINUE), 'zstd');
    // The module's memory may have grown (a new buffer): views are made after each call.
    const [produced, consumed] = new Uint32Array(zstd.memory.buffer, positions, 2) as unknown as [number, number];
    if (written + produced > answer.length) throw new Error(`zstd output of a block exceeds its room of ${answer.length} bytes`);
    answer.set(new Uint8Array(zstd.memory.buffer, output, produced), written);
    written += produced;
    // Done when the input is in and nothing is left to let out (at the end: the frame is closed).
    if (request.last ? hint === 0 : consumed === request.length && produced < OUT_CAPACITY) break;
  }
  if (request.last) close();
  return written;
}

function close(): void {
  if (stream === undefined) return;
  const { zstd } = stream;
  zstd.ZSTD_freeCStream(stream.context);
  for (const pointer of [stream.input, stream.output, stream.positions]) zstd.free(pointer);
  stream = undefined;
}

serveBlocks(compressInPlace);
