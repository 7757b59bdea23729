import type { Dependency, DependencyKind, VersionConstraint } from '../load/types.js';
import type { Profile } from './profiles.js';
import type { RosdepTable } from './rosdep.js';

/** The dependency kinds that a robot needs at run time; test, doc and build-only keys never are. */
export const RUNTIME_KINDS: ReadonlySet<DependencyKind> = new Set(['depend', 'exec_depend', 'run_depend', 'build_export_depend']);

/** System keys rosdep maps to the same Debian and Ubuntu package on every release we target. */
const SYSTEM_KEYS: ReadonlyMap<string, string> = new Map([
  ['python3', 'python3'],
  ['bash', 'bash'],
  ['systemd', 'systemd'],
  ['coreutils', 'coreutils'],
  ['procps', 'procps'],
  ['iproute2', 'iproute2'],
  ['util-linux', 'util-linux'],
  ['curl', 'curl'],
  ['git', 'git'],
  ['sudo', 'sudo'],
  ['udev', 'udev'],
]);

/** Debian's own ROS 1 (bookworm) names its packages after the language binding, not the ROS key. */
const DEBIAN_ROS_KEYS: ReadonlyMap<string, string> = new Map([
  ['ros_core', 'ros-core'],
  ['roscore', 'ros-core'],
  ['rosout', 'rosout'],
  ['catkin', 'catkin'],
  ['roscpp', 'libroscpp4d'],
  ['rospy', 'python3-rospy'],
  ['roslaunch', 'python3-roslaunch'],
  ['rosmaster', 'python3-rosmaster'],
  ['rosgraph', 'python3-rosgraph'],
  ['rostopic', 'python3-rostopic'],
  ['rosnode', 'python3-rosnode'],
  ['rosservice', 'python3-rosservice'],
  ['rosparam', 'python3-rosparam'],
  ['roslib', 'python3-roslib'],
  ['rosbag', 'python3-rosbag'],
  ['tf2_ros', 'python3-tf2-ros'],
]);

export type MappedKey = { ok: true; packages: string[] } | { ok: false; reason: string };

/** Maps one ROS dependency key to Debian package names for `profile`. */
export function mapKey(key: string, profile: Profile, rosdep: RosdepTable, siblings: readonly string[] = []): MappedKey {
  const explicit = rosdep.get(key);
  if (explicit) return { ok: true, packages: explicit };
  if (siblings.includes(key)) return { ok: true, packages: [`${profile.packagePrefix}${key.replace(/_/g, '-')}`] };
  const system = SYSTEM_KEYS.get(key);
  if (system) return { ok: true, packages: [system] };
  if (/^python3-[a-z0-9.+-]+$/.test(key)) return { ok: true, packages: [key] };
  const debianName = key.replace(/_/g, '-');
  switch (profile.rosKeyScheme) {
    case 'ros-prefix':
      return { ok: true, packages: [`${profile.packagePrefix}${debianName}`] };
    case 'debian': {
      const known = DEBIAN_ROS_KEYS.get(key);
      if (known) return { ok: true, packages: [known] };
      if (key.endsWith('_msgs')) return { ok: true, packages: [`python3-${debianName}`] };
      return { ok: false, reason: `no Debian package is known for ROS key "${key}" on ${profile.name}: map it in a rosdep.yaml next to package.xml` };
    }
    case 'plain':
      if (/^[a-z0-9][a-z0-9+.-]+$/.test(key)) return { ok: true, packages: [key] };
      return { ok: false, reason: `"${key}" is not a Debian package name: map it in a rosdep.yaml next to package.xml` };
  }
}

/** Renders `name (op version)` terms, one per constraint, the way Debian relation fields read. */
export function relationTerms(name: string, constraints: readonly VersionConstraint[]): string[] {
  if (constraints.length === 0) return [name];
  return constraints.map((c) => `${name} (${c.operator} ${c.version})`);
}

export function isRuntime(dependency: Dependency): boolean {
  return RUNTIME_KINDS.has(dependency.kind);
}
