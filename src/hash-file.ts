import type { Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, promises as fs, readFileSync } from 'node:fs';

/**
 * Opening flags for a payload file: non-blocking, so a fifo swapped in for a file after the scan
 * cannot hang the build (its type is then refused on the descriptor), and never a controlling tty.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function notRegular(file: string): NodeJS.ErrnoException {
  const error = new Error(`${file} is no longer a regular file: it changed during the build; build again`) as NodeJS.ErrnoException;
  error.code = 'EFTYPE';
  return error;
}

/** Opens a file for reading, refusing anything but a regular file (checked on the open descriptor). */
export async function openRegularFile(file: string): Promise<fs.FileHandle> {
  const handle = await fs.open(file, OPEN_FLAGS);
  try {
    if (!(await handle.stat()).isFile()) throw notRegular(file);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A whole regular file, read synchronously (for small files), refusing anything else. */
export function readRegularFileSync(file: string): Buffer {
  const fd = openSync(file, OPEN_FLAGS);
  try {
    if (!fstatSync(fd).isFile()) throw notRegular(file);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Feeds a whole file to `hash`, read through `buffer` (1 MiB reads: half the time of 64 KiB ones
 * over hundreds of MiB). Callers reuse one buffer for every file: a fresh buffer per read leaves
 * garbage that the allocator keeps long after it is collected.
 */
export async function hashFileInto(hash: Hash, file: string, buffer: Buffer): Promise<void> {
  const handle = await openRegularFile(file);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}
