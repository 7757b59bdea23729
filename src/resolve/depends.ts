import { nearestKeys } from '../nearest.js';
import type { Dependency, DependencyKind, VersionConstraint } from '../load/types.js';
import { debianSuccessors } from '../debian/renamed.js';
import { debianRos } from './debian-ros.js';
import type { Profile } from './profiles.js';
import type { RosdepRule } from './rosdep-rule.js';
import type { RosdepTable } from './rosdep.js';
import type { RosdistroData } from './rosdistro.js';

/**
 * The dependency kinds that become Depends, as bloom's Debian generator makes them: catkin_pkg's
 * run_depends (depend, exec_depend, build_export_depend; run_depend in format 1) and
 * buildtool_export_depend. Test, doc and build-only keys never do.
 */
const RUNTIME_KINDS: ReadonlySet<DependencyKind> = new Set(['depend', 'exec_depend', 'run_depend', 'build_export_depend', 'buildtool_export_depend']);

/**
 * Keys rosdep has no rule for that name a package every Debian and Ubuntu release has under that
 * same name; debforge maps them to themselves.
 */
const BASE_KEYS: ReadonlySet<string> = new Set(['bash', 'sudo']);

/**
 * Keys whose rosdep rule installs what building needs, where a daemon needs only what runs:
 * rosdep's `python3` is python3-dev (headers, for compiling extensions), the interpreter is python3.
 */
const RUNTIME_KEYS: ReadonlyMap<string, string> = new Map([['python3', 'python3']]);

/** What a ROS 1 key is called on ROS 2, for the error that a ROS 2 profile gives it. */
const ROS2_SUCCESSORS: ReadonlyMap<string, string> = new Map([
  ['roslaunch', 'ros2launch (or launch_ros)'],
  ['rospy', 'rclpy'],
  ['roscpp', 'rclcpp'],
  ['rostopic', 'ros2topic'],
  ['catkin', 'ament_cmake'],
  ['message_runtime', 'rosidl_default_runtime'],
]);

/** A rosdep YAML the machine's rosdep lists, read for this profile. */
export interface MachineRosdep {
  file: string;
  table: RosdepTable;
}

/** Everything a key is looked up in, in bloom's and rosdep's order. */
export interface KeySources {
  profile: Profile;
  /** The daemon folder's own rosdep.yaml. */
  local: RosdepTable;
  /** The `<name>`s of the daemon folders beside this one and of the others built in the same run. */
  siblings: readonly string[];
  rosdistro: RosdistroData;
  machine: readonly MachineRosdep[];
}

type MappedKey = { ok: true; packages: string[] } | { ok: false; reason: string };

const WAYS_OUT = 'map it in a rosdep.yaml beside package.xml, or give a raw Debian relation under <export><debforge> (<depends>package</depends>)';

function platformName(profile: Profile): string {
  return `${profile.os.id} ${profile.os.codename}`;
}

/** The ROS distribution whose released packages a profile's keys may name, if rosdistro has it. */
function rosDistribution(profile: Profile, rosdistro: RosdistroData): string | undefined {
  const distro = profile.ros?.distro;
  return distro !== undefined && rosdistro.hasDistribution(distro) ? distro : undefined;
}

/**
 * Maps one ROS dependency key to Debian package names for `profile`, in this order: the folder's
 * rosdep.yaml, a sibling daemon, a package the profile's ROS distribution releases (Debian's own
 * on Debian 12 and 13), rosdep's rules for the profile's OS release, then the rosdep YAML files the
 * machine's rosdep lists.
 */
export function mapKey(key: string, sources: KeySources): MappedKey {
  const { profile, rosdistro } = sources;
  const { id: os, codename } = profile.os;
  let otherInstaller: { rule: RosdepRule & { available: true }; where: string } | undefined;
  let noRule = false;

  const local = sources.local.get(key);
  if (local?.available) {
    if (local.installer === 'apt') return { ok: true, packages: local.packages };
    otherInstaller = { rule: local, where: 'rosdep.yaml' };
  }
  if (sources.siblings.includes(key)) return { ok: true, packages: [`${profile.packagePrefix}${key.replace(/_/g, '-')}`] };
  const distro = rosDistribution(profile, rosdistro);
  if (distro !== undefined && rosdistro.releases(distro, key)) return { ok: true, packages: [`ros-${distro}-${key.replace(/_/g, '-')}`] };
  const debian = debianRos(profile)?.packages.get(key);
  if (debian !== undefined) return { ok: true, packages: [debian] };
  const runtime = RUNTIME_KEYS.get(key);
  if (runtime !== undefined) return { ok: true, packages: [runtime] };
  const rule = rosdistro.rule(key, os, codename);
  if (rule?.available) {
    // rosdep's Debian rules lag behind Debian's renames; Ubuntu's are left as rosdep says.
    if (rule.installer === 'apt') return { ok: true, packages: os === 'debian' ? debianSuccessors(rule.packages) : rule.packages };
    otherInstaller ??= { rule, where: 'rosdep' };
  } else if (rule !== undefined) {
    noRule = true;
  }
  if (BASE_KEYS.has(key)) return { ok: true, packages: [key] };
  for (const { file, table } of sources.machine) {
    const listed = table.get(key);
    if (!listed?.available) continue;
    if (listed.installer === 'apt') return { ok: true, packages: listed.packages };
    otherInstaller ??= { rule: listed, where: file };
  }

  if (otherInstaller) {
    const { rule: other, where } = otherInstaller;
    const names = other.packages.length > 0 ? ` (${other.packages.join(', ')})` : '';
    return { ok: false, reason: `dependency "${key}": ${where} installs it only with ${other.installer}${names} on ${platformName(profile)}, and a Debian package cannot depend on that: ${WAYS_OUT}` };
  }
  return { ok: false, reason: unresolvedReason(key, sources, distro, noRule) };
}

function unresolvedReason(key: string, sources: KeySources, distro: string | undefined, noRule: boolean): string {
  const { profile, rosdistro } = sources;
  const where = `profile ${profile.name} (${profile.ros ? `ROS ${profile.ros.distro}, ` : ''}${platformName(profile)})`;
  if (noRule) return `dependency "${key}": rosdep knows the key but has no rule for ${platformName(profile)}, so ${where} has no package for it: ${WAYS_OUT}`;
  if (profile.ros?.version === 2) {
    const ros1 = rosdistro.releasedIn(key, 'ros1');
    if (ros1.length > 0) {
      const successor = ROS2_SUCCESSORS.get(key);
      return `dependency "${key}" is a ROS 1 package (${ros1.join(', ')}), not part of ROS 2 ${profile.ros.distro}: ${successor ? `depend on ${successor} instead, or ` : ''}${WAYS_OUT}`;
    }
  }
  if (profile.ros?.version === 1 || profile.ros === undefined) {
    const ros1 = rosdistro.releasedIn(key, 'ros1');
    const debian = debianRos(profile);
    if (debian !== undefined && ros1.length > 0) {
      return `dependency "${key}" is released in ROS ${ros1.join(', ')} (${ros1.map((d) => `ros-${d}-${key.replace(/_/g, '-')}`).join(', ')}), but Debian ${debian.release} does not ship it, so ${where} has no package for it: ${WAYS_OUT}`;
    }
    const ros2 = rosdistro.releasedIn(key, 'ros2');
    if (ros1.length === 0 && ros2.length > 0) return `dependency "${key}" is a ROS 2 package (${ros2.join(', ')}), not available on ${where}: ${WAYS_OUT}`;
  }
  if (profile.ros && distro !== undefined) {
    const others = Object.keys(rosdistro.index.distributions).filter((other) => other !== distro && rosdistro.releases(other, key));
    if (others.length > 0) return `dependency "${key}" is not released in ROS ${distro} (only in ${others.join(', ')}), so ${where} has no package for it: ${WAYS_OUT}`;
  }
  const nearest = nearestKeys(key, candidateKeys(sources, distro));
  const hint = nearest.length > 0 ? ` (nearest known keys: ${nearest.join(', ')})` : '';
  return `unknown dependency key "${key}" for ${where}: not a sibling daemon, ${distro ? `not released in ${distro}, ` : ''}no rosdep rule${hint}; ${WAYS_OUT}`;
}

function candidateKeys(sources: KeySources, distro: string | undefined): Set<string> {
  const keys = new Set<string>([...sources.local.keys(), ...sources.siblings, ...sources.rosdistro.rosdepKeys()]);
  if (distro !== undefined) for (const name of sources.rosdistro.packagesOf(distro)) keys.add(name);
  for (const name of debianRos(sources.profile)?.packages.keys() ?? []) keys.add(name);
  for (const { table } of sources.machine) for (const name of table.keys()) keys.add(name);
  return keys;
}

/** Renders `name (op version)` terms, one per constraint, the way Debian relation fields read. */
export function relationTerms(name: string, constraints: readonly VersionConstraint[]): string[] {
  if (constraints.length === 0) return [name];
  return constraints.map((c) => `${name} (${c.operator} ${c.version})`);
}

export function isRuntime(dependency: Dependency): boolean {
  return RUNTIME_KINDS.has(dependency.kind);
}
