import { constants as fsConstants, promises as fs } from 'node:fs';
import { DebFormatError } from './errors.js';

const CHUNK = 256 * 1024;

export interface InputFile {
  size: number;
  /** The file's bytes, front to back, each chunk passed to `observe` first (hashing). */
  chunks(observe?: (chunk: Buffer) => void): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens a file for reading only if it is a regular file. The open never blocks (a FIFO with no
 * writer would hang an ordinary open) and the type is checked on the open descriptor, so a
 * FIFO, a device such as /dev/zero or a directory is refused before a byte is read.
 */
export async function openRegularFile(file: string): Promise<InputFile> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DebFormatError(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open (${code ?? (error as Error).message})`);
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
    throw new DebFormatError(`is ${kind}, not a regular file: give a .deb file`);
  }
  return {
    size: stat.size,
    async *chunks(observe?: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
      let position = 0;
      // Up to the size seen at open: bytes appended meanwhile are not part of what was checked.
      while (position < stat.size) {
        const length = Math.min(CHUNK, stat.size - position);
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buffer, 0, length, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        const chunk = buffer.subarray(0, bytesRead);
        observe?.(chunk);
        yield chunk;
      }
    },
    close: () => handle.close(),
  };
}
