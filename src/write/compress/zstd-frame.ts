/**
 * One zstd frame written piece by piece with zstd's streaming API (ZSTD_compressStream2;
 * zstd-wasm.ts): blocks go in, in order, and each call gives the bytes of the frame it let out;
 * the last block ends the frame. The writer holds the compression context (at level 3, a 2 MiB
 * window and its tables), so its memory does not grow with the frame. Used by a zstd thread
 * (zstd-worker.ts), and on the calling thread for a member that fits in one block (zstd.ts).
 */
import { loadZstdWasm, type ZstdWasm } from './zstd-wasm.js';

/** zstd's parameter numbers (zstd.h, ZSTD_cParameter) and end directives (ZSTD_EndDirective). */
const C_COMPRESSION_LEVEL = 100;
const C_CHECKSUM_FLAG = 201;
const E_CONTINUE = 0;
const E_END = 2;
/** The module's output buffer: what one call may let out before it is copied out. */
const OUT_CAPACITY = 256 * 1024;

function allocate(zstd: ZstdWasm, size: number): number {
  const pointer = zstd.malloc(size);
  if (pointer === 0) throw new Error(`zstd: out of memory for ${size} bytes`);
  return pointer;
}

export class ZstdFrameWriter {
  private readonly zstd: ZstdWasm;
  private readonly context: number;
  private readonly output: number;
  /** Two 32-bit positions: the output's, then the input's. */
  private readonly positions: number;
  private input = 0;
  private inputCapacity = 0;

  /** A frame at `level`, with an XXH64 checksum as dpkg-deb writes it. */
  constructor(level: number) {
    this.zstd = loadZstdWasm();
    this.context = this.zstd.ZSTD_createCStream();
    if (this.context === 0) throw new Error('zstd: could not create a compression context');
    this.output = allocate(this.zstd, OUT_CAPACITY);
    this.positions = allocate(this.zstd, 8);
    this.check(this.zstd.ZSTD_CCtx_setParameter(this.context, C_COMPRESSION_LEVEL, level), 'zstd level');
    this.check(this.zstd.ZSTD_CCtx_setParameter(this.context, C_CHECKSUM_FLAG, 1), 'zstd checksum');
  }

  /** Feeds `block` (the frame's last with `last`); writes what comes out into `into`, returns its length. */
  write(block: Uint8Array, last: boolean, into: Uint8Array): number {
    const { zstd, context, output, positions } = this;
    if (this.inputCapacity < block.length) {
      if (this.input !== 0) zstd.free(this.input);
      this.input = allocate(zstd, block.length);
      this.inputCapacity = block.length;
    }
    new Uint8Array(zstd.memory.buffer).set(block, this.input);
    const slot = positions >>> 2;
    new Uint32Array(zstd.memory.buffer)[slot + 1] = 0;
    let written = 0;
    for (;;) {
      new Uint32Array(zstd.memory.buffer)[slot] = 0;
      const hint = this.check(zstd.ZSTD_compressStream2_simpleArgs(context, output, OUT_CAPACITY, positions, this.input, block.length, positions + 4, last ? E_END : E_CONTINUE), 'zstd');
      // The module's memory may have grown (a new buffer): views are made after each call.
      const [produced, consumed] = new Uint32Array(zstd.memory.buffer, positions, 2) as unknown as [number, number];
      if (written + produced > into.length) throw new Error(`zstd output of a block exceeds its room of ${into.length} bytes`);
      into.set(new Uint8Array(zstd.memory.buffer, output, produced), written);
      written += produced;
      // Done when the block is in and nothing is left to let out (at the end: the frame is closed).
      if (last ? hint === 0 : consumed === block.length && produced < OUT_CAPACITY) break;
    }
    return written;
  }

  /** Frees the context and buffers (the module's memory is kept for the next frame). */
  close(): void {
    this.zstd.ZSTD_freeCStream(this.context);
    for (const pointer of [this.input, this.output, this.positions]) if (pointer !== 0) this.zstd.free(pointer);
  }

  private check(code: number, what: string): number {
    if (this.zstd.ZSTD_isError(code) === 0) return code;
    const bytes = new Uint8Array(this.zstd.memory.buffer);
    const start = this.zstd.ZSTD_getErrorName(code);
    let end = start;
    while (bytes[end] !== 0 && end < start + 200) end++;
    throw new Error(`${what}: ${Buffer.from(bytes.subarray(start, end)).toString('latin1')}`);
  }
}
