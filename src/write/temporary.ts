/**
 * The temporary files a build writes its packages into, `.<name>.deb.<pid>.<random>.tmp` beside
 * the destination: this process's are known, so a signal handler can remove them at once
 * (synchronously, before the process dies of the signal), and those of a process that no longer
 * exists (killed with SIGKILL, or a machine that lost power) are removed by the next build that
 * writes into the same folder.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, rmSync } from 'node:fs';
import path from 'node:path';

const live = new Set<string>();

const TEMPORARY = /^\..+\.deb\.([1-9][0-9]*)\.[0-9a-f]{8}\.tmp$/;

/** A fresh temporary name for `fileName` in `dir`, removed by removeTemporariesSync until forgotten. */
export function temporaryFor(dir: string, fileName: string): string {
  const temporary = path.join(dir, `.${fileName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  live.add(temporary);
  return temporary;
}

/**
 * Writes `destination` through `temporary` (a name from temporaryFor, in the same folder):
 * `write` fills and syncs the temporary file, which is then renamed over the destination. On any
 * failure, or an abort before the rename, the temporary file is removed and the destination is
 * left as it was.
 */
export async function writeThroughTemporary<T>(temporary: string, destination: string, write: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    const result = await write();
    signal?.throwIfAborted();
    await fs.rename(temporary, destination);
    return result;
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  } finally {
    live.delete(temporary);
  }
}

/** Removes every temporary file of this process; for a signal handler, which cannot wait. */
export function removeTemporariesSync(): void {
  for (const temporary of live) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing more can be done for it while dying; the next build in the folder removes it.
    }
    live.delete(temporary);
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes the temporary files in `dir` whose process is gone (a live process's are left alone). */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    const stale = path.join(dir, name);
    const stat = await fs.lstat(stale).catch(() => undefined);
    if (stat?.isFile() !== true) continue;
    await fs.rm(stale, { force: true });
    removed.push(stale);
  }
  return removed;
}
