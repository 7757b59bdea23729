/**
 * <export><debforge> of package.xml: what debforge adds to a package beyond catkin's manifest
 * (relation fields, section, priority, architecture, synopsis, units and their health checks, a
 * system user), each element and attribute checked with its line.
 */
import { DEBIAN_ARCHITECTURES } from '../debian/architectures.js';
import { PRIORITIES, SECTION } from '../debian/names.js';
import { DEBIAN_RELATION } from '../debian/relations.js';
import { printable, type ProblemList } from '../errors.js';
import { editDistance } from '../nearest.js';
import { addCondition, addTarget } from './targets.js';
import type { DebforgeOptions, HealthCheck, RelationField, UnitOptions } from './types.js';
import type { XmlElement } from './xml.js';

const RELATION_ELEMENTS: Record<string, RelationField> = {
  depends: 'depends',
  'pre-depends': 'pre-depends',
  recommends: 'recommends',
  suggests: 'suggests',
  conflicts: 'conflicts',
  breaks: 'breaks',
  replaces: 'replaces',
  provides: 'provides',
};

const SCALAR_OPTIONS = ['section', 'priority', 'architecture', 'synopsis', 'rosdep'] as const;
type ScalarOption = (typeof SCALAR_OPTIONS)[number];

const UNIT_ATTRIBUTES = new Set(['name', 'enable', 'start', 'restart-on-upgrade', 'instances', 'health-check', 'health-settle']);
/** Seconds a health-checked unit must stay active, in one invocation, unless the unit says otherwise. */
export const DEFAULT_HEALTH_SETTLE = 3;
/** The longest health-check bound: postinst holds dpkg (and the robot's upgrade) that long at most. */
export const MAX_HEALTH_TIMEOUT = 3600;
const USER_ATTRIBUTES = new Set(['name', 'home']);

/** Why an <architecture> value is refused; shared with resolve, which checks it again where it is used. */
export function architectureProblem(value: string): string {
  const wildcard = value === 'any' || value.endsWith('-any') || value.startsWith('any-');
  const why = wildcard ? 'is a wildcard for source packages: a built package names one architecture' : 'is not a Debian architecture name';
  return `<architecture> "${printable(value)}" ${why}: use all, or the machine's architecture (amd64, arm64, armhf, ...)`;
}

function parseBoolean(element: XmlElement, attribute: string, fallback: boolean, file: string, problems: ProblemList): boolean {
  const value = element.attributes[attribute];
  if (value === undefined) return fallback;
  if (value === 'true' || value === 'yes') return true;
  if (value === 'false' || value === 'no') return false;
  problems.error(file, `<${element.name}> ${attribute}="${value}" must be true or false`, element.line);
  return fallback;
}

/** Whole seconds in [min, max], or undefined (with an error) for anything else. */
function parseSeconds(element: XmlElement, attribute: string, min: number, max: number, file: string, problems: ProblemList): number | undefined {
  const value = element.attributes[attribute] ?? '';
  const seconds = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(seconds) && seconds >= min && seconds <= max) return seconds;
  problems.error(file, `<${element.name}> ${attribute}="${printable(value)}" must be a whole number of seconds from ${min} to ${max}`, element.line);
  return undefined;
}

/** `health-check="SECONDS"` and `health-settle="SECONDS"`, or `health-check="false"`. */
function parseHealthCheck(element: XmlElement, file: string, problems: ProblemList): HealthCheck | false | undefined {
  const value = element.attributes['health-check'];
  const settleGiven = element.attributes['health-settle'] !== undefined;
  if (value === 'false' || value === 'no') {
    if (settleGiven) problems.error(file, `<${element.name}> health-settle has no effect with health-check="${value}": remove one`, element.line);
    return false;
  }
  if (value === undefined) {
    if (settleGiven) problems.error(file, `<${element.name}> health-settle needs health-check="SECONDS", the bound postinst waits within`, element.line);
    return undefined;
  }
  const timeout = parseSeconds(element, 'health-check', 1, MAX_HEALTH_TIMEOUT, file, problems);
  const settle = settleGiven ? parseSeconds(element, 'health-settle', 0, MAX_HEALTH_TIMEOUT, file, problems) : Math.min(DEFAULT_HEALTH_SETTLE, timeout ?? DEFAULT_HEALTH_SETTLE);
  if (timeout === undefined || settle === undefined) return undefined;
  if (settle > timeout) {
    problems.error(file, `<${element.name}> health-settle="${settle}" is longer than health-check="${timeout}": the unit could never settle within the bound`, element.line);
    return undefined;
  }
  return { timeout, settle };
}

export function parseDebforgeOptions(root: XmlElement, file: string, problems: ProblemList): DebforgeOptions {
  const options: DebforgeOptions = { relations: {}, units: new Map() };
  const exports = root.children.filter((e) => e.name === 'export');
  const sections = exports.flatMap((e) => e.children.filter((c) => c.name === 'debforge'));
  if (sections.length > 1) problems.error(file, '<debforge> appears more than once under <export>', sections[1]!.line);
  const section = sections[0];
  if (!section) return options;
  options.line = section.line;
  for (const attribute of Object.keys(section.attributes)) {
    if (attribute !== 'condition') problems.error(file, `<debforge> has unknown attribute "${attribute}"`, section.line);
  }
  const condition = addCondition(section, root.attributes['format'], undefined, file, problems);
  if (condition !== undefined) options.targets = condition;
  for (const element of section.children) {
    const relation = RELATION_ELEMENTS[element.name];
    if (relation) {
      rejectAttributes(element, new Set(), file, problems);
      // One control-file line: line breaks inside the element are only spacing.
      const value = element.text.trim().replace(/\s+/g, ' ');
      if (value === '') problems.error(file, `<${element.name}> is empty`, element.line);
      else if (!DEBIAN_RELATION.test(value)) {
        problems.error(file, `<${element.name}> "${printable(value)}" is not a Debian relation (name, optionally "(>= version)", alternatives with |)`, element.line);
      } else (options.relations[relation] ??= []).push(value);
    } else if ((SCALAR_OPTIONS as readonly string[]).includes(element.name)) {
      rejectAttributes(element, new Set(), file, problems);
      const key = element.name as ScalarOption;
      if (options[key] !== undefined) problems.error(file, `<${key}> appears more than once`, element.line);
      const value = element.text.trim();
      if (value === '') problems.error(file, `<${key}> is empty`, element.line);
      else if (key === 'section' && !SECTION.test(value)) {
        problems.error(file, `<section> "${printable(value)}" is not a Debian section (e.g. misc, net, contrib/net)`, element.line);
      } else if (key === 'architecture' && !DEBIAN_ARCHITECTURES.has(value)) {
        problems.error(file, architectureProblem(value), element.line);
      } else if (key === 'priority' && !PRIORITIES.has(value)) {
        problems.error(file, `<priority> "${printable(value)}" must be one of ${[...PRIORITIES].join(', ')}`, element.line);
      }
      options[key] = key === 'synopsis' ? value.replace(/\s+/g, ' ') : value;
      if (key === 'rosdep') options.rosdepLine = element.line;
      if (key === 'synopsis') options.synopsisLine = element.line;
      if (key === 'architecture') options.architectureLine = element.line;
    } else if (element.name === 'unit') {
      rejectAttributes(element, UNIT_ATTRIBUTES, file, problems);
      const name = element.attributes['name'];
      if (!name) {
        problems.error(file, '<unit> needs a name="..." attribute naming a unit file', element.line);
        continue;
      }
      if (options.units.has(name)) problems.error(file, `<unit name="${printable(name)}"> appears more than once`, element.line);
      const instances = (element.attributes['instances'] ?? '').split(/\s+/).filter((s) => s !== '');
      const unit: UnitOptions = {
        enable: parseBoolean(element, 'enable', true, file, problems),
        start: parseBoolean(element, 'start', true, file, problems),
        restartOnUpgrade: parseBoolean(element, 'restart-on-upgrade', true, file, problems),
        instances,
        line: element.line,
      };
      const healthCheck = parseHealthCheck(element, file, problems);
      if (healthCheck !== undefined) unit.healthCheck = healthCheck;
      options.units.set(name, unit);
    } else if (element.name === 'target') {
      options.targets = addTarget(element, options.targets, file, problems);
    } else if (element.name === 'system-user') {
      rejectAttributes(element, USER_ATTRIBUTES, file, problems);
      const name = element.attributes['name'];
      if (!name || !/^[a-z_][a-z0-9_-]{0,30}$/.test(name)) {
        problems.error(file, `<system-user> name="${printable(name ?? '')}" must be a valid user name (lower case, digits, - and _)`, element.line);
        continue;
      }
      const home = element.attributes['home'];
      if (home !== undefined && !/^\/[A-Za-z0-9._/-]*$/.test(home)) {
        problems.error(file, `<system-user> home="${printable(home)}" must be an absolute path`, element.line);
      }
      options.systemUser = { name, line: element.line, ...(home ? { home } : {}) };
    } else {
      problems.error(file, `unknown element <${element.name}> in <debforge>: ${suggestOption(element.name)}`, element.line);
    }
  }
  return options;
}

function rejectAttributes(element: XmlElement, allowed: Set<string>, file: string, problems: ProblemList): void {
  for (const attribute of Object.keys(element.attributes)) {
    if (!allowed.has(attribute)) {
      const known = [...allowed].join(', ');
      problems.error(file, `<${element.name}> has unknown attribute "${attribute}"${known ? ` (known: ${known})` : ''}`, element.line);
    }
  }
}

const ALL_OPTION_NAMES = [...Object.keys(RELATION_ELEMENTS), ...SCALAR_OPTIONS, 'unit', 'system-user', 'target'];

/** Points a misspelt option at the closest known one, so a typo is fixed in one go. */
function suggestOption(name: string): string {
  let best = '';
  let bestDistance = Infinity;
  for (const candidate of ALL_OPTION_NAMES) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= 3 ? `did you mean <${best}>?` : `known elements are ${ALL_OPTION_NAMES.map((n) => `<${n}>`).join(', ')}`;
}
