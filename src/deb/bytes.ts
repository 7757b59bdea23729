import { DebFormatError } from '../debian/format-error.js';

/**
 * Pulls exact byte counts out of a stream of chunks, holding at most one chunk plus what a caller
 * asked for: headers are read whole, member and entry data pass through in chunks.
 */
export class ByteReader {
  private readonly pending: Buffer[] = [];
  private pendingLength = 0;
  private ended = false;
  /** Bytes handed out or skipped so far. */
  position = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    if (next.value.length > 0) {
      this.pending.push(next.value);
      this.pendingLength += next.value.length;
    }
    return true;
  }

  private take(length: number): Buffer {
    const first = this.pending[0]!;
    let piece: Buffer;
    if (first.length <= length) {
      piece = first;
      this.pending.shift();
    } else {
      piece = first.subarray(0, length);
      this.pending[0] = first.subarray(length);
    }
    this.pendingLength -= piece.length;
    this.position += piece.length;
    return piece;
  }

  /** `length` bytes taken from what is held, which must be at least that much. */
  private collect(length: number): Buffer {
    const first = this.take(length);
    if (first.length === length) return first;
    const parts = [first];
    for (let left = length - first.length; left > 0; left -= parts[parts.length - 1]!.length) parts.push(this.take(left));
    return Buffer.concat(parts, length);
  }

  /**
   * `length` bytes if they are held already, else undefined (nothing taken): a package read in one
   * piece is parsed without waiting on anything, header after header.
   */
  held(length: number): Buffer | undefined {
    return this.pendingLength >= length ? this.collect(length) : undefined;
  }

  /** Drops `length` bytes if they are held already and returns true; else takes nothing and returns false. */
  skipHeld(length: number): boolean {
    if (this.pendingLength < length) return false;
    for (let left = length; left > 0; ) left -= this.take(left).length;
    return true;
  }

  /** Exactly `length` bytes (a header: small), or a DebFormatError naming `what` if the data ends first. */
  async read(length: number, what: string): Promise<Buffer> {
    while (this.pendingLength < length) if (!(await this.fill())) throw new DebFormatError(`${what} is truncated`);
    return this.collect(length);
  }

  /** The next `length` bytes in the chunks they arrive in; a DebFormatError naming `what` if the data ends first. */
  async *chunks(length: number, what: string): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      if (this.pendingLength === 0 && !(await this.fill())) throw new DebFormatError(`${what} is truncated`);
      if (this.pendingLength === 0) continue;
      const piece = this.take(left);
      left -= piece.length;
      yield piece;
    }
  }

  async skip(length: number, what: string): Promise<void> {
    for (let left = length; left > 0; ) {
      if (this.pendingLength === 0 && !(await this.fill())) throw new DebFormatError(`${what} is truncated`);
      if (this.pendingLength > 0) left -= this.take(left).length;
    }
  }

  /** Reads and drops everything left. */
  async drain(): Promise<void> {
    while (!(await this.atEnd())) this.take(this.pendingLength);
  }

  /** True once every byte has been handed out. */
  async atEnd(): Promise<boolean> {
    while (this.pendingLength === 0) if (!(await this.fill())) return true;
    return false;
  }
}
