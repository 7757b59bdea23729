import { constants, promises as fs, type Stats } from 'node:fs';
import { fail, printable } from '../errors.js';
import { isInside } from '../path-inside.js';

/** package.xml files are a few KiB; a megabyte is far beyond any real one, and cheap to hold. */
export const MAX_XML_BYTES = 1024 * 1024;
/** rosdep's whole base.yaml is a few hundred KiB; a daemon's own file is a few lines. */
export const MAX_YAML_BYTES = 8 * 1024 * 1024;
/** A maintainer-script fragment is a shell snippet of a few lines. */
export const MAX_FRAGMENT_BYTES = 1024 * 1024;

interface ReadInputOptions {
  /** What the file is, for messages: `package.xml`, `rosdep file`. */
  what: string;
  maxBytes: number;
  /**
   * The folder the file must stay in: the path, with every symlink resolved, must lie inside
   * this folder's own real path. Without it, a symlink is followed wherever it points.
   */
  confineTo?: string;
}

/** A file type in words, for the message that refuses it. */
function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'folder';
  if (stat.isFIFO()) return 'fifo (named pipe)';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isBlockDevice()) return 'block device';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'special file';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Reads an input file debforge parses, as bytes. Only a regular file is ever opened: its type is
 * checked before opening (a device may act on open) and again on the open descriptor, which is
 * opened non-blocking (a fifo swapped in meanwhile cannot hang the read). At most `maxBytes` are
 * read, whatever the file claims. Every problem is a DebforgeError naming `displayName`.
 */
export async function readInputFile(absolutePath: string, displayName: string, options: ReadInputOptions): Promise<Buffer> {
  let target = absolutePath;
  if (options.confineTo !== undefined) {
    let root: string;
    try {
      [root, target] = await Promise.all([fs.realpath(options.confineTo), fs.realpath(absolutePath)]);
    } catch (error) {
      fail(displayName, `cannot read ${options.what}: ${errorCode(error)}`);
    }
    if (!isInside(root, target)) {
      fail(displayName, `resolves to "${printable(target)}", outside the daemon folder: a ${options.what} must be a file inside the folder (copy it in instead of linking to it)`);
    }
  }
  let before: Stats;
  try {
    before = await fs.stat(target);
  } catch (error) {
    fail(displayName, `cannot read ${options.what}: ${errorCode(error)}`);
  }
  if (!before.isFile()) fail(displayName, `is a ${fileKind(before)}, not a regular file: a ${options.what} must be a plain file`);
  let handle: fs.FileHandle;
  try {
    // O_NOFOLLOW on a resolved path: a symlink put in its place after the check is refused, not followed.
    const noFollow = options.confineTo !== undefined ? constants.O_NOFOLLOW : 0;
    handle = await fs.open(target, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | noFollow);
  } catch (error) {
    fail(displayName, `cannot read ${options.what}: ${errorCode(error)}: fix its permissions`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) fail(displayName, `is a ${fileKind(stat)}, not a regular file: a ${options.what} must be a plain file`);
    if (stat.size > options.maxBytes) fail(displayName, tooBig(stat.size, options));
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, options.maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      // The file grew past its size while being read: one byte over the limit is enough to know.
      if (length === buffer.length) {
        if (length > options.maxBytes) fail(displayName, tooBig(length, options));
        break;
      }
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function tooBig(size: number, options: ReadInputOptions): string {
  const limit = options.maxBytes >= 1024 * 1024 ? `${options.maxBytes / (1024 * 1024)} MiB` : `${options.maxBytes} bytes`;
  return `is ${size} bytes or more; a ${options.what} may have at most ${limit}: is this the right file?`;
}

/** The line (1-based) of byte `offset` in `bytes`. */
export function lineAtByte(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (byte < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (byte >= 0xc2 && byte <= 0xdf) length = 2;
    else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      if (byte === 0xe0) low = 0xa0;
      if (byte === 0xed) high = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      if (byte === 0xf0) low = 0x90;
      if (byte === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

/** Decodes UTF-8 strictly (a leading byte-order mark dropped); invalid bytes are an error at their line. */
export function decodeUtf8Strict(bytes: Buffer, displayName: string, hint: string): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    fail(displayName, `byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} is not valid UTF-8: ${hint}`, lineAtByte(bytes, bad));
  }
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}
