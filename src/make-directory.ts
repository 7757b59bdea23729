import { promises as fs, rmdirSync } from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p`, each level tried once. Node's own `mkdir(..., { recursive: true })` retries forever
 * where a parent exists but refuses new entries with ENOENT (anything under /proc): that spun a
 * core instead of failing. Errors are the system's (ENOENT, EACCES, ENOTDIR, EROFS, ...).
 * Returns the topmost folder it created (undefined if `dir` was there), for removeCreated.
 */
export async function makeDirectory(dir: string): Promise<string | undefined> {
  const absolute = path.resolve(dir);
  try {
    await fs.mkdir(absolute);
    return absolute;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return assertDirectory(absolute, error);
    if (code !== 'ENOENT' || path.dirname(absolute) === absolute) throw error;
  }
  const top = await makeDirectory(path.dirname(absolute));
  try {
    await fs.mkdir(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await assertDirectory(absolute, error);
  }
  return top ?? absolute;
}

/** Removes the folders makeDirectory(dir) created, from `dir` up to `top`, as long as they are empty. */
export async function removeCreated(dir: string, top: string | undefined): Promise<void> {
  if (top === undefined) return;
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      await fs.rmdir(current);
    } catch {
      return;
    }
    if (current === top || path.dirname(current) === current) return;
  }
}

async function assertDirectory(dir: string, original: unknown): Promise<undefined> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (stat?.isDirectory() !== true) {
    const error = new Error(`ENOTDIR: not a directory, mkdir '${dir}'`) as NodeJS.ErrnoException;
    error.code = 'ENOTDIR';
    error.cause = original;
    throw error;
  }
  return undefined;
}

/** removeCreated for a signal handler, which cannot wait. */
export function removeCreatedSync(dir: string, top: string | undefined): void {
  if (top === undefined) return;
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      rmdirSync(current);
    } catch {
      return;
    }
    if (current === top || path.dirname(current) === current) return;
  }
}
