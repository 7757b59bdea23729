/**
 * What rosdep's rules say about one dependency key on one OS release, read as rosdep reads them
 * (REP 111 and rosdep's `get_rule_for_platform`): under the OS, an installer key (`apt:`, `pip:`)
 * wins over a codename; otherwise the codename, else the `'*'` wildcard; under that, an installer
 * key again, else the OS's default installer (apt on Debian and Ubuntu). An installer's value is a
 * package name, a list of them, or `{packages: [...]}`.
 */
import { isMapping } from '../load/bounded-yaml.js';

export type RosdepRule =
  /**
   * `installer` apt: the Debian packages that satisfy the key (an empty list: nothing to install);
   * any other installer (pip, gem, source, npm): no Debian package does it.
   */
  | { available: true; installer: string; packages: string[] }
  /** The key is known but has no rule for this release (absent, or `null` as rosdep writes it). */
  | { available: false };

/** The installers rosdep knows for Debian and Ubuntu; the first is the default. */
const INSTALLERS = ['apt', 'pip', 'gem', 'source', 'npm'] as const;

/** Returns the rule for `os`/`codename`, or undefined when `rules` says nothing about `os`. */
export function rosdepRule(rules: unknown, os: string, codename: string): RosdepRule | undefined {
  if (!isMapping(rules) || !(os in rules)) return undefined;
  let data: unknown = rules[os];
  let installer: string = INSTALLERS[0];
  const installerKey = (value: Record<string, unknown>): string | undefined => INSTALLERS.find((name) => name in value);
  if (isMapping(data)) {
    const atOs = installerKey(data);
    if (atOs !== undefined) {
      installer = atOs;
      data = data[atOs];
    } else {
      const release = codename in data ? codename : '*' in data ? '*' : undefined;
      if (release === undefined) return { available: false };
      data = data[release];
      if (data === null || data === undefined) return { available: false };
      if (isMapping(data)) {
        const atRelease = installerKey(data);
        if (atRelease === undefined) return { available: false };
        installer = atRelease;
        data = data[atRelease];
      }
    }
  }
  if (data === null || data === undefined) return { available: false };
  const packages = packageList(data);
  if (packages === undefined) return { available: false };
  return { available: true, installer, packages };
}

function packageList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(/\s+/).filter((name) => name !== '');
  if (Array.isArray(value)) return value.every((name) => typeof name === 'string') ? (value as string[]) : undefined;
  if (isMapping(value)) {
    if (value['packages'] === undefined || value['packages'] === null) return [];
    return packageList(value['packages']);
  }
  return undefined;
}
