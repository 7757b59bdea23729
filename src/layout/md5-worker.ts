/**
 * An md5 thread for the layout stage (md5-pool.ts): hashes the payload files it is sent, one at a
 * time, and answers with the hex digest.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { hashFileInto } from '../hash-file.js';

export interface Md5Request {
  id: number;
  file: string;
}

export interface Md5Response {
  id: number;
  md5?: string;
  error?: { message: string; code?: string };
}

/** One read buffer for every file this thread hashes (hash-file.ts says why). */
const buffer = Buffer.allocUnsafe(1024 * 1024);

parentPort?.on('message', (request: Md5Request) => {
  const hash = createHash('md5');
  hashFileInto(hash, request.file, buffer).then(
    () => parentPort!.postMessage({ id: request.id, md5: hash.digest('hex') } satisfies Md5Response),
    (error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      const message = error instanceof Error ? error.message : String(error);
      parentPort!.postMessage({ id: request.id, error: { message, ...(code ? { code } : {}) } } satisfies Md5Response);
    },
  );
});
