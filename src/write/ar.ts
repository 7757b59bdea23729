/**
 * The ar container of a .deb, as dpkg-deb writes it: `!<arch>\n`, then per member a 60-byte header
 * (name without trailing slash, mtime, uid 0, gid 0, mode 100644, size) and the data, padded to an
 * even length with `\n`.
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
