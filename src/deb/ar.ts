import { AR_HEADER_LENGTH, AR_MAGIC } from '../write/ar.js';
import type { ByteReader } from './bytes.js';
import { DebFormatError } from '../debian/format-error.js';

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
function decodeArHeader(block: Buffer, offset: number, fileSize: number): ArMemberHeader {
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

/**
 * The members of an ar archive, in order. The caller may read a member's data from `reader`
 * (at most `size` bytes) before asking for the next one; what it leaves is skipped.
 */
export async function* arMembers(reader: ByteReader, fileSize: number): AsyncGenerator<ArMemberHeader> {
  const magic = await reader.read(AR_MAGIC.length, 'the ar signature').catch(() => Buffer.alloc(0));
  if (!magic.equals(AR_MAGIC)) throw new DebFormatError('not an ar archive (no "!<arch>" signature): is this a .deb?');
  while (!(await reader.atEnd())) {
    const offset = reader.position;
    const member = decodeArHeader(await reader.read(AR_HEADER_LENGTH, `ar member header at byte ${offset}`), offset, fileSize);
    const end = offset + AR_HEADER_LENGTH + member.size;
    yield member;
    if (reader.position > end) throw new Error(`ar member ${member.name}: read past its end`);
    await reader.skip(end - reader.position, `ar member ${member.name}`);
    if (member.size % 2 === 1) await reader.skip(1, `padding of ar member ${member.name}`);
  }
}
