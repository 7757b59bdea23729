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
    const through = this.symlinkOnPath(parts);
    if (through !== undefined) return `goes through the symlink ./${through}`;
    const key = parts.join('/');
    if (entry.type === 'symlink') this.symlinks.add(key);
    else this.symlinks.delete(key);
    if (entry.type === 'link') {
      const target = entry.linkname ?? '';
      const targetProblem = pathProblem(target);
      if (targetProblem !== undefined) return `is a hard link out of the package (target ${targetProblem})`;
      const targetParts = components(target);
      const targetThrough = this.symlinkOnPath(targetParts);
      if (targetThrough !== undefined) return `is a hard link through the symlink ./${targetThrough}`;
      if (!this.files.has(targetParts.join('/'))) return 'is a hard link to a file not earlier in the package';
    }
    if (entry.type === 'file' || entry.type === 'link') this.files.add(key);
    return undefined;
  }

  /** The first parent folder of `parts` that the archive made a symlink, if any. */
  private symlinkOnPath(parts: readonly string[]): string | undefined {
    if (this.symlinks.size === 0) return undefined;
    let parent = '';
    for (let i = 0; i < parts.length - 1; i++) {
      parent = i === 0 ? parts[0]! : `${parent}/${parts[i]!}`;
      if (this.symlinks.has(parent)) return parent;
    }
    return undefined;
  }
}

function components(name: string): string[] {
  return name.split('/').filter((part) => part !== '' && part !== '.');
}

const DOT_DOT = /(?:^|\/)\.\.(?:\/|$)/;

function pathProblem(name: string): string | undefined {
  if (name.startsWith('/')) return 'is an absolute path';
  if (DOT_DOT.test(name)) return 'has a ".." component';
  return undefined;
}
