/**
 * Packages rosdep's Debian rules still name that Debian has replaced: each one is in lintian's
 * list of obsolete packages (`depends-on-obsolete-package`, an error) with the name to use
 * instead, and that successor is in Debian 12 and 13 alike, where two of the old names
 * (libfreetype6-dev and libsensors4-dev in Debian 13, libmysqlclient-dev in both) no longer
 * exist at all. rosdep's `opengl`, for one, says libgl1-mesa-dev on every Debian release.
 */
const DEBIAN_SUCCESSORS: ReadonlyMap<string, string> = new Map([
  ['libfontconfig1-dev', 'libfontconfig-dev'],
  ['libfreetype6-dev', 'libfreetype-dev'],
  ['libgl1-mesa-dev', 'libgl-dev'],
  ['libmysqlclient-dev', 'default-libmysqlclient-dev'],
  ['libsensors4-dev', 'libsensors-dev'],
]);

/** `names` as a Debian release has them: an obsolete name becomes the package that replaced it. */
export function debianSuccessors(names: readonly string[]): string[] {
  return names.map((name) => DEBIAN_SUCCESSORS.get(name) ?? name);
}
