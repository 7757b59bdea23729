/**
 * Debian relation fields (Depends, Conflicts, Replaces...; Debian Policy 7.1): a relation is a
 * package name, optionally a version constraint in parentheses, and alternatives separated by `|`.
 */

/** One package name as a relation names it (a single character is accepted, as dpkg does). */
const NAME = '[a-z0-9][a-z0-9+.\\-]*';
/** `(>= 1.2)` and the other comparisons, with a version of the characters deb-version allows. */
const CONSTRAINT = '\\s*\\([<>=]{1,2}\\s*[A-Za-z0-9.+~:-]+\\)';

/** One relation: alternatives of a name and an optional version constraint each. */
export const DEBIAN_RELATION = new RegExp(`^${NAME}(${CONSTRAINT})?(\\s*\\|\\s*${NAME}(${CONSTRAINT})?)*$`);

/** Package names of a relation field's values: every alternative, without version or architecture qualifier. */
export function relationNames(values: readonly string[] | undefined): Set<string> {
  const names = new Set<string>();
  const leading = new RegExp(`^\\s*(${NAME})`);
  for (const value of values ?? []) {
    for (const alternative of value.split(/[,|]/)) {
      const name = leading.exec(alternative)?.[1];
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}
