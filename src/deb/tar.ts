import { ByteReader } from './bytes.js';
import { DebFormatError } from '../debian/format-error.js';
import { TAR_BLOCK, decodeTarHeader, isZeroBlock, type TarType } from '../debian/tar-header.js';

/** One entry of a tar archive, as its headers (long-name records applied) describe it. */
export interface TarEntry {
  name: string;
  type: Exclude<TarType, 'gnu-long-name' | 'gnu-long-link-name' | 'pax-header' | 'pax-global-header'>;
  mode: number;
  size: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  linkname?: string;
}

/** Longest name a GNU long-name record may carry: far beyond PATH_MAX, far below a memory problem. */
const MAX_LONG_NAME = 64 * 1024;

const utf8 = new TextDecoder('utf-8');

function padded(size: number): number {
  return Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

/** What a header asks of whoever reads the archive. */
type TarStep =
  | { kind: 'end' }
  /** A GNU long-name record: `size` bytes (then padding to a block) to hand to `record`. */
  | { kind: 'record'; size: number; label: string }
  | { kind: 'entry'; entry: TarEntry };

const END: TarStep = { kind: 'end' };

/**
 * The rules of a tar archive's headers, without I/O: each header block is validated, long-name
 * records are applied to the entry that follows them, and records dpkg would not unpack are
 * refused. The streaming reader and the in-memory reader below both drive this one set of rules,
 * so a package is accepted or refused the same way whichever way it is read.
 */
class TarHeaders {
  private longName: Buffer | undefined;
  private longLink: Buffer | undefined;
  private recordFor: 'name' | 'link' = 'name';

  constructor(private readonly what: string) {}

  /** The header block found at byte `offset`. */
  header(block: Buffer, offset: number): TarStep {
    if (isZeroBlock(block)) return END;
    let header: ReturnType<typeof decodeTarHeader>;
    try {
      header = decodeTarHeader(block);
    } catch (error) {
      throw new DebFormatError(`${this.what}: header at byte ${offset}: ${(error as Error).message}`);
    }
    if (header.type === 'gnu-long-name' || header.type === 'gnu-long-link-name') {
      const label = header.type === 'gnu-long-name' ? 'GNU long name' : 'GNU long link name';
      if (header.size > MAX_LONG_NAME) throw new DebFormatError(`${this.what}: ${label} record of ${header.size} bytes, more than ${MAX_LONG_NAME}`);
      this.recordFor = header.type === 'gnu-long-name' ? 'name' : 'link';
      return { kind: 'record', size: header.size, label };
    }
    const where = `${this.what}: entry at byte ${offset}`;
    if (header.type === 'pax-header' || header.type === 'pax-global-header') {
      throw new DebFormatError(`${where}: a PAX extended header, which dpkg does not unpack`);
    }
    const name = utf8.decode(this.longName ?? header.name);
    if (name === '') throw new DebFormatError(`${where}: an entry with an empty name`);
    if (header.type !== 'file' && header.size !== 0) {
      throw new DebFormatError(`${where}: ${JSON.stringify(name)} is a ${header.type} with a size of ${header.size}: only regular files carry data`);
    }
    const linkBytes = this.longLink ?? header.linkname;
    if ((header.type === 'symlink' || header.type === 'link') !== linkBytes.length > 0) {
      throw new DebFormatError(`${where}: ${JSON.stringify(name)} is a ${header.type} ${linkBytes.length > 0 ? 'with' : 'without'} a link target`);
    }
    this.longName = undefined;
    this.longLink = undefined;
    const entry: TarEntry = {
      name,
      type: header.type,
      mode: header.mode,
      size: header.size,
      uid: header.uid,
      gid: header.gid,
      uname: header.uname,
      gname: header.gname,
      mtime: header.mtime,
    };
    if (linkBytes.length > 0) entry.linkname = utf8.decode(linkBytes);
    return { kind: 'entry', entry };
  }

  /** The data of the record the last step asked for (NUL-ended). */
  record(data: Buffer): void {
    const end = data.indexOf(0);
    const value = end < 0 ? data : data.subarray(0, end);
    if (this.recordFor === 'name') this.longName = value;
    else this.longLink = value;
  }
}

/**
 * Reads a tar archive entry by entry from a stream. Between two entries the caller may read the
 * current entry's data with `readBody` (or not: what it leaves is skipped). An archive that ends
 * before its end-of-archive block is a DebFormatError. `what` names the archive in messages
 * (`data.tar.xz`).
 */
export class TarReader {
  private readonly reader: ByteReader;
  private readonly headers: TarHeaders;
  private bodyEnd = 0;
  private bodyLeft = 0;

  constructor(
    chunks: AsyncIterable<Buffer>,
    private readonly what: string,
  ) {
    this.reader = new ByteReader(chunks[Symbol.asyncIterator]());
    this.headers = new TarHeaders(what);
  }

  /** The next entry, or undefined at the end of the archive (the rest of the data is read and dropped). */
  async next(): Promise<TarEntry | undefined> {
    const bodyRest = this.bodyEnd - this.reader.position;
    if (!this.reader.skipHeld(bodyRest)) await this.reader.skip(bodyRest, `${this.what}: data of an entry`);
    for (;;) {
      const offset = this.reader.position;
      const step = this.headers.header(this.reader.held(TAR_BLOCK) ?? (await this.reader.read(TAR_BLOCK, `${this.what}: header at byte ${offset}`)), offset);
      if (step.kind === 'end') {
        // After the end-of-archive block comes padding to a record: read, not interpreted.
        await this.reader.drain();
        return undefined;
      }
      if (step.kind === 'record') {
        this.headers.record(await this.reader.read(step.size, `${this.what}: ${step.label} record`));
        await this.reader.skip(padded(step.size) - step.size, `${this.what}: padding`);
        continue;
      }
      this.bodyLeft = step.entry.size;
      this.bodyEnd = this.reader.position + padded(step.entry.size);
      return step.entry;
    }
  }

  /** The current entry's data, whole: only for entries the caller knows are small (`cap` bytes at most). */
  async readBody(cap: number, name: string): Promise<Buffer> {
    if (this.bodyLeft > cap) throw new DebFormatError(`${this.what}: ${name} is ${this.bodyLeft} bytes, more than the ${cap} debforge reads`);
    const data = this.reader.held(this.bodyLeft) ?? (await this.reader.read(this.bodyLeft, `${this.what}: data of ${name}`));
    this.bodyLeft = 0;
    return data;
  }
}

/**
 * The same reading of a tar archive held whole in memory (a small package's decompressed member),
 * synchronously: no stream, no promise per header. Same entries, same refusals.
 */
export class TarInMemory {
  private readonly headers: TarHeaders;
  private position = 0;
  private bodyEnd = 0;
  private bodyLeft = 0;

  constructor(
    private readonly tar: Buffer,
    private readonly what: string,
  ) {
    this.headers = new TarHeaders(what);
  }

  private take(length: number, what: string): Buffer {
    if (length > this.tar.length - this.position) throw new DebFormatError(`${what} is truncated`);
    this.position += length;
    return this.tar.subarray(this.position - length, this.position);
  }

  next(): TarEntry | undefined {
    this.take(this.bodyEnd - this.position, `${this.what}: data of an entry`);
    for (;;) {
      const offset = this.position;
      const step = this.headers.header(this.take(TAR_BLOCK, `${this.what}: header at byte ${offset}`), offset);
      if (step.kind === 'end') return undefined;
      if (step.kind === 'record') {
        this.headers.record(this.take(step.size, `${this.what}: ${step.label} record`));
        this.take(padded(step.size) - step.size, `${this.what}: padding`);
        continue;
      }
      this.bodyLeft = step.entry.size;
      this.bodyEnd = this.position + padded(step.entry.size);
      return step.entry;
    }
  }

  readBody(cap: number, name: string): Buffer {
    if (this.bodyLeft > cap) throw new DebFormatError(`${this.what}: ${name} is ${this.bodyLeft} bytes, more than the ${cap} debforge reads`);
    const data = this.take(this.bodyLeft, `${this.what}: data of ${name}`);
    this.bodyLeft = 0;
    return data;
  }
}
