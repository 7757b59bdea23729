import { ProblemList, printable } from '../errors.js';
import { DEBIAN_ARCHITECTURES } from '../debian/architectures.js';
import { PRIORITIES, SECTION } from '../debian/names.js';
import { DEBIAN_RELATION } from '../debian/relations.js';
import { DEBIAN_VERSION } from '../debian/version.js';
import { DEPENDENCY_KEY, EMAIL } from './ros-syntax.js';
import { decodeXml, parseXml, type XmlElement } from './xml.js';
import type {
  DebforgeOptions,
  Dependency,
  DependencyKind,
  HealthCheck,
  Manifest,
  Person,
  RelationField,
  UnitOptions,
  Url,
  VersionConstraint,
} from './types.js';

/** Dependency elements by manifest format (REP 127, REP 140, REP 149). */
const DEPENDENCY_KINDS: Record<1 | 2 | 3, readonly DependencyKind[]> = {
  1: ['build_depend', 'buildtool_depend', 'run_depend', 'test_depend', 'conflict', 'replace'],
  2: [
    'depend', 'build_depend', 'build_export_depend', 'buildtool_depend', 'buildtool_export_depend',
    'exec_depend', 'test_depend', 'doc_depend', 'conflict', 'replace',
  ],
  3: [
    'depend', 'build_depend', 'build_export_depend', 'buildtool_depend', 'buildtool_export_depend',
    'exec_depend', 'test_depend', 'doc_depend', 'conflict', 'replace', 'group_depend', 'member_of_group',
  ],
};

const OTHER_ELEMENTS = new Set(['name', 'version', 'description', 'maintainer', 'license', 'url', 'author', 'export']);

const VERSION_ATTRIBUTES: Record<string, VersionConstraint['operator']> = {
  version_lt: '<<',
  version_lte: '<=',
  version_eq: '=',
  version_gte: '>=',
  version_gt: '>>',
};

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

/** A URL for Homepage and the copyright file's Source: one word, no spaces or control characters. */
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\/[^\s<>"'\\]+$/i;
/** Debian sections (optionally with an archive area, `contrib/net`) and priorities. */
/** One Debian relation: a package, optionally `(op version)`, alternatives joined with `|`. */
const VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/**
 * Reads a catkin `package.xml` (formats 1, 2 and 3). Every problem is collected into `problems`
 * with its line; the returned manifest is only meaningful when no error was collected.
 */
export function parseManifest(xml: Buffer | string, file: string, problems: ProblemList): Manifest | undefined {
  const root = problems.capture(() => parseXml(typeof xml === 'string' ? xml : decodeXml(xml, file), file));
  if (!root) return undefined;
  if (root.name !== 'package') {
    problems.error(file, `root element is <${root.name}>, expected <package>`, root.line);
    return undefined;
  }
  const formatText = root.attributes['format'] ?? '1';
  if (formatText !== '1' && formatText !== '2' && formatText !== '3') {
    problems.error(file, `unsupported manifest format "${formatText}": use format 1, 2 or 3`, root.line);
    return undefined;
  }
  const format = Number(formatText) as 1 | 2 | 3;
  const kinds = new Set<string>(DEPENDENCY_KINDS[format]);

  for (const child of root.children) {
    if (!OTHER_ELEMENTS.has(child.name) && !kinds.has(child.name)) {
      problems.error(file, `<${child.name}> is not an element of a format ${format} package.xml`, child.line);
    }
  }

  const name = requiredText(root, 'name', file, problems);
  const versionElement = requiredElement(root, 'version', file, problems);
  const version = versionElement ? versionElement.text.trim() : '';
  if (versionElement && version !== '' && !VERSION.test(version)) {
    problems.error(file, `<version> "${printable(version)}" must be X.Y.Z (three integers)`, versionElement.line);
  } else if (versionElement && version === '') {
    problems.error(file, '<version> is empty: give the version as X.Y.Z', versionElement.line);
  }
  const descriptionElement = requiredElement(root, 'description', file, problems);
  // ROS descriptions may hold HTML markup: its text counts, in document order.
  const description = descriptionElement ? descriptionElement.innerText : '';
  if (descriptionElement && description.trim() === '') {
    problems.error(file, '<description> is empty: describe what the daemon does', descriptionElement.line);
  }

  const maintainers = people(root, 'maintainer', file, problems, true);
  if (maintainers.length === 0) {
    problems.error(file, 'no <maintainer>: add <maintainer email="you@example.org">Your Name</maintainer>', root.line);
  }
  const authors = people(root, 'author', file, problems, false);
  const licenseElements = root.children
    .filter((e) => e.name === 'license')
    .map((e) => {
      // The copyright file has one License: line per licence; whitespace collapses to one space.
      const text = e.text.trim().replace(/\s+/g, ' ');
      if (text === '') problems.error(file, '<license> is empty: name the license, e.g. Apache-2.0', e.line);
      return { text, line: e.line };
    })
    .filter((license) => license.text !== '');
  const licenses = licenseElements.map((license) => license.text);
  if (!root.children.some((e) => e.name === 'license')) {
    problems.error(file, 'no <license>: add e.g. <license>Apache-2.0</license>', root.line);
  }
  const urls: Url[] = root.children
    .filter((e) => e.name === 'url')
    .map((e) => {
      const url = e.text.trim();
      if (url !== '' && !URL_PATTERN.test(url)) {
        problems.error(file, `<url> "${printable(url)}" is not one URL (scheme://..., no spaces or line breaks)`, e.line);
      }
      return { type: e.attributes['type'] ?? 'website', url };
    });

  const dependencies: Dependency[] = [];
  for (const element of root.children) {
    if (!kinds.has(element.name)) continue;
    const key = element.text.trim();
    if (key === '') {
      problems.error(file, `<${element.name}> is empty: name the package it depends on`, element.line);
      continue;
    }
    if (!DEPENDENCY_KEY.test(key)) {
      problems.error(file, `<${element.name}> "${printable(key)}" is not a ROS package name or rosdep key: one name per element (letters, digits, _ - . +); put alternatives or raw relations in <export><debforge><depends>`, element.line);
      continue;
    }
    const constraints: VersionConstraint[] = [];
    for (const [attribute, value] of Object.entries(element.attributes)) {
      const operator = VERSION_ATTRIBUTES[attribute];
      if (operator && !DEBIAN_VERSION.test(value)) {
        problems.error(file, `<${element.name}> ${attribute}="${printable(value)}" is not a version (e.g. 1.2.3): digits first, then letters, digits and . + ~ -`, element.line);
      } else if (operator) constraints.push({ operator, version: value });
      else if (attribute === 'condition' && format === 3) continue;
      else problems.error(file, `<${element.name}> has unknown attribute "${attribute}"`, element.line);
    }
    const condition = element.attributes['condition'];
    dependencies.push({
      kind: element.name as DependencyKind,
      key,
      constraints,
      line: element.line,
      ...(condition !== undefined && format === 3 ? { condition } : {}),
    });
  }

  const debforge = parseDebforgeOptions(root, file, problems);

  return {
    file,
    format,
    name,
    nameLine: root.children.find((e) => e.name === 'name')?.line ?? root.line,
    version,
    versionLine: versionElement?.line ?? root.line,
    description,
    descriptionLine: descriptionElement?.line ?? root.line,
    maintainers,
    authors,
    licenses,
    licenseLines: licenseElements.map((license) => license.line),
    urls,
    dependencies,
    debforge,
  };
}

/** Why an <architecture> value is refused; shared with resolve, which checks it again where it is used. */
export function architectureProblem(value: string): string {
  const wildcard = value === 'any' || value.endsWith('-any') || value.startsWith('any-');
  const why = wildcard ? 'is a wildcard for source packages: a built package names one architecture' : 'is not a Debian architecture name';
  return `<architecture> "${printable(value)}" ${why}: use all, or the machine's architecture (amd64, arm64, armhf, ...)`;
}

function requiredElement(root: XmlElement, name: string, file: string, problems: ProblemList): XmlElement | undefined {
  const found = root.children.filter((e) => e.name === name);
  if (found.length === 0) {
    problems.error(file, `missing required element <${name}>`, root.line);
    return undefined;
  }
  if (found.length > 1) problems.error(file, `<${name}> appears more than once`, found[1]!.line);
  return found[0];
}

function requiredText(root: XmlElement, name: string, file: string, problems: ProblemList): string {
  const element = requiredElement(root, name, file, problems);
  if (!element) return '';
  const text = element.text.trim();
  if (text === '') problems.error(file, `<${name}> is empty`, element.line);
  return text;
}

function people(root: XmlElement, tag: string, file: string, problems: ProblemList, emailRequired: boolean): Person[] {
  return root.children
    .filter((e) => e.name === tag)
    .map((e) => {
      const name = e.text.trim().replace(/\s+/g, ' ');
      const email = e.attributes['email']?.trim();
      if (name === '') problems.error(file, `<${tag}> has no name`, e.line);
      if (/[<>\n]/.test(name)) problems.error(file, `<${tag}> name "${name}" must not contain < or >`, e.line);
      // A maintainer's email is judged in resolve, where --maintainer or DEBEMAIL may replace it.
      if (emailRequired) return { name, line: e.line, ...(email ? { email } : {}) };
      if (email !== undefined && email !== '' && !EMAIL.test(email)) {
        problems.error(file, `<${tag}> email "${printable(email)}" is not a valid address (name@domain.tld)`, e.line);
      }
      return { name, line: e.line, ...(email ? { email } : {}) };
    });
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

function parseDebforgeOptions(root: XmlElement, file: string, problems: ProblemList): DebforgeOptions {
  const options: DebforgeOptions = { relations: {}, units: new Map() };
  const exports = root.children.filter((e) => e.name === 'export');
  const sections = exports.flatMap((e) => e.children.filter((c) => c.name === 'debforge'));
  if (sections.length > 1) problems.error(file, '<debforge> appears more than once under <export>', sections[1]!.line);
  const section = sections[0];
  if (!section) return options;
  options.line = section.line;
  for (const attribute of Object.keys(section.attributes)) {
    problems.error(file, `<debforge> has unknown attribute "${attribute}"`, section.line);
  }
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

const ALL_OPTION_NAMES = [...Object.keys(RELATION_ELEMENTS), ...SCALAR_OPTIONS, 'unit', 'system-user'];

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

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
