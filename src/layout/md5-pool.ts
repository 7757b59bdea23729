/**
 * md5 of big payload files on worker threads. md5 runs at a few hundred MiB/s on one core, so
 * before this a package of maps and models spent seconds hashing on one core while the others
 * idled: md5sums go in control.tar, which precedes data.tar, so compression cannot start earlier.
 */
import { forEachLimit } from '../concurrency.js';
import { ThreadPool } from '../thread-pool.js';
import type { Md5Request, Md5Response } from './md5-worker.js';

const WORKER_URL = new URL('./md5-worker.js', import.meta.url);

/** The hex md5 of each file, in order, hashed on up to `threads` threads, each taking the next file when it is free. */
export async function md5OfFiles(files: readonly string[], threads: number): Promise<string[]> {
  const digests: string[] = new Array<string>(files.length);
  const size = Math.min(threads, files.length);
  const pool = new ThreadPool<Md5Request, Md5Response>(WORKER_URL, size, 1);
  try {
    await forEachLimit(files, size, async (file, index) => {
      digests[index] = md5Of(await pool.run({ file }, []));
    });
    return digests;
  } finally {
    await pool.close();
  }
}

/** The digest, or the error the main thread's read would have thrown: message and code (ENOENT, EACCES...). */
function md5Of(response: Md5Response): string {
  if (response.md5 !== undefined) return response.md5;
  const error = new Error(response.error?.message ?? 'md5 failed') as NodeJS.ErrnoException;
  if (response.error?.code !== undefined) error.code = response.error.code;
  throw error;
}
