import { Decompress } from 'fzstd';
import { DebFormatError } from '../debian/format-error.js';

/**
 * zstd decompression for .zst members (Ubuntu's default), streamed with bounded memory.
 *
 * fzstd decodes; this module cuts its input into the format's own units (frame header, one block,
 * checksum) and hands it one unit at a time, so each step yields at most one block (128 KiB) and
 * the consumer's pace limits the rest. It also checks each frame header before fzstd sees it:
 * fzstd allocates the frame's window up front, so a hostile window size must never reach it.
 */

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK = 128 * 1024;
/** Largest window accepted: zstd -19 uses 8 MiB; --ultra -22 and --long use up to 128 MiB. */
const ZSTD_WINDOW_LIMIT = 128 * 1024 * 1024;

type State = 'magic' | 'descriptor' | 'header' | 'block' | 'blockData' | 'checksum' | 'skippableSize' | 'skip';

class FrameCutter {
  private state: State = 'magic';
  private held: Buffer[] = [];
  private heldLength = 0;
  private need = 4;
  private descriptor = 0;
  private window = 0;
  private lastBlock = false;
  private units: Buffer[] = [];

  /** Complete units of `chunk` (with what earlier chunks left), for the decoder; skippable frames dropped. */
  cut(chunk: Buffer): Buffer[] {
    this.units = [];
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.need - this.heldLength, chunk.length - offset);
      if (this.state !== 'skip') this.held.push(chunk.subarray(offset, offset + take));
      this.heldLength += take;
      offset += take;
      if (this.heldLength === this.need) this.complete();
    }
    return this.units;
  }

  /** Throws unless the data ended between two frames. */
  finish(): void {
    if (this.state !== 'magic' || this.heldLength !== 0) throw new DebFormatError('truncated zstd data');
  }

  private expect(state: State, need: number): void {
    this.state = state;
    this.need = need;
  }

  private complete(): void {
    const unit = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    const state = this.state;
    this.held = [];
    this.heldLength = 0;
    if (state === 'skip') return this.expect('magic', 4);
    if (state === 'skippableSize') {
      const size = unit.readUInt32LE(0);
      if (size === 0) return this.expect('magic', 4);
      return this.expect('skip', size);
    }
    if (state === 'magic') {
      const magic = unit.readUInt32LE(0);
      if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) return this.expect('skippableSize', 4);
      if (magic !== ZSTD_MAGIC) throw new DebFormatError('not zstd data (bad frame magic)');
      this.units.push(unit);
      return this.expect('descriptor', 1);
    }
    this.units.push(unit);
    if (state === 'descriptor') {
      this.descriptor = unit[0]!;
      if ((this.descriptor & 0x08) !== 0) throw new DebFormatError('zstd frame header has its reserved bit set');
      if ((this.descriptor & 0x03) !== 0) throw new DebFormatError('zstd frame needs a dictionary, which a .deb cannot carry');
      const singleSegment = (this.descriptor & 0x20) !== 0;
      const sizeFlag = this.descriptor >> 6;
      const contentSizeBytes = sizeFlag === 0 ? (singleSegment ? 1 : 0) : 1 << sizeFlag;
      return this.expect('header', (singleSegment ? 0 : 1) + contentSizeBytes);
    }
    if (state === 'header') {
      const singleSegment = (this.descriptor & 0x20) !== 0;
      if (singleSegment) {
        const bytes = unit.length;
        let size = 0;
        for (let i = bytes - 1; i >= 0; i--) size = size * 256 + unit[i]!;
        this.window = size + (bytes === 2 ? 256 : 0);
      } else {
        const exponent = unit[0]! >> 3;
        const base = 2 ** (10 + exponent);
        this.window = base + (base / 8) * (unit[0]! & 7);
      }
      if (this.window > ZSTD_WINDOW_LIMIT) {
        throw new DebFormatError(`zstd frame needs a ${this.window}-byte window, more than the ${ZSTD_WINDOW_LIMIT} debforge allows`);
      }
      return this.expect('block', 3);
    }
    if (state === 'block') {
      const header = unit[0]! | (unit[1]! << 8) | (unit[2]! << 16);
      this.lastBlock = (header & 1) !== 0;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new DebFormatError('zstd block of the reserved type');
      if (size > Math.min(Math.max(this.window, 1), MAX_BLOCK)) throw new DebFormatError(`zstd block of ${size} bytes, larger than its frame allows`);
      const payload = type === 1 ? 1 : size;
      if (payload > 0) return this.expect('blockData', payload);
      return this.afterBlock();
    }
    if (state === 'blockData') return this.afterBlock();
    if (state === 'checksum') return this.expect('magic', 4);
  }

  private afterBlock(): void {
    if (!this.lastBlock) return this.expect('block', 3);
    if ((this.descriptor & 0x04) !== 0) return this.expect('checksum', 4);
    return this.expect('magic', 4);
  }
}

/**
 * A zstd decoder fed one unit at a time on this thread: `cut` splits input into units (checking
 * each frame header first), `decode` gives the output of one unit (at most a block).
 */
function zstdUnits(): { cut(chunk: Buffer): Buffer[]; decode(unit: Uint8Array, final: boolean): Buffer[]; finish(): Buffer[] } {
  const cutter = new FrameCutter();
  const output: Buffer[] = [];
  const decoder = new Decompress((data) => {
    output.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  const decode = (unit: Uint8Array, final: boolean): Buffer[] => {
    try {
      decoder.push(unit, final);
    } catch (error) {
      throw new DebFormatError(`corrupt zstd data (${(error as Error).message})`);
    }
    return output.splice(0);
  };
  return {
    cut: (chunk) => cutter.cut(chunk),
    decode,
    finish: () => {
      cutter.finish();
      return decode(new Uint8Array(0), true);
    },
  };
}

/** Decompresses zstd data pulled from `input`, one block at a time. */
export async function* zstdDecompress(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decoder = zstdUnits();
  for await (const chunk of input) {
    for (const unit of decoder.cut(chunk)) yield* decoder.decode(unit, false);
  }
  yield* decoder.finish();
}

/** The output of zstd data held in memory, block by block: the pieces the stream would yield for it as one chunk. */
export function* zstdPieces(data: Buffer): Generator<Buffer> {
  const decoder = zstdUnits();
  for (const unit of decoder.cut(data)) yield* decoder.decode(unit, false);
  yield* decoder.finish();
}
