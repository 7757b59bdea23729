/**
 * The pool: where each .deb lives in the repository, and the .deb files a publish is given.
 *
 *   pool/<component>/<prefix>/<source>/<package>_<version>_<arch>.deb
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DebforgeError } from '../errors.js';
import { readDebInfo, type DebInfo } from './deb.js';
import { versionWithoutEpoch } from '../debian/version.js';
import { mapLimit } from '../concurrency.js';
import { isInside } from '../path-inside.js';

/** `pool/<component>/<prefix>/<source>/`: the prefix is `lib` + one letter for lib* sources, as Debian does. */
export function poolDirectory(component: string, source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
  return `pool/${component}/${prefix}/${source}`;
}

export function poolPath(component: string, deb: Pick<DebInfo, 'source' | 'package' | 'version' | 'architecture'>): string {
  return `${poolDirectory(component, deb.source)}/${deb.package}_${versionWithoutEpoch(deb.version)}_${deb.architecture}.deb`;
}

/**
 * Whether a file exists in the repository, by its path relative to `root`, asking the file system
 * nothing more about a folder found missing: in a new repository, whether a thousand pool files
 * exist is one question (whether pool/ does). For one look at the repository: it does not notice
 * a folder that appears afterwards.
 */
export function repositoryFiles(root: string): (relative: string) => boolean {
  const folders = new Map<string, boolean>();
  const folderExists = (folder: string): boolean => {
    if (folder === '.' || folder === '') return true;
    let known = folders.get(folder);
    if (known === undefined) {
      known = folderExists(path.dirname(folder)) && existsSync(path.join(root, folder));
      folders.set(folder, known);
    }
    return known;
  };
  return (relative) => folderExists(path.dirname(relative)) && existsSync(path.join(root, relative));
}

/** Every .deb named, or found (recursively, in name order) under a folder named; never inside the repository itself. */
export async function collectDebs(inputs: readonly string[], outDir: string): Promise<string[]> {
  const found: string[] = [];
  const inside = (candidate: string): boolean => isInside(outDir, path.resolve(candidate));
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!inside(full)) await walk(full);
      } else if (entry.isFile() && entry.name.endsWith('.deb')) found.push(full);
    }
  };
  for (const input of inputs) {
    let stat;
    try {
      stat = await fs.stat(input);
    } catch {
      throw new DebforgeError({ file: input, message: 'no such file or folder: give .deb files or folders holding them', severity: 'error' });
    }
    if (stat.isDirectory()) {
      const before = found.length;
      if (!inside(input)) await walk(input);
      if (found.length === before) throw new DebforgeError({ file: input, message: 'holds no .deb files', severity: 'error' });
    } else found.push(input);
  }
  return [...new Set(found)];
}

/** What each .deb holds, in the order given (`read` may remember what it read before). */
export function readDebs(files: readonly string[], read: (file: string) => Promise<DebInfo> = readDebInfo): Promise<DebInfo[]> {
  // Two packages read at a time: each read holds a decompressor (up to ~80 MiB for xz), and
  // reading is bound by the CPU anyway, so memory stays bounded whatever the number of packages.
  return mapLimit(files, 2, read);
}
