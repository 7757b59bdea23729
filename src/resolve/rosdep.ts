import { PACKAGE_NAME } from '../debian/names.js';
import { fail, printable } from '../errors.js';
import { decodeUtf8Strict, MAX_YAML_BYTES, readInputFile } from '../load/read-input.js';
import type { Profile } from './profiles.js';
import { loadBoundedYaml } from './bounded-yaml.js';
import { rosdepRule, type RosdepRule } from './rosdep-rule.js';

/** ROS dependency key -> what rosdep installs for it on one profile's OS release, from a rosdep-format YAML file. */
export type RosdepTable = Map<string, RosdepRule>;

/**
 * Reads a rosdep-format YAML file (`key: {ubuntu: {focal: [pkg]}}`, `key: {debian: [pkg]}`,
 * `key: {ubuntu: {'*': {apt: {packages: [pkg]}}}}`) and keeps what applies to `profile`.
 */
export async function loadRosdepFile(absolutePath: string, displayName: string, profile: Profile, options: { confineTo?: string } = {}): Promise<RosdepTable> {
  // A regular file only (a fifo would hang the build), capped in size, inside `confineTo` if given.
  const bytes = await readInputFile(absolutePath, displayName, { what: 'rosdep file', maxBytes: MAX_YAML_BYTES, ...options });
  const text = decodeUtf8Strict(bytes, displayName, 'save the rosdep file as UTF-8');
  const document = loadBoundedYaml(text, displayName);
  const table: RosdepTable = new Map();
  if (document === null || document === undefined) return table;
  if (!isRecord(document)) fail(displayName, 'a rosdep file maps keys to per-OS package lists');
  for (const [key, rules] of Object.entries(document)) {
    const rule = rosdepRule(rules, profile.os.id, profile.os.codename);
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
