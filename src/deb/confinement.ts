import type { TarEntry } from './tar.js';

/**
 * Whether entries of a data.tar stay inside the root they are unpacked into. Tracks the archive
 * in order, as an unpacker would see it: a path is unsafe if it is absolute, has a `..` component,
 * passes through a symlink the archive created earlier, or is a hard link to something outside
 * the package (or not in it).
 */
export class ConfinementCheck {
  private readonly symlinks = new Set<string>();
  private readonly files = new Set<string>();

  /** Why the entry escapes the root, or undefined if it does not. */
  check(entry: TarEntry): string | undefined {
    const path = pathProblem(entry.name);
    if (path !== undefined) return path;
    const parts = components(entry.name);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (this.symlinks.has(parent)) return `goes through the symlink ./${parent}`;
    }
    const key = parts.join('/');
    if (entry.type === 'symlink') this.symlinks.add(key);
    else this.symlinks.delete(key);
    if (entry.type === 'link') {
      const target = entry.linkname ?? '';
      const targetProblem = pathProblem(target);
      if (targetProblem !== undefined) return `is a hard link out of the package (target ${targetProblem})`;
      const targetParts = components(target);
      for (let i = 1; i < targetParts.length; i++) {
        if (this.symlinks.has(targetParts.slice(0, i).join('/'))) return `is a hard link through the symlink ./${targetParts.slice(0, i).join('/')}`;
      }
      if (!this.files.has(targetParts.join('/'))) return 'is a hard link to a file not earlier in the package';
    }
    if (entry.type === 'file' || entry.type === 'link') this.files.add(key);
    return undefined;
  }
}

function components(name: string): string[] {
  return name.split('/').filter((part) => part !== '' && part !== '.');
}

function pathProblem(name: string): string | undefined {
  if (name.startsWith('/')) return 'is an absolute path';
  if (name.split('/').includes('..')) return 'has a ".." component';
  return undefined;
}
