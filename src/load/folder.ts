/**
 * Reading the daemon folder's own names and files: names that are not UTF-8 or hold a control
 * character are errors (dpkg keeps UTF-8 paths, one a line), names sort by their bytes, as dpkg's
 * do, and a file that cannot be opened is an error naming it.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { printable, type ProblemList } from '../errors.js';

/** A unit or payload file ending in `.in` is a template: the suffix is dropped where it installs. */
export const TEMPLATE_SUFFIX = '.in';

/** The valid names of a folder of the daemon folder, sorted by bytes; undefined if it does not exist. */
export async function listDirectory(dir: string, relative: string, problems: ProblemList): Promise<string[] | undefined> {
  try {
    const names = await fs.readdir(path.join(dir, relative), { encoding: 'buffer' });
    const valid: string[] = [];
    for (const raw of names) {
      const name = decodeUtf8(raw);
      if (name === undefined) {
        problems.error(path.posix.join(relative, escapeBytes(raw)), 'file name is not valid UTF-8: rename it (Debian packages carry UTF-8 paths)');
        continue;
      }
      if (CONTROL_CHARACTER.test(name)) {
        problems.error(path.posix.join(relative, printable(name)), 'file name holds a line break or other control character: rename it (dpkg keeps one path per line)');
        continue;
      }
      valid.push(name);
    }
    return valid.sort(compareBytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    problems.error(relative, `cannot read folder: ${code ?? (error as Error).message}: fix its permissions`);
    return undefined;
  }
}

/** C0 control characters and DEL: never in a packaged path (dpkg's file lists are line based). */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The bytes as a string if they are valid UTF-8 (Debian packages carry UTF-8 paths). */
export function decodeUtf8(raw: Buffer): string | undefined {
  const text = raw.toString('utf8');
  return Buffer.from(text, 'utf8').equals(raw) ? text : undefined;
}

/** A file name for a message: valid UTF-8 as is, every byte of an invalid sequence as \xNN. */
export function escapeBytes(raw: Buffer): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let out = '';
  let index = 0;
  while (index < raw.length) {
    const byte = raw[index]!;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length > 0 && index + length <= raw.length) {
      try {
        out += decoder.decode(raw.subarray(index, index + length));
        index += length;
        continue;
      } catch {
        // not a valid sequence: escape its first byte and go on
      }
    }
    out += `\\x${byte.toString(16).padStart(2, '0')}`;
    index += 1;
  }
  return out;
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export async function readable(absolutePath: string, file: string, problems: ProblemList): Promise<boolean> {
  try {
    const handle = await fs.open(absolutePath, constants.O_RDONLY);
    await handle.close();
    return true;
  } catch (error) {
    problems.error(file, `cannot read file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: fix its permissions`);
    return false;
  }
}
