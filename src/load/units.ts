import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_NAME_COMPONENT_BYTES } from '../debian/names.js';
import { printable, type ProblemList } from '../errors.js';
import { listDirectory, readable, TEMPLATE_SUFFIX } from './folder.js';
import type { UnitScope, UnitSource } from './types.js';

export const UNIT_SUFFIXES = ['.service', '.socket', '.timer', '.target', '.path', '.mount'] as const;

/**
 * A unit name systemd accepts: a prefix of [A-Za-z0-9:_.\-] (with `\` escapes), an optional
 * `@instance` part, and a known suffix. Quotes, spaces and `$` are rejected so that a unit name
 * can never smuggle anything into a maintainer script.
 */
export const UNIT_NAME = /^[A-Za-z0-9:_.\\][A-Za-z0-9:_.\\-]*(@[A-Za-z0-9:_.\\-]*)?\.(service|socket|timer|target|path|mount)$/;
/** systemd's UNIT_NAME_MAX: longer names are refused. */
const UNIT_NAME_MAX = 255;

/** The unit files of etc/ (system) or etc/user/ (user). */
export async function scanUnits(dir: string, relative: string, scope: UnitScope, problems: ProblemList, installRules: boolean): Promise<UnitSource[]> {
  const names = await listDirectory(dir, relative, problems);
  if (!names) return [];
  const units: UnitSource[] = [];
  for (const entry of names) {
    const file = path.posix.join(relative, entry);
    const absolutePath = path.join(dir, file);
    const stat = await fs.lstat(absolutePath);
    if (stat.isDirectory()) {
      if (!(scope === 'system' && entry === 'user') && !installRules) {
        problems.error(file, 'unexpected folder: unit templates go directly in etc/ (system) or etc/user/ (user)');
      }
      continue;
    }
    const template = entry.endsWith(TEMPLATE_SUFFIX);
    const name = template ? entry.slice(0, -TEMPLATE_SUFFIX.length) : entry;
    if (!UNIT_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
      if (installRules) continue;
      problems.error(file, `not a unit file: expected a name ending in ${UNIT_SUFFIXES.join(', ')} (optionally + .in); payload goes under files/`);
      continue;
    }
    const tooLong = Buffer.byteLength(name, 'utf8') > Math.min(UNIT_NAME_MAX, MAX_NAME_COMPONENT_BYTES);
    if (!UNIT_NAME.test(name) || tooLong) {
      const why = tooLong ? `is longer than ${MAX_NAME_COMPONENT_BYTES} bytes, the longest name dpkg can unpack (it adds .dpkg-new)` : 'is not a unit name systemd accepts';
      problems.error(file, `"${printable(name)}" ${why}: use only letters, digits and : _ . - (not first), and one @ for templates`);
      continue;
    }
    if (!stat.isFile()) {
      problems.error(file, 'unit file must be a regular file');
      continue;
    }
    if (!(await readable(absolutePath, file, problems))) continue;
    if (units.some((u) => u.name === name)) {
      problems.error(file, `unit ${name} is given twice (with and without .in): keep one`);
      continue;
    }
    units.push({ name, file, absolutePath, scope, template });
  }
  return units;
}
