import { PACKAGE_NAME } from '../debian/names.js';
import { fail, printable } from '../errors.js';
import { readRosdepRules } from '../load/rosdep-file.js';
import type { Profile } from './profiles.js';
import { rosdepRule, type RosdepRule } from './rosdep-rule.js';

/** ROS dependency key -> what rosdep installs for it on one profile's OS release, from a rosdep-format YAML file. */
export type RosdepTable = Map<string, RosdepRule>;

/** What of a rosdep file's rules (as load read them) applies to `profile`; a package name that is not one is an error. */
export function rosdepTable(rules: Record<string, unknown>, displayName: string, profile: Profile): RosdepTable {
  const table: RosdepTable = new Map();
  for (const [key, rulesOfKey] of Object.entries(rules)) {
    const rule = rosdepRule(rulesOfKey, profile.os.id, profile.os.codename);
    if (rule === undefined) continue;
    for (const name of rule.available && rule.installer === 'apt' ? rule.packages : []) {
      if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) {
        const shown = typeof name === 'string' ? name : `a ${Array.isArray(name) ? 'list' : typeof name}`;
        fail(displayName, `key "${printable(key)}" maps to "${printable(shown.slice(0, 80))}", which is not a Debian package name`);
      }
    }
    table.set(key, rule);
  }
  return table;
}

/**
 * Reads a rosdep-format YAML file that is not the daemon folder's (the project config's rosdep
 * files, those the machine's rosdep lists) and keeps what applies to `profile`. The daemon
 * folder's own rosdep file is read by load.
 */
export async function loadRosdepFile(absolutePath: string, displayName: string, profile: Profile): Promise<RosdepTable> {
  return rosdepTable(await readRosdepRules(absolutePath, displayName), displayName, profile);
}
