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

/**
 * Reads a tar archive entry by entry. Between two entries the caller may read the current entry's
 * data with `readBody` (or not: what it leaves is skipped). Every header is validated; an archive
 * that ends before its end-of-archive block, or a record dpkg would not unpack, is a DebFormatError.
 * `what` names the archive in messages (`data.tar.xz`).
 */
export class TarReader {
  private readonly reader: ByteReader;
  private bodyEnd = 0;
  private bodyLeft = 0;

  constructor(
    chunks: AsyncIterable<Buffer>,
    private readonly what: string,
  ) {
    this.reader = new ByteReader(chunks[Symbol.asyncIterator]());
  }

  /** The header block at the reader's position, decoded; undefined for the end-of-archive block. */
  private decodeHeader(block: Buffer, offset: number): ReturnType<typeof decodeTarHeader> | undefined {
    if (isZeroBlock(block)) return undefined;
    try {
      return decodeTarHeader(block);
    } catch (error) {
      throw new DebFormatError(`${this.what}: header at byte ${offset}: ${(error as Error).message}`);
    }
  }

  private async longName(size: number, what: string): Promise<Buffer> {
    if (size > MAX_LONG_NAME) throw new DebFormatError(`${this.what}: ${what} record of ${size} bytes, more than ${MAX_LONG_NAME}`);
    const data = await this.reader.read(size, `${this.what}: ${what} record`);
    await this.reader.skip(padded(size) - size, `${this.what}: padding`);
    const end = data.indexOf(0);
    return end < 0 ? data : data.subarray(0, end);
  }

  /** The next entry, or undefined at the end of the archive (the rest of the data is read and dropped). */
  async next(): Promise<TarEntry | undefined> {
    const bodyRest = this.bodyEnd - this.reader.position;
    if (!this.reader.skipHeld(bodyRest)) await this.reader.skip(bodyRest, `${this.what}: data of an entry`);
    let longName: Buffer | undefined;
    let longLink: Buffer | undefined;
    for (;;) {
      const offset = this.reader.position;
      const header = this.decodeHeader(this.reader.held(TAR_BLOCK) ?? (await this.reader.read(TAR_BLOCK, `${this.what}: header at byte ${offset}`)), offset);
      if (header === undefined) {
        // After the end-of-archive block comes padding to a record: read, not interpreted.
        await this.reader.drain();
        return undefined;
      }
      const where = `${this.what}: entry at byte ${offset}`;
      if (header.type === 'gnu-long-name') {
        longName = await this.longName(header.size, 'GNU long name');
        continue;
      }
      if (header.type === 'gnu-long-link-name') {
        longLink = await this.longName(header.size, 'GNU long link name');
        continue;
      }
      if (header.type === 'pax-header' || header.type === 'pax-global-header') {
        throw new DebFormatError(`${where}: a PAX extended header, which dpkg does not unpack`);
      }
      const name = utf8.decode(longName ?? header.name);
      if (name === '') throw new DebFormatError(`${where}: an entry with an empty name`);
      if (header.type !== 'file' && header.size !== 0) {
        throw new DebFormatError(`${where}: ${JSON.stringify(name)} is a ${header.type} with a size of ${header.size}: only regular files carry data`);
      }
      const linkBytes = longLink ?? header.linkname;
      if ((header.type === 'symlink' || header.type === 'link') !== linkBytes.length > 0) {
        throw new DebFormatError(`${where}: ${JSON.stringify(name)} is a ${header.type} ${linkBytes.length > 0 ? 'with' : 'without'} a link target`);
      }
      this.bodyLeft = header.size;
      this.bodyEnd = this.reader.position + padded(header.size);
      return {
        name,
        type: header.type,
        mode: header.mode,
        size: header.size,
        uid: header.uid,
        gid: header.gid,
        uname: header.uname,
        gname: header.gname,
        mtime: header.mtime,
        ...(linkBytes.length > 0 ? { linkname: utf8.decode(linkBytes) } : {}),
      };
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
