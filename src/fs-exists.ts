import { promises as fs } from 'node:fs';

/** Whether a path exists (any kind of file); for choices, never for a check-then-use race. */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
