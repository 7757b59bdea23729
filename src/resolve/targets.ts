import { printable } from '../errors.js';
import type { Manifest } from '../load/types.js';
import { ConditionError, conditionVariables, evaluateCondition } from './condition.js';
import type { Profile } from './profiles.js';

/** Whether a daemon is built for a profile, and if not, why (at the package.xml line that says so). */
type TargetVerdict =
  | { applies: true }
  | { applies: false; reason: string; line: number | undefined }
  | { error: string; line: number | undefined };

/**
 * Judges a daemon's `<target>`s and format 3 `<debforge condition>` against `profile`. A daemon
 * that declares neither is built for every profile. A custom profile matches a `<target
 * profile>` naming it or the built-in profile it is based on; `ros-version` compares its ROS
 * version (`none` for no ROS). `known` are the profiles a `<target profile>` may name.
 */
export function judgeTargets(manifest: Manifest, profile: Profile, known: readonly Profile[]): TargetVerdict {
  const targets = manifest.debforge.targets;
  if (targets === undefined) return { applies: true };
  const names = known.map((p) => p.name);
  const unknown = targets.profiles.find((name) => !names.includes(name));
  if (unknown !== undefined) {
    return { error: `<target> profile "${printable(unknown)}" is not a profile here: name one of ${names.join(', ')} (a team's own profile goes in the project config's custom-profiles)`, line: targets.line };
  }
  const rosVersion = profile.ros ? String(profile.ros.version) : 'none';
  const listed = targets.profiles.length + targets.rosVersions.length > 0;
  const wanted: string[] = [];
  if (targets.profiles.length > 0) wanted.push(`profile${targets.profiles.length > 1 ? 's' : ''} ${targets.profiles.join(', ')}`);
  for (const version of targets.rosVersions) wanted.push(version === 'none' ? 'profiles without ROS' : `ROS ${version}`);
  const listedMatch = targets.profiles.includes(profile.name) || (profile.base !== undefined && targets.profiles.includes(profile.base)) || (targets.rosVersions as string[]).includes(rosVersion);
  if (listed && !listedMatch) return { applies: false, reason: `targets ${wanted.join(' and ')} (<target>), not profile ${profile.name} (${profile.summary})`, line: targets.line };
  const condition = targets.condition;
  if (condition === undefined) return { applies: true };
  try {
    if (evaluateCondition(condition.expression, conditionVariables(profile))) return { applies: true };
  } catch (error) {
    if (error instanceof ConditionError) return { error: `<debforge> ${error.message}`, line: condition.line };
    throw error;
  }
  return { applies: false, reason: `targets the profiles where "${printable(condition.expression)}" holds (<debforge condition>), not profile ${profile.name} (${profile.summary})`, line: condition.line };
}
