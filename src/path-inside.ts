import path from 'node:path';

/** Whether `target` is `folder` or lies below it (by their names: symlinks are the caller's to resolve). */
export function isInside(folder: string, target: string): boolean {
  const relative = path.relative(folder, target);
  return !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative));
}
