import { ProblemList } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { PackageSpec } from '../resolve/types.js';

/** A path debforge writes itself, and what it is, for the message naming both sides. */
interface GeneratedPath {
  path: string;
  what: string;
}

/** dpkg's own database: the package's maintainer scripts, md5sums and file list live here on the robot. */
const DPKG_DATABASE = '/var/lib/dpkg';

function isBelow(ancestor: string, descendant: string): boolean {
  return descendant.startsWith(`${ancestor}/`);
}

/**
 * Generated paths win, loudly: a payload entry at a path debforge generates, above one (a file or
 * a symlink where a folder of generated files must be, which would swallow them while the
 * maintainer scripts still act on them), or in dpkg's database is an error naming both.
 */
export function checkOverlaps(spec: PackageSpec, generated: readonly GeneratedPath[], problems: ProblemList): void {
  for (const entry of spec.payload) {
    const file = displayPath(spec.source.dir, entry.file);
    if (entry.target === DPKG_DATABASE || isBelow(DPKG_DATABASE, entry.target)) {
      problems.error(file, `installs to ${entry.target}, inside dpkg's database, where dpkg keeps this package's generated maintainer scripts and md5sums: remove it from files/`);
      continue;
    }
    for (const item of generated) {
      if (entry.target === item.path) {
        problems.error(file, `installs to ${entry.target}, where debforge writes the generated ${item.what}: remove it from files/ (debforge generates it)`);
      } else if (isBelow(entry.target, item.path) && entry.kind !== 'directory') {
        const kind = entry.kind === 'symlink' ? `a symlink (to ${entry.linkTarget ?? '?'})` : 'a file';
        problems.error(file, `is ${kind} at ${entry.target}, where the generated ${item.what} ${item.path} needs a folder: it would be lost from the package; make ${entry.target} a real folder or remove it`);
      } else if (isBelow(item.path, entry.target)) {
        problems.error(file, `installs to ${entry.target}, inside ${item.path}, which is the generated ${item.what}: move it`);
      }
    }
  }
}
