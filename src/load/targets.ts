import { printable, type ProblemList } from '../errors.js';
import type { DaemonTargets } from './types.js';
import type { XmlElement } from './xml.js';

const ROS_VERSIONS: ReadonlySet<string> = new Set(['1', '2', 'none']);
const PROFILE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * `<target profile="noetic debian-bookworm"/>` or `<target ros-version="1"/>` under
 * `<export><debforge>`: one attribute each, values separated by spaces, repeatable. Whether the
 * names are profiles is judged where the profiles are known (the project config adds its own).
 */
export function addTarget(element: XmlElement, targets: DaemonTargets | undefined, file: string, problems: ProblemList): DaemonTargets {
  const result: DaemonTargets = targets ?? { profiles: [], rosVersions: [], line: element.line };
  const attributes = Object.keys(element.attributes);
  const unknown = attributes.filter((a) => a !== 'profile' && a !== 'ros-version');
  if (unknown.length > 0 || attributes.length !== 1 || element.children.length > 0 || element.text.trim() !== '') {
    problems.error(file, '<target> takes one attribute, profile="NAME..." or ros-version="1|2|none", and no content: write one <target> per attribute', element.line);
    return result;
  }
  const values = element.attributes[attributes[0]!]!.split(/\s+/).filter((v) => v !== '');
  if (values.length === 0) problems.error(file, `<target> ${attributes[0]} is empty: name at least one`, element.line);
  for (const value of values) {
    if (attributes[0] === 'profile') {
      if (PROFILE_NAME.test(value)) result.profiles.push(value);
      else problems.error(file, `<target> profile "${printable(value)}" is not a profile name (see debforge profiles)`, element.line);
    } else if (ROS_VERSIONS.has(value)) result.rosVersions.push(value as '1' | '2' | 'none');
    else problems.error(file, `<target> ros-version "${printable(value)}" must be 1, 2 or none (no ROS)`, element.line);
  }
  return result;
}

/** A format 3 `condition` on `<debforge>`: the daemon is built only for the profiles where it holds. */
export function addCondition(section: XmlElement, format: string | undefined, targets: DaemonTargets | undefined, file: string, problems: ProblemList): DaemonTargets | undefined {
  const expression = section.attributes['condition'];
  if (expression === undefined) return targets;
  if (format !== '3') {
    problems.error(file, `<debforge> condition needs package format 3 (this is format ${format ?? '1'}): use <target ros-version="..."> or <target profile="...">, or <package format="3">`, section.line);
    return targets;
  }
  if (expression.trim() === '') {
    problems.error(file, '<debforge> condition is empty: give one such as "$ROS_VERSION == 1", or remove it', section.line);
    return targets;
  }
  return { ...(targets ?? { profiles: [], rosVersions: [] }), condition: { expression, line: section.line } };
}
