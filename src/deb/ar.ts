import { AR_HEADER_LENGTH, AR_MAGIC, decodeArHeader, type ArMemberHeader } from '../debian/ar.js';
import { DebFormatError } from '../debian/format-error.js';
import type { ByteReader } from './bytes.js';

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

/** The members of an ar archive held whole in memory, each with its data: the same reading as arMembers, synchronously. */
export function* arMembersInMemory(bytes: Buffer): Generator<{ header: ArMemberHeader; data: Buffer }> {
  if (bytes.length < AR_MAGIC.length || !bytes.subarray(0, AR_MAGIC.length).equals(AR_MAGIC)) throw new DebFormatError('not an ar archive (no "!<arch>" signature): is this a .deb?');
  for (let offset = AR_MAGIC.length; offset < bytes.length; ) {
    if (bytes.length - offset < AR_HEADER_LENGTH) throw new DebFormatError(`ar member header at byte ${offset} is truncated`);
    const member = decodeArHeader(bytes.subarray(offset, offset + AR_HEADER_LENGTH), offset, bytes.length);
    const start = offset + AR_HEADER_LENGTH;
    offset = start + member.size + (member.size % 2);
    if (offset > bytes.length) throw new DebFormatError(`padding of ar member ${member.name} is truncated`);
    yield { header: member, data: bytes.subarray(start, start + member.size) };
  }
}
