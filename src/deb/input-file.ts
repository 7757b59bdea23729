import { close, closeSync, constants as fsConstants, fstatSync, openSync, read, readSync, type Stats } from 'node:fs';
import { DebFormatError } from '../debian/format-error.js';

const CHUNK = 256 * 1024;
/**
 * Files up to this size are read whole in one call on this thread, past the thread pool: a
 * repository of thousands of tiny packages pays per call, and a round trip through the pool per
 * open, stat, read and close cost more than the reading itself.
 */
const WHOLE_FILE = 1024 * 1024;

export interface InputFile {
  size: number;
  /** The whole file, when it was small enough to be read in one call at open (the bytes `chunks` yields). */
  whole?: Buffer;
  /** The file's bytes, front to back, each chunk passed to `observe` first (hashing). */
  chunks(observe?: (chunk: Buffer) => void): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))));
}

/** Reads up to `size` bytes from the start of `fd`; fewer if the file is shorter by now. */
function readWhole(fd: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let length = 0;
  while (length < size) {
    const bytesRead = readSync(fd, buffer, length, size - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}

/**
 * Opens a file for reading only if it is a regular file. The open never blocks (a FIFO with no
 * writer would hang an ordinary open) and the type is checked on the open descriptor, so a
 * FIFO, a device such as /dev/zero or a directory is refused before a byte is read.
 */
export async function openRegularFile(file: string): Promise<InputFile> {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DebFormatError(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open (${code ?? (error as Error).message})`);
  }
  let stat: Stats;
  try {
    stat = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!stat.isFile()) {
    closeSync(fd);
    const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
    throw new DebFormatError(`is ${kind}, not a regular file: give a .deb file`);
  }
  // Up to the size seen at open: bytes appended meanwhile are not part of what was checked.
  if (stat.size <= WHOLE_FILE) {
    let whole: Buffer;
    try {
      whole = readWhole(fd, stat.size);
    } finally {
      closeSync(fd);
    }
    return {
      size: stat.size,
      whole,
      async *chunks(observe?: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
        if (whole.length === 0) return;
        observe?.(whole);
        yield whole;
      },
      close: async () => undefined,
    };
  }
  let open = true;
  return {
    size: stat.size,
    async *chunks(observe?: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
      let position = 0;
      while (position < stat.size) {
        const length = Math.min(CHUNK, stat.size - position);
        const buffer = Buffer.allocUnsafe(length);
        const bytesRead = await readAt(fd, buffer, length, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        const chunk = buffer.subarray(0, bytesRead);
        observe?.(chunk);
        yield chunk;
      }
    },
    close: async () => {
      if (!open) return;
      open = false;
      await new Promise<void>((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve())));
    },
  };
}
