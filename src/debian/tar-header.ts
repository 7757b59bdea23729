/**
 * The tar header block, both ways: encoding for the writer (GNU format, as dpkg-deb writes) and
 * strict decoding for the reader. Pure functions on 512-byte blocks, no I/O.
 */
import { DebFormatError } from './format-error.js';

export const TAR_BLOCK = 512;
export const TAR_NAME_LENGTH = 100;

/** Entry types by typeflag: what dpkg unpacks, plus the GNU and PAX records that carry long names. */
const TAR_TYPES = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  L: 'gnu-long-name',
  K: 'gnu-long-link-name',
  x: 'pax-header',
  g: 'pax-global-header',
} as const;

export type TarType = (typeof TAR_TYPES)[keyof typeof TAR_TYPES];

interface TarHeaderFields {
  name: Buffer;
  mode: number;
  uid?: number;
  gid?: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname?: Buffer;
  uname?: string;
  gname?: string;
}

interface TarHeader {
  /** Raw bytes of the name (prefix joined for ustar); the reader decodes them. */
  name: Buffer;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: Buffer;
  uname: string;
  gname: string;
}

function writeNumber(buffer: Buffer, value: number, offset: number, length: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) {
    // Values that do not fit the octal digits (sizes of 8 GiB and more): GNU base-256 encoding,
    // high bit set, big-endian binary.
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

/**
 * The header's checksum: the sum of its bytes, the checksum field counted as eight spaces.
 * `signed` is the sum old tars wrote, which counted bytes of 0x80 and more as signed chars.
 */
function headerChecksum(header: Buffer, signed = false): number {
  let sum = 8 * 0x20;
  let high = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    if (i === 148) i = 156;
    const byte = header[i]!;
    sum += byte;
    if (byte >= 0x80) high++;
  }
  return signed ? sum - 256 * high : sum;
}

/** One GNU-format header block (ustar layout, GNU magic), names cut at 100 bytes: the caller adds long-name records. */
export function encodeTarHeader(fields: TarHeaderFields): Buffer {
  const header = Buffer.alloc(TAR_BLOCK);
  fields.name.copy(header, 0, 0, Math.min(fields.name.length, TAR_NAME_LENGTH));
  writeNumber(header, fields.mode, 100, 8);
  writeNumber(header, fields.uid ?? 0, 108, 8);
  writeNumber(header, fields.gid ?? 0, 116, 8);
  writeNumber(header, fields.size, 124, 12);
  writeNumber(header, fields.mtime, 136, 12);
  header.write(fields.typeflag, 156, 'ascii');
  if (fields.linkname) fields.linkname.copy(header, 157, 0, Math.min(fields.linkname.length, TAR_NAME_LENGTH));
  header.write('ustar  \0', 257, 'ascii'); // GNU magic and version
  header.write(fields.uname ?? 'root', 265, 'ascii');
  header.write(fields.gname ?? 'root', 297, 'ascii');
  header.write(headerChecksum(header).toString(8).padStart(6, '0'), 148, 'ascii');
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

/** Where the NUL-ended field block[start, end) ends: at its first NUL, else at `end`. */
function fieldEnd(block: Buffer, start: number, end: number): number {
  const nul = block.indexOf(0, start);
  return nul < 0 || nul > end ? end : nul;
}

/** The bytes of the NUL-ended field block[start, end). */
function cString(block: Buffer, start: number, end: number): Buffer {
  return block.subarray(start, fieldEnd(block, start, end));
}

/**
 * A numeric field: octal digits (optionally space-padded, ended by NUL or space), or GNU base-256
 * (high bit of the first byte set). Negative values, other characters and values past 2^53 are refused.
 */
export function decodeTarNumber(field: Buffer, what: string): number {
  return numberAt(field, 0, field.length, what);
}

/** decodeTarNumber of the field at block[start, end), read in place: a repository reads tens of thousands of headers. */
function numberAt(block: Buffer, start: number, end: number, what: string): number {
  const first = block[start]!;
  if ((first & 0x80) !== 0) {
    if ((first & 0x40) !== 0) throw new DebFormatError(`negative ${what} (base-256)`);
    let value = BigInt(first & 0x3f);
    for (let i = start + 1; i < end; i++) value = (value << 8n) | BigInt(block[i]!);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DebFormatError(`${what} ${value} is too large`);
    return Number(value);
  }
  // Spaces, octal digits, then spaces and NULs (/^ *([0-7]*)[ \0]*$/), byte by byte.
  let at = start;
  while (at < end && block[at] === 0x20) at++;
  let value = 0;
  const digitsStart = at;
  for (; at < end && block[at]! >= 0x30 && block[at]! <= 0x37; at++) value = value * 8 + (block[at]! - 0x30);
  const digitsEnd = at;
  while (at < end && (block[at] === 0x20 || block[at] === 0x00)) at++;
  if (at !== end) throw new DebFormatError(`${what} field ${JSON.stringify(block.toString('latin1', start, end).replace(/\0+$/, ''))} is not an octal number`);
  if (!Number.isSafeInteger(value)) throw new DebFormatError(`${what} ${block.toString('latin1', digitsStart, digitsEnd)} is too large`);
  return value;
}

/** True for the all-zero block that ends an archive. */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * Decodes and validates one header block: checksum (unsigned, or signed as old tars wrote it),
 * magic (POSIX ustar, GNU, or none for v7), every numeric field, the typeflag. Sizes are checked
 * against the data by the caller, which knows where the archive ends.
 */
export function decodeTarHeader(block: Buffer): TarHeader {
  if (block.length !== TAR_BLOCK) throw new DebFormatError('truncated tar header');
  const stored = numberAt(block, 148, 156, 'checksum');
  const sum = headerChecksum(block);
  // The signed sum only when the usual one does not match: almost every header needs one pass.
  if (stored !== sum && stored !== headerChecksum(block, true)) throw new DebFormatError(`tar header checksum ${stored} does not match its contents (${sum}): not a tar header, or corrupted`);
  const magic = block.toString('latin1', 257, 265);
  const ustar = magic === 'ustar\x0000';
  if (!ustar && magic !== 'ustar  \0' && magic !== '\0\0\0\0\0\0\0\0') throw new DebFormatError(`unknown tar header magic ${JSON.stringify(magic)}`);
  const typeflag = String.fromCharCode(block[156]!);
  if (!Object.hasOwn(TAR_TYPES, typeflag)) throw new DebFormatError(`unsupported tar entry type ${JSON.stringify(typeflag)}`);
  const prefix = ustar ? cString(block, 345, 500) : undefined;
  const base = cString(block, 0, TAR_NAME_LENGTH);
  return {
    name: prefix !== undefined && prefix.length > 0 ? Buffer.concat([prefix, SLASH, base]) : base,
    type: TAR_TYPES[typeflag as keyof typeof TAR_TYPES],
    mode: numberAt(block, 100, 108, 'mode'),
    uid: numberAt(block, 108, 116, 'uid'),
    gid: numberAt(block, 116, 124, 'gid'),
    size: numberAt(block, 124, 136, 'size'),
    mtime: numberAt(block, 136, 148, 'mtime'),
    linkname: cString(block, 157, 257),
    uname: textAt(block, 265, 297),
    gname: textAt(block, 297, 329),
  };
}

const SLASH = Buffer.from('/');

/** The UTF-8 text of the NUL-ended field block[start, end), decoded in place. */
function textAt(block: Buffer, start: number, end: number): string {
  return block.toString('utf8', start, fieldEnd(block, start, end));
}
