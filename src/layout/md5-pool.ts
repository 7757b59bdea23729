/**
 * md5 of big payload files on worker threads. md5 runs at a few hundred MiB/s on one core, so
 * before this a package of maps and models spent seconds hashing on one core while the others
 * idled: md5sums go in control.tar, which precedes data.tar, so compression cannot start earlier.
 */
import { Worker } from 'node:worker_threads';
import type { Md5Request, Md5Response } from './md5-worker.js';

const WORKER_URL = new URL('./md5-worker.js', import.meta.url);

/** The hex md5 of each file, in order, hashed on up to `threads` threads, each taking the next file when it is free. */
export async function md5OfFiles(files: readonly string[], threads: number): Promise<string[]> {
  const digests: string[] = new Array<string>(files.length);
  const workers = Array.from({ length: Math.min(threads, files.length) }, () => new Worker(WORKER_URL));
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (next < files.length) {
          const id = next++;
          digests[id] = await hashOn(worker, { id, file: files[id]! });
        }
      }),
    );
    return digests;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function hashOn(worker: Worker, request: Md5Request): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    const onMessage = (response: Md5Response): void => {
      if (response.id !== request.id) return;
      cleanup();
      if (response.md5 !== undefined) return resolve(response.md5);
      // The same error the main thread's read would have thrown: message and code (ENOENT, EACCES...).
      const error = new Error(response.error?.message ?? 'md5 failed') as NodeJS.ErrnoException;
      if (response.error?.code !== undefined) error.code = response.error.code;
      reject(error);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage(request);
  });
}
