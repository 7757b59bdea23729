import { createReadStream, readFileSync } from 'node:fs';
import type { ArchiveEntry } from '../layout/types.js';

/**
 * A GNU-format tar writer, as dpkg-deb's own archives are: ustar header layout with the GNU magic,
 * names over 100 bytes carried by a `././@LongLink` record (type L, or K for link targets), raw
 * UTF-8 bytes for non-ASCII names. Never PAX: dpkg refuses PAX headers.
 *
 * tar-stream (3.x) falls back to PAX for long or non-ASCII names and has no GNU long-name writer,
 * so the writer is ours; tar-stream reads our archives back in src/deb as an independent check.
 */

const BLOCK = 512;
/** GNU tar pads archives to a record of 20 blocks; dpkg-deb's data.tar is padded the same way. */
const RECORD = 20 * BLOCK;
const NAME_LENGTH = 100;
const LONG_LINK_NAME = '././@LongLink';

const TYPE_FLAG = { file: '0', symlink: '2', directory: '5', longName: 'L', longLink: 'K' } as const;

interface HeaderFields {
  name: Buffer;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname?: Buffer;
}

function writeOctal(buffer: Buffer, value: number, offset: number, length: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) {
    // Sizes of 8 GiB and more: GNU base-256 encoding (high bit set, big-endian binary).
    let remaining = BigInt(value);
    for (let i = offset + length - 1; i > offset; i--) {
      buffer[i] = Number(remaining & 0xffn);
      remaining >>= 8n;
    }
    buffer[offset] = 0x80;
    return;
  }
  buffer.write(digits.padStart(length - 1, '0'), offset, 'ascii');
  buffer[offset + length - 1] = 0;
}

function encodeHeader(fields: HeaderFields): Buffer {
  const header = Buffer.alloc(BLOCK);
  fields.name.copy(header, 0, 0, Math.min(fields.name.length, NAME_LENGTH));
  writeOctal(header, fields.mode, 100, 8);
  writeOctal(header, 0, 108, 8); // uid root
  writeOctal(header, 0, 116, 8); // gid root
  writeOctal(header, fields.size, 124, 12);
  writeOctal(header, fields.mtime, 136, 12);
  header.write(fields.typeflag, 156, 'ascii');
  if (fields.linkname) fields.linkname.copy(header, 157, 0, Math.min(fields.linkname.length, NAME_LENGTH));
  header.write('ustar  \0', 257, 'ascii'); // GNU magic and version
  header.write('root', 265, 'ascii');
  header.write('root', 297, 'ascii');
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(checksum.toString(8).padStart(6, '0'), 148, 'ascii');
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

function padding(size: number): Buffer {
  const remainder = size % BLOCK;
  return remainder === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - remainder);
}

/** The GNU long-name record that precedes a header whose name or link target exceeds 100 bytes. */
function longNameRecord(value: Buffer, typeflag: string): Buffer {
  const data = Buffer.concat([value, Buffer.from([0])]);
  const header = encodeHeader({ name: Buffer.from(LONG_LINK_NAME), mode: 0, size: data.length, mtime: 0, typeflag });
  return Buffer.concat([header, data, padding(data.length)]);
}

/** The header block(s) for one entry, long-name records included. */
export function entryHeader(entry: ArchiveEntry): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  const linkname = entry.linkTarget === undefined ? undefined : Buffer.from(entry.linkTarget, 'utf8');
  const parts: Buffer[] = [];
  if (linkname && linkname.length > NAME_LENGTH) parts.push(longNameRecord(linkname, TYPE_FLAG.longLink));
  if (name.length > NAME_LENGTH) parts.push(longNameRecord(name, TYPE_FLAG.longName));
  parts.push(
    encodeHeader({
      name,
      mode: entry.mode,
      size: entry.type === 'file' ? entry.size : 0,
      mtime: entry.mtime,
      typeflag: TYPE_FLAG[entry.type],
      ...(linkname ? { linkname } : {}),
    }),
  );
  return Buffer.concat(parts);
}

export class ChangedDuringBuildError extends Error {}

/**
 * Streams a whole tar archive: headers, contents (payload files read in chunks, never whole),
 * padding, the two zero blocks and record padding. Memory stays bounded by the stream's chunk size.
 */
export async function* tarStream(entries: readonly ArchiveEntry[]): AsyncGenerator<Buffer> {
  let written = 0;
  for (const entry of entries) {
    const header = entryHeader(entry);
    written += header.length;
    yield header;
    if (entry.type !== 'file') continue;
    const content = entry.content!;
    let length = 0;
    if (content.kind === 'buffer') {
      length = content.data.length;
      if (length > 0) yield content.data;
    } else {
      for await (const chunk of createReadStream(content.absolutePath, { highWaterMark: 256 * 1024 })) {
        length += (chunk as Buffer).length;
        if (length > entry.size) break;
        yield chunk as Buffer;
      }
    }
    checkSize(entry, length);
    const pad = padding(length);
    written += length + pad.length;
    if (pad.length > 0) yield pad;
  }
  yield archiveEnd(written);
}

/**
 * The bytes tarStream() yields, as one Buffer, payload files read whole and synchronously: for
 * small packages only (src/write decides), where streaming costs more than it saves.
 */
export function tarBuffer(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  let written = 0;
  for (const entry of entries) {
    const header = entryHeader(entry);
    parts.push(header);
    written += header.length;
    if (entry.type !== 'file') continue;
    const content = entry.content!;
    const data = content.kind === 'buffer' ? content.data : readFileSync(content.absolutePath);
    checkSize(entry, data.length);
    const pad = padding(data.length);
    parts.push(data, pad);
    written += data.length + pad.length;
  }
  parts.push(archiveEnd(written));
  return Buffer.concat(parts);
}

function checkSize(entry: ArchiveEntry, length: number): void {
  if (length === entry.size) return;
  const content = entry.content!;
  const source = content.kind === 'file' ? content.absolutePath : entry.name;
  throw new ChangedDuringBuildError(`${source} changed size during the build (${entry.size} -> ${length} bytes): build again`);
}

/** The two zero blocks that end an archive, and the padding to a whole record. */
function archiveEnd(written: number): Buffer {
  const end = 2 * BLOCK;
  return Buffer.alloc(end + ((RECORD - ((written + end) % RECORD)) % RECORD));
}
