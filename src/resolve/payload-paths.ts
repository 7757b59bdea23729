import path from 'node:path';
import { printable, type ProblemList } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { DaemonSource, PayloadFile } from '../load/types.js';

const VARIABLE = /@([A-Za-z_][A-Za-z0-9_]*)@/g;

/**
 * Install paths with template variables substituted, as CMake's install(DESTINATION
 * @CMAKE_INSTALL_PREFIX@/...) would: `files/@CMAKE_INSTALL_PREFIX@/share/x` installs to
 * `/opt/ros/noetic/share/x` on noetic and `/usr/share/x` on Debian's ROS. A path never keeps a
 * literal `@NAME@`: an unknown variable, or a value that leaves the root or is not a plain path,
 * is an error naming the file. A lone `@` is an ordinary file-name character (`x@.service`).
 */
export function substitutePayloadPaths(source: DaemonSource, variables: ReadonlyMap<string, string>, problems: ProblemList): PayloadFile[] {
  const substituted: PayloadFile[] = [];
  const seen = new Map<string, string>();
  for (const entry of source.payload) {
    if (!entry.target.includes('@')) {
      substituted.push(entry);
      seen.set(entry.target, entry.file);
      continue;
    }
    const file = displayPath(source.dir, entry.file);
    let failed = false;
    const replaced = entry.target.replace(VARIABLE, (match, name: string) => {
      const value = variables.get(name);
      if (value === undefined) {
        problems.error(file, `unknown template variable @${name}@ in the path: define it with --define ${name}=VALUE or see \`debforge profiles\``);
        failed = true;
        return match;
      }
      return value;
    });
    if (failed) continue;
    const target = path.posix.normalize(replaced);
    if (!target.startsWith('/') || target === '/' || target.split('/').includes('..') || /[\u0000-\u001f\u007f]/.test(target)) {
      problems.error(file, `installs to "${printable(replaced)}" once its variables are substituted, which is not a path under /: use variables that hold absolute or relative folder names`);
      continue;
    }
    const previous = seen.get(target);
    if (previous !== undefined && entry.kind !== 'directory') {
      problems.error(file, `installs to ${target}, as ${previous} does: keep one`);
      continue;
    }
    seen.set(target, entry.file);
    substituted.push({ ...entry, target });
  }
  return substituted;
}
