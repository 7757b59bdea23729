import { createHash, type Hash } from 'node:crypto';
import { TAR_BLOCK, TAR_NAME_LENGTH, encodeTarHeader } from '../debian/tar-header.js';
import { openRegularFile, readRegularFileSync } from '../hash-file.js';
import type { ArchiveEntry } from '../layout/types.js';

/**
 * A GNU-format tar writer, as dpkg-deb's own archives are: ustar header layout with the GNU magic,
 * names over 100 bytes carried by a `././@LongLink` record (type L, or K for link targets), raw
 * UTF-8 bytes for non-ASCII names. Never PAX: dpkg refuses PAX headers.
 * The header block itself is encoded by src/debian/tar-header.ts, the codec the reader decodes with.
 */

const BLOCK = TAR_BLOCK;
/** GNU tar pads archives to a record of 20 blocks; dpkg-deb's data.tar is padded the same way. */
const RECORD = 20 * BLOCK;
const NAME_LENGTH = TAR_NAME_LENGTH;
const LONG_LINK_NAME = '././@LongLink';

const TYPE_FLAG = { file: '0', symlink: '2', directory: '5', longName: 'L', longLink: 'K' } as const;

function padding(size: number): Buffer {
  const remainder = size % BLOCK;
  return remainder === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - remainder);
}

/** The GNU long-name record that precedes a header whose name or link target exceeds 100 bytes. */
function longNameRecord(value: Buffer, typeflag: string): Buffer {
  const data = Buffer.concat([value, Buffer.from([0])]);
  const header = encodeTarHeader({ name: Buffer.from(LONG_LINK_NAME), mode: 0, size: data.length, mtime: 0, typeflag });
  return Buffer.concat([header, data, padding(data.length)]);
}

/** The header block(s) for one entry, long-name records included. */
function entryHeader(entry: ArchiveEntry): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  const linkname = entry.linkTarget === undefined ? undefined : Buffer.from(entry.linkTarget, 'utf8');
  const parts: Buffer[] = [];
  if (linkname && linkname.length > NAME_LENGTH) parts.push(longNameRecord(linkname, TYPE_FLAG.longLink));
  if (name.length > NAME_LENGTH) parts.push(longNameRecord(name, TYPE_FLAG.longName));
  parts.push(
    encodeTarHeader({
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

class ChangedDuringBuildError extends Error {}

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
      checkSize(entry, length);
    } else {
      // The md5 of exactly the bytes put into the archive, to hold against the one in md5sums.
      const hash = entry.md5 === undefined ? undefined : createHash('md5');
      const handle = await openRegularFile(content.absolutePath);
      try {
        for (;;) {
          // A fresh buffer per read (the consumer may hold on to each chunk it is given), no bigger
          // than what is left plus one byte, which tells a file that grew.
          const chunk = Buffer.allocUnsafe(Math.min(READ_BYTES, entry.size - length + 1));
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
          if (bytesRead === 0) break;
          length += bytesRead;
          if (length > entry.size) break;
          const data = chunk.subarray(0, bytesRead);
          hash?.update(data);
          yield data;
        }
      } finally {
        await handle.close();
      }
      checkSize(entry, length);
      checkMd5(entry, hash);
    }
    const pad = padding(length);
    written += length + pad.length;
    if (pad.length > 0) yield pad;
  }
  yield archiveEnd(written);
}

/** How many bytes tarStream() yields for `entries` (as long as no file changes meanwhile). */
export function tarSize(entries: readonly ArchiveEntry[]): number {
  let written = 0;
  for (const entry of entries) {
    written += entryHeader(entry).length;
    if (entry.type === 'file') written += entry.size + padding(entry.size).length;
  }
  return written + archiveEnd(written).length;
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
    const data = content.kind === 'buffer' ? content.data : readRegularFileSync(content.absolutePath);
    checkSize(entry, data.length);
    if (content.kind === 'file' && entry.md5 !== undefined) checkMd5(entry, createHash('md5').update(data));
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

/** Payload files are read in chunks of this size while they stream into the archive. */
const READ_BYTES = 256 * 1024;

function checkMd5(entry: ArchiveEntry, hash: Hash | undefined): void {
  if (hash === undefined || entry.md5 === undefined) return;
  const written = hash.digest('hex');
  if (written === entry.md5) return;
  const content = entry.content!;
  const source = content.kind === 'file' ? content.absolutePath : entry.name;
  throw new ChangedDuringBuildError(`${source} changed during the build: its content no longer has the md5 it had when md5sums was written; build again once nothing writes to it`);
}

/** The two zero blocks that end an archive, and the padding to a whole record. */
function archiveEnd(written: number): Buffer {
  const end = 2 * BLOCK;
  return Buffer.alloc(end + ((RECORD - ((written + end) % RECORD)) % RECORD));
}
