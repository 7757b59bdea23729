import { DebFormatError } from './format-error.js';

/**
 * The ar container of a .deb, as dpkg-deb writes it: `!<arch>\n`, then per member a 60-byte header
 * (name without trailing slash, mtime, uid 0, gid 0, mode 100644, size) and the data, padded to an
 * even length with `\n`. Headers are encoded here for the writer and decoded, with every field
 * checked, for the reader.
 *
 * ar-async cannot set uid 0 or a fixed mtime (it copies them from the files it archives), so it
 * cannot write a reproducible .deb; it reads our archives back in the tests as a cross-check.
 */

export const AR_MAGIC = Buffer.from('!<arch>\n', 'ascii');
export const AR_HEADER_LENGTH = 60;
/** Byte offset of the 10-character size field inside a member header. */
export const AR_SIZE_OFFSET = 48;

function field(value: string, width: number): string {
  if (value.length > width) throw new Error(`ar header field "${value}" is longer than ${width}`);
  return value.padEnd(width, ' ');
}

export function arMemberHeader(name: string, size: number, mtime: number): Buffer {
  const header =
    field(name, 16) + field(String(mtime), 12) + field('0', 6) + field('0', 6) + field('100644', 8) + field(String(size), 10) + '`\n';
  return Buffer.from(header, 'ascii');
}

/** The size field as written into a member header, for patching once a streamed member's size is known. */
export function arSizeField(size: number): Buffer {
  return Buffer.from(field(String(size), 10), 'ascii');
}

export function arPadding(size: number): Buffer {
  return size % 2 === 1 ? Buffer.from('\n', 'ascii') : Buffer.alloc(0);
}

export function arMember(name: string, data: Buffer, mtime: number): Buffer {
  return Buffer.concat([arMemberHeader(name, data.length, mtime), data, arPadding(data.length)]);
}

export interface ArMemberHeader {
  name: string;
  mtime: number;
  uid: number;
  gid: number;
  mode: number;
  size: number;
  /** Byte offset of the member's header in the archive. */
  offset: number;
}

/** Member names as dpkg-deb writes and reads them: one path component, no `..`. */
const MEMBER_NAME = /^[A-Za-z0-9_+.-]+$/;

function decimalField(header: string, start: number, length: number, what: string, offset: number, radix: 8 | 10 = 10): number {
  const text = header.slice(start, start + length);
  const digits = radix === 8 ? /^([0-7]*) *$/.exec(text) : /^([0-9]*) *$/.exec(text);
  if (digits === null) throw new DebFormatError(`ar member header at byte ${offset}: ${what} ${JSON.stringify(text.trimEnd())} is not a ${radix === 8 ? 'non-negative octal' : 'non-negative decimal'} number`);
  return digits[1] === '' ? 0 : Number.parseInt(digits[1]!, radix);
}

/** Decodes and validates one 60-byte member header. */
export function decodeArHeader(block: Buffer, offset: number, fileSize: number): ArMemberHeader {
  const header = block.toString('latin1');
  if (header.slice(58, 60) !== '`\n') throw new DebFormatError(`ar member header at byte ${offset} does not end in the ar magic: not an ar archive, or corrupted`);
  // GNU ar ends names with a slash; dpkg-deb writes none.
  const name = header.slice(0, 16).trimEnd().replace(/\/$/, '');
  if (!MEMBER_NAME.test(name) || name === '.' || name === '..') throw new DebFormatError(`ar member at byte ${offset} has an invalid name ${JSON.stringify(header.slice(0, 16).trimEnd())}`);
  if (!/^[0-9]+ *$/.test(header.slice(48, 58))) throw new DebFormatError(`ar member ${name} at byte ${offset}: size ${JSON.stringify(header.slice(48, 58).trimEnd())} is not a non-negative decimal number`);
  const size = decimalField(header, 48, 10, 'size', offset);
  const start = offset + AR_HEADER_LENGTH;
  if (size > fileSize - start) throw new DebFormatError(`ar member ${name} at byte ${offset} claims ${size} bytes, past the end of the ${fileSize}-byte file`);
  return {
    name,
    mtime: decimalField(header, 16, 12, 'mtime', offset),
    uid: decimalField(header, 28, 6, 'uid', offset),
    gid: decimalField(header, 34, 6, 'gid', offset),
    mode: decimalField(header, 40, 8, 'mode', offset, 8),
    size,
    offset,
  };
}
